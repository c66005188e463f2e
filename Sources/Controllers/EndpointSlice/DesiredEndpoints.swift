import JSON

/// The endpoints a Service should have (reference §12.3; `k8s.io/endpointslice/utils.go` `podToEndpoint`,
/// `getEndpointPorts`), grouped by address type and by the ports they resolve to.
struct DesiredEndpoints {
    /// One group of endpoints sharing a resolved port list.
    struct Group {
        var ports: JSON
        var endpoints: [JSON] = []
    }

    /// Address type → groups, keyed by the serialized port list (insertion order kept for determinism).
    var byAddressType: [String: [(key: String, group: Group)]] = [:]

    static func addressTypes(of service: JSON) -> [String] {
        let families = (service["spec"]?["ipFamilies"]?.arrayValue ?? []).compactMap(\.stringValue)
        if !families.isEmpty { return families }
        return [(service["spec"]?["clusterIP"]?.stringValue ?? "").contains(":") ? "IPv6" : "IPv4"]
    }

    /// Computes the endpoints of `pods` (already selected by the Service's selector) for `service`.
    init(service: JSON, pods: [JSON]) {
        let serviceName = service["metadata"]?["name"]?.stringValue ?? ""
        let publishNotReady = service["spec"]?["publishNotReadyAddresses"]?.boolValue ?? false
        let servicePorts = service["spec"]?["ports"]?.arrayValue ?? []
        for addressType in Self.addressTypes(of: service) {
            var groups: [(key: String, group: Group)] = []
            for pod in pods {
                let phase = pod["status"]?["phase"]?.stringValue
                if phase == "Succeeded" || phase == "Failed" { continue }
                guard let address = Self.address(of: pod, family: addressType) else { continue }
                let ports = JSON.array(servicePorts.compactMap { Self.resolve($0, on: pod) })
                let key = String(decoding: ports.serialized(), as: UTF8.self)
                let endpoint = Self.endpoint(pod, address: address, serviceName: serviceName, publishNotReady: publishNotReady)
                if let index = groups.firstIndex(where: { $0.key == key }) {
                    groups[index].group.endpoints.append(endpoint)
                } else {
                    groups.append((key, Group(ports: ports, endpoints: [endpoint])))
                }
            }
            byAddressType[addressType] = groups
        }
    }

    /// The pod's IP of `family` (`status.podIPs`, else `status.podIP`).
    static func address(of pod: JSON, family: String) -> String? {
        var ips = (pod["status"]?["podIPs"]?.arrayValue ?? []).compactMap { $0["ip"]?.stringValue }
        if ips.isEmpty, let ip = pod["status"]?["podIP"]?.stringValue, !ip.isEmpty { ips = [ip] }
        return ips.first { ($0.contains(":") ? "IPv6" : "IPv4") == family }
    }

    /// `podToEndpoint`: conditions from the Ready condition and deletionTimestamp, targetRef, nodeName, hostname.
    static func endpoint(_ pod: JSON, address: String, serviceName: String, publishNotReady: Bool) -> JSON {
        let serving = (pod["status"]?["conditions"]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
        }
        let terminating = pod["metadata"]?["deletionTimestamp"] != nil
        var endpoint: JSONObject = [
            "addresses": [.string(address)],
            "conditions": ["ready": .bool(publishNotReady || (serving && !terminating)), "serving": .bool(serving),
                           "terminating": .bool(terminating)],
        ]
        if let hostname = pod["spec"]?["hostname"]?.stringValue, !hostname.isEmpty,
           pod["spec"]?["subdomain"]?.stringValue == serviceName {
            endpoint["hostname"] = .string(hostname)
        }
        endpoint["targetRef"] = ["kind": "Pod", "namespace": pod["metadata"]?["namespace"] ?? "",
                                 "name": pod["metadata"]?["name"] ?? "", "uid": pod["metadata"]?["uid"] ?? ""]
        if let node = pod["spec"]?["nodeName"]?.stringValue, !node.isEmpty { endpoint["nodeName"] = .string(node) }
        return .object(endpoint)
    }

    /// A slice port for one Service port on one Pod, or nil when a named targetPort is not declared by the Pod
    /// (`findPort`: same name and protocol).
    static func resolve(_ servicePort: JSON, on pod: JSON) -> JSON? {
        let proto = servicePort["protocol"]?.stringValue ?? "TCP"
        let number: Int64
        switch servicePort["targetPort"] {
        case .int(let value)?:
            number = value
        case .string(let name)?:
            let containers = pod["spec"]?["containers"]?.arrayValue ?? []
            let match = containers.lazy.flatMap { $0["ports"]?.arrayValue ?? [] }.first {
                $0["name"]?.stringValue == name && ($0["protocol"]?.stringValue ?? "TCP") == proto
            }
            guard let port = match?["containerPort"]?.intValue else { return nil }
            number = port
        default:
            guard let port = servicePort["port"]?.intValue else { return nil }
            number = port
        }
        var port: JSONObject = ["name": servicePort["name"] ?? "", "protocol": .string(proto), "port": .int(number)]
        if let appProtocol = servicePort["appProtocol"] { port["appProtocol"] = appProtocol }
        return .object(port)
    }
}
