import JSON
import KubeAPI

/// EndpointSlices (`k/k: pkg/registry/discovery/endpointslice/strategy.go`,
/// `pkg/apis/discovery/validation/validation.go`, `discovery/v1/defaults.go`).
struct EndpointSliceStrategy: ResourceStrategy {
    let info = ResourceInfo(
        group: "discovery.k8s.io", version: "v1", resource: "endpointslices", singular: "endpointslice",
        kind: "EndpointSlice", namespaced: true,
        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        nameRule: .dns1123Subdomain, storageVersionHash: "Nx3SIv6I0mE=")

    /// Deleting a slice answers with a Success Status, not the object (`finalizeDelete`).
    var returnDeletedObject: Bool { false }

    static let addressTypes = ["FQDN", "IPv4", "IPv6"]
    static let maxEndpoints = 1000
    static let maxAddresses = 100
    static let maxPorts = 20_000
    static let maxZoneHints = 8

    func applyDefaults(_ object: inout JSON) {
        // `SetDefaults_EndpointPort`: name defaults to "" and protocol to TCP.
        guard var ports = object["ports"]?.arrayValue else { return }
        for index in ports.indices where ports[index].objectValue != nil {
            if ports[index]["name"] == nil || ports[index]["name"]?.isNull == true { ports[index]["name"] = "" }
            if ports[index]["protocol"] == nil || ports[index]["protocol"]?.isNull == true { ports[index]["protocol"] = "TCP" }
        }
        object["ports"] = .array(ports)
    }

    func prepareForCreate(_ object: inout JSON) {
        object["metadata"]?["generation"] = 1
    }

    func prepareForUpdate(_ object: inout JSON, old: JSON) {
        // Generation moves when anything but metadata changes, or when labels change.
        var newBody = object
        var oldBody = old
        newBody["metadata"] = nil
        oldBody["metadata"] = nil
        let generation = old["metadata"]?["generation"]?.intValue ?? 0
        if newBody != oldBody || object["metadata"]?["labels"] != old["metadata"]?["labels"] {
            object["metadata"]?["generation"] = .int(generation + 1)
        } else {
            object["metadata"]?["generation"] = .int(generation)
        }
    }

    func validate(_ object: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        let addressType = FieldValidation.string(object["addressType"], "addressType", &errors)
        if addressType == nil {
            errors.append(.required("addressType"))
        } else if let addressType, !Self.addressTypes.contains(addressType) {
            errors.append(.notSupported("addressType", .string(addressType), supported: Self.addressTypes))
        }
        validateEndpoints(object["endpoints"], addressType: addressType, &errors)
        validatePorts(object["ports"], &errors)
        return errors
    }

    func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        if let new = object["addressType"], let previous = old["addressType"], new != previous {
            return [.invalid("addressType", new, "field is immutable")]
        }
        return []
    }

    func selectableFields(_ object: JSON) -> [String: String] { metadataFields(object) }

    private func validateEndpoints(_ value: JSON?, addressType: String?, _ errors: inout [FieldError]) {
        let endpoints = FieldValidation.array(value, "endpoints", &errors)
        if endpoints.count > Self.maxEndpoints {
            errors.append(.tooMany("endpoints", actual: endpoints.count, max: Self.maxEndpoints))
            return
        }
        for (index, endpoint) in endpoints.enumerated() {
            let path = "endpoints[\(index)]"
            guard endpoint.objectValue != nil else {
                errors.append(.invalid(path, endpoint, "must be an object"))
                continue
            }
            let addresses = FieldValidation.array(endpoint["addresses"], "\(path).addresses", &errors)
            if addresses.isEmpty {
                errors.append(.required("\(path).addresses", "must contain at least 1 address"))
            } else if addresses.count > Self.maxAddresses {
                errors.append(.tooMany("\(path).addresses", actual: addresses.count, max: Self.maxAddresses))
            }
            for (addressIndex, address) in addresses.enumerated() {
                let addressPath = "\(path).addresses[\(addressIndex)]"
                guard let text = FieldValidation.string(address, addressPath, &errors) else { continue }
                validateAddress(text, type: addressType, addressPath, &errors)
            }
            if let hostname = FieldValidation.string(endpoint["hostname"], "\(path).hostname", &errors) {
                FieldValidation.dns1123Label(hostname, "\(path).hostname", &errors)
            }
            if let nodeName = FieldValidation.string(endpoint["nodeName"], "\(path).nodeName", &errors) {
                for message in NameValidation.isDNS1123Subdomain(nodeName) {
                    errors.append(.invalid("\(path).nodeName", string: nodeName, message))
                }
            }
            for condition in ["ready", "serving", "terminating"] {
                if let flag = endpoint["conditions"]?[condition], !flag.isNull, flag.boolValue == nil {
                    errors.append(.invalid("\(path).conditions.\(condition)", flag, "must be a boolean"))
                }
            }
            let zones = FieldValidation.array(endpoint["hints"]?["forZones"], "\(path).hints.forZones", &errors)
            if zones.count > Self.maxZoneHints {
                errors.append(.tooMany("\(path).hints.forZones", actual: zones.count, max: Self.maxZoneHints))
            }
        }
    }

    private func validateAddress(_ address: String, type: String?, _ path: String, _ errors: inout [FieldError]) {
        switch type {
        case "IPv4":
            for message in NameValidation.isValidIPv4Address(address) { errors.append(.invalid(path, string: address, message)) }
        case "IPv6":
            for message in NameValidation.isValidIPv6Address(address) { errors.append(.invalid(path, string: address, message)) }
        case "FQDN":
            for message in NameValidation.isDNS1123Subdomain(address) { errors.append(.invalid(path, string: address, message)) }
        default:
            break
        }
    }

    private func validatePorts(_ value: JSON?, _ errors: inout [FieldError]) {
        let ports = FieldValidation.array(value, "ports", &errors)
        if ports.count > Self.maxPorts {
            errors.append(.tooMany("ports", actual: ports.count, max: Self.maxPorts))
            return
        }
        var names: Set<String> = []
        for (index, port) in ports.enumerated() {
            let path = "ports[\(index)]"
            if let name = FieldValidation.string(port["name"], "\(path).name", &errors) {
                if !name.isEmpty { FieldValidation.dns1123Label(name, "\(path).name", &errors) }
                if !names.insert(name).inserted { errors.append(.duplicate("\(path).name", .string(name))) }
            }
            FieldValidation.portProtocol(port["protocol"], "\(path).protocol", &errors)
            if port["port"] != nil, port["port"]?.isNull == false {
                FieldValidation.portNumber(port["port"], "\(path).port", required: false, &errors)
            }
            if let appProtocol = FieldValidation.string(port["appProtocol"], "\(path).appProtocol", &errors) {
                FieldValidation.qualifiedName(appProtocol, "\(path).appProtocol", &errors)
            }
        }
    }
}
