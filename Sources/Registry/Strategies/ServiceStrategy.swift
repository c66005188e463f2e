import JSON
import KubeAPI
import Store

/// Services (`k/k: pkg/registry/core/service/strategy.go`, `storage/storage.go`, `SetDefaults_Service`,
/// `ValidateService*`): defaulting and validation of the Service's own fields, the update normalisation of
/// `storage.go` (`patchAllocatedValues`, `normalizeClusterIPs`, `dropTypeDependentFields`), and address
/// allocation through `ServiceAllocator`.
struct ServiceStrategy: ResourceStrategy {
    let info = ResourceInfo(
        group: "", version: "v1", resource: "services", singular: "service", kind: "Service", namespaced: true,
        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        shortNames: ["svc"], categories: ["all"], subresources: ["status": ["get", "patch", "update"]],
        nameRule: .dns1035Label, selectableFields: ["spec.clusterIP", "spec.type"], storageVersionHash: "0/CO1lhkEBI=")

    static let types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
    static let trafficPolicies = ["Cluster", "Local"]
    static let ipFamilyPolicies = ["PreferDualStack", "RequireDualStack", "SingleStack"]

    let allocator: ServiceAllocator
    /// Reads the Pods a selector should match, for the "selects no Pods" warning.
    let store: Store

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
        if Self.externallyAccessible(spec), spec["externalTrafficPolicy"] == nil { spec["externalTrafficPolicy"] = "Cluster" }
        if type != "ExternalName", spec["internalTrafficPolicy"] == nil { spec["internalTrafficPolicy"] = "Cluster" }
        if type == "LoadBalancer", spec["allocateLoadBalancerNodePorts"] == nil { spec["allocateLoadBalancerNodePorts"] = true }
        if type != "ExternalName" { defaultIPFamilyFields(&spec) }
        object["spec"] = spec
    }

    /// NodePort and LoadBalancer Services, and ClusterIP ones with external IPs (`ExternallyAccessible`).
    static func externallyAccessible(_ spec: JSON?) -> Bool {
        let type = spec?["type"]?.stringValue ?? ""
        return type == "NodePort" || type == "LoadBalancer"
            || (type == "ClusterIP" && !(spec?["externalIPs"]?.arrayValue ?? []).isEmpty)
    }

    /// `initIPFamilyFields`: `clusterIPs` mirrors `clusterIP`; the policy is SingleStack (RequireDualStack for
    /// selector-less headless Services); families follow the given IPs, else the cluster's primary family, and
    /// dual-stack policies add the other family when the cluster has one (headless selector-less: always).
    func defaultIPFamilyFields(_ spec: inout JSON) {
        if let clusterIP = spec["clusterIP"]?.stringValue, !clusterIP.isEmpty, spec["clusterIPs"] == nil {
            spec["clusterIPs"] = [.string(clusterIP)]
        }
        let headless = spec["clusterIP"]?.stringValue == "None" || spec["clusterIPs"]?[0]?.stringValue == "None"
        let selectorless = (spec["selector"]?.objectValue ?? JSONObject()).isEmpty
        if spec["ipFamilyPolicy"] == nil {
            spec["ipFamilyPolicy"] = headless && selectorless ? "RequireDualStack" : "SingleStack"
        }
        let policy = spec["ipFamilyPolicy"]?.stringValue ?? "SingleStack"
        if spec["ipFamilies"] == nil || spec["ipFamilies"] == .array([]) {
            let ips = (spec["clusterIPs"]?.arrayValue ?? []).compactMap(\.stringValue).filter { $0 != "None" && !$0.isEmpty }
            var families = ips.map { $0.contains(":") ? "IPv6" : "IPv4" }
            if families.isEmpty { families = [allocator.network.primaryFamily] }
            spec["ipFamilies"] = .array(families.map { .string($0) })
        }
        var families = (spec["ipFamilies"]?.arrayValue ?? []).compactMap(\.stringValue)
        if policy != "SingleStack", families.count == 1, allocator.network.isDualStack || (headless && selectorless) {
            families.append(families[0] == "IPv4" ? "IPv6" : "IPv4")
            spec["ipFamilies"] = .array(families.map { .string($0) })
        }
    }

    func prepareForCreate(_ object: inout JSON) {
        object["status"] = ["loadBalancer": .object(JSONObject())]
    }

    func prepareForUpdate(_ object: inout JSON, old: JSON) {
        object["status"] = old["status"]
        guard object["spec"]?.objectValue != nil, let oldSpec = old["spec"] else { return }
        var spec = object["spec"] ?? .object(JSONObject())
        ServiceUpdateNormalization.patchAllocatedValues(&spec, old: oldSpec)
        ServiceUpdateNormalization.normalizeClusterIPs(&spec, old: oldSpec)
        ServiceUpdateNormalization.dropTypeDependentFields(&spec, old: oldSpec)
        if spec["ipFamilyPolicy"] == nil, spec["type"]?.stringValue != "ExternalName" {
            spec["ipFamilyPolicy"] = oldSpec["ipFamilyPolicy"]  // on update the old policy is kept
        }
        object["spec"] = spec
        if spec["type"]?.stringValue != "LoadBalancer" { object["status"] = ["loadBalancer": .object(JSONObject())] }
    }

    func allocate(_ object: inout JSON, old: JSON?, dryRun: Bool) throws(StatusError) -> Set<Claim> {
        try allocator.allocate(&object, old: old, dryRun: dryRun)
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

    func warningsOnCreate(_ object: JSON) -> [String] { selectorWarnings(object) }

    func warningsOnUpdate(_ object: JSON, old: JSON) -> [String] { selectorWarnings(object) }

    /// A selector that matches no Pod in the namespace is almost always a typo that leaves the Service without
    /// endpoints; say so (not an upstream warning: a ServicePlane addition, in the same header format).
    func selectorWarnings(_ object: JSON) -> [String] {
        guard object["spec"]?["type"]?.stringValue != "ExternalName",
              let selector = object["spec"]?["selector"]?.objectValue, !selector.isEmpty else { return [] }
        let pairs = selector.compactMap { member in member.value.stringValue.map { (member.key, $0) } }
        let labelSelector = LabelSelector(matchLabels: pairs)
        let namespace = object["metadata"]?["namespace"]?.stringValue ?? ""
        let pods = store.list(resource: "pods", namespace: namespace)?.objects ?? []
        if pods.contains(where: { labelSelector.matches($0.object["metadata"]?["labels"]?.objectValue) }) { return [] }
        let text = pairs.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        return ["spec.selector: no Pods in namespace \(namespace) match \(text); the Service will have no endpoints"]
    }
}
