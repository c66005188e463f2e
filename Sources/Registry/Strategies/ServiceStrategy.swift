import JSON
import KubeAPI

/// Services (`k/k: pkg/registry/core/service/strategy.go`, `SetDefaults_Service`, `ValidateService*`).
///
/// Defaulting and validation of the Service's own fields. Address allocation (ClusterIP, NodePort,
/// LoadBalancer) is a separate concern layered on top of this strategy.
struct ServiceStrategy: ResourceStrategy {
    let info = ResourceInfo(
        group: "", version: "v1", resource: "services", singular: "service", kind: "Service", namespaced: true,
        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        shortNames: ["svc"], categories: ["all"], subresources: ["status": ["get", "patch", "update"]],
        nameRule: .dns1035Label, selectableFields: ["spec.clusterIP", "spec.type"], storageVersionHash: "0/CO1lhkEBI=")

    static let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
    static let trafficPolicies = ["Cluster", "Local"]
    static let ipFamilyPolicies = ["PreferDualStack", "RequireDualStack", "SingleStack"]

    var allowCreateOnUpdate: Bool { true }

    func applyDefaults(_ object: inout JSON) {
        guard var spec = object["spec"], spec.objectValue != nil else { return }
        if spec["type"] == nil { spec["type"] = "ClusterIP" }
        let type = spec["type"]?.stringValue ?? ""
        if spec["sessionAffinity"] == nil { spec["sessionAffinity"] = "None" }
        if spec["sessionAffinity"]?.stringValue == "None" {
            spec["sessionAffinityConfig"] = nil
        } else if spec["sessionAffinity"]?.stringValue == "ClientIP",
                  spec["sessionAffinityConfig"]?["clientIP"]?["timeoutSeconds"] == nil {
            spec["sessionAffinityConfig"] = ["clientIP": ["timeoutSeconds": 10800]]
        }
        if var ports = spec["ports"]?.arrayValue {
            for index in ports.indices where ports[index].objectValue != nil {
                if ports[index]["protocol"] == nil { ports[index]["protocol"] = "TCP" }
                let target = ports[index]["targetPort"]
                if target == nil || target?.intValue == 0 || target?.stringValue == "" {
                    ports[index]["targetPort"] = ports[index]["port"]
                }
            }
            spec["ports"] = .array(ports)
        }
        let externalIPs = spec["externalIPs"]?.arrayValue ?? []
        let externallyAccessible = type == "NodePort" || type == "LoadBalancer" || (type == "ClusterIP" && !externalIPs.isEmpty)
        if externallyAccessible, spec["externalTrafficPolicy"] == nil { spec["externalTrafficPolicy"] = "Cluster" }
        if type != "ExternalName", spec["internalTrafficPolicy"] == nil { spec["internalTrafficPolicy"] = "Cluster" }
        if type == "LoadBalancer", spec["allocateLoadBalancerNodePorts"] == nil { spec["allocateLoadBalancerNodePorts"] = true }
        if type != "ExternalName" { Self.defaultIPFamilyFields(&spec) }
        object["spec"] = spec
    }

    /// `initIPFamilyFields` for a single-stack IPv4 cluster: `clusterIPs` mirrors `clusterIP`, the policy is
    /// SingleStack (RequireDualStack for selector-less headless Services), families follow the given IPs.
    static func defaultIPFamilyFields(_ spec: inout JSON) {
        if let clusterIP = spec["clusterIP"]?.stringValue, !clusterIP.isEmpty, spec["clusterIPs"] == nil {
            spec["clusterIPs"] = [.string(clusterIP)]
        }
        let headless = spec["clusterIP"]?.stringValue == "None"
        let selectorless = (spec["selector"]?.objectValue ?? JSONObject()).isEmpty
        if spec["ipFamilyPolicy"] == nil {
            spec["ipFamilyPolicy"] = headless && selectorless ? "RequireDualStack" : "SingleStack"
        }
        if spec["ipFamilies"] == nil {
            let ips = (spec["clusterIPs"]?.arrayValue ?? []).compactMap(\.stringValue).filter { $0 != "None" && !$0.isEmpty }
            let families = ips.map { $0.contains(":") ? "IPv6" : "IPv4" }
            spec["ipFamilies"] = .array((families.isEmpty ? ["IPv4"] : families).map { .string($0) })
        }
    }

    func prepareForCreate(_ object: inout JSON) {
        object["status"] = ["loadBalancer": .object(JSONObject())]
    }

    func prepareForUpdate(_ object: inout JSON, old: JSON) {
        object["status"] = old["status"]
        // `patchAllocatedValues`: a PUT that omits allocated values keeps them.
        guard object["spec"]?.objectValue != nil, let oldSpec = old["spec"] else { return }
        let sameFamilyOfType = object["spec"]?["type"]?.stringValue != "ExternalName"
        if sameFamilyOfType, (object["spec"]?["clusterIP"]?.stringValue ?? "").isEmpty, let ip = oldSpec["clusterIP"] {
            object["spec"]?["clusterIP"] = ip
            if object["spec"]?["clusterIPs"] == nil { object["spec"]?["clusterIPs"] = oldSpec["clusterIPs"] }
        }
    }

    func selectableFields(_ object: JSON) -> [String: String] {
        var fields = metadataFields(object)
        fields["spec.clusterIP"] = object["spec"]?["clusterIP"]?.stringValue ?? ""
        fields["spec.type"] = object["spec"]?["type"]?.stringValue ?? ""
        return fields
    }

    func validate(_ object: JSON) -> [FieldError] {
        ServiceSpecValidation.validate(object["spec"])
    }

    func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        let oldType = old["spec"]?["type"]?.stringValue
        let newType = object["spec"]?["type"]?.stringValue
        guard oldType != "ExternalName", newType != "ExternalName" else { return [] }
        let oldIPs = old["spec"]?["clusterIPs"]?.arrayValue ?? []
        let newIPs = object["spec"]?["clusterIPs"]?.arrayValue ?? []
        if let first = oldIPs.first, !(first.stringValue ?? "").isEmpty, newIPs.first != first {
            errors.append(.invalid("spec.clusterIPs[0]", .array(newIPs), "may not change once set"))
        }
        let oldFamilies = old["spec"]?["ipFamilies"]?.arrayValue ?? []
        let newFamilies = object["spec"]?["ipFamilies"]?.arrayValue ?? []
        if let first = oldFamilies.first, let newFirst = newFamilies.first, newFirst != first {
            errors.append(.invalid("spec.ipFamilies[0]", .array(newFamilies), "may not change once set"))
        }
        return errors
    }
}
