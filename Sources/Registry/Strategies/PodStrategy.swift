import JSON
import KubeAPI

/// Pods (`k/k: pkg/registry/core/pod/strategy.go`, `pkg/apis/core/v1/defaults.go`, `ValidatePod*`).
struct PodStrategy: ResourceStrategy {
    let info = ResourceInfo(
        group: "", version: "v1", resource: "pods", singular: "pod", kind: "Pod", namespaced: true,
        verbs: ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"],
        shortNames: ["po"], categories: ["all"], subresources: ["status": ["get", "patch", "update"]],
        nameRule: .dns1123Subdomain,
        selectableFields: ["spec.nodeName", "spec.restartPolicy", "spec.schedulerName", "spec.serviceAccountName",
                           "spec.hostNetwork", "status.phase", "status.podIP", "status.nominatedNodeName", "spec.host"],
        storageVersionHash: "xPOwRZ+Yhw8=")

    func applyDefaults(_ object: inout JSON) {
        guard var spec = object["spec"], spec.objectValue != nil else { return }
        if spec["restartPolicy"] == nil { spec["restartPolicy"] = "Always" }
        if spec["dnsPolicy"] == nil { spec["dnsPolicy"] = "ClusterFirst" }
        if spec["terminationGracePeriodSeconds"] == nil { spec["terminationGracePeriodSeconds"] = 30 }
        if spec["schedulerName"] == nil { spec["schedulerName"] = "default-scheduler" }
        if spec["securityContext"] == nil { spec["securityContext"] = .object(JSONObject()) }
        if spec["enableServiceLinks"] == nil { spec["enableServiceLinks"] = true }
        let hostNetwork = spec["hostNetwork"]?.boolValue ?? false
        for field in ["containers", "initContainers"] {
            guard var containers = spec[field]?.arrayValue else { continue }
            for index in containers.indices where containers[index].objectValue != nil {
                Self.defaultContainer(&containers[index], hostNetwork: hostNetwork)
            }
            spec[field] = .array(containers)
        }
        object["spec"] = spec
    }

    /// `SetDefaults_Container` plus port and resource defaults.
    static func defaultContainer(_ container: inout JSON, hostNetwork: Bool) {
        if container["imagePullPolicy"] == nil, let image = container["image"]?.stringValue {
            container["imagePullPolicy"] = .string(imageTagIsLatest(image) ? "Always" : "IfNotPresent")
        }
        if container["terminationMessagePath"] == nil { container["terminationMessagePath"] = "/dev/termination-log" }
        if container["terminationMessagePolicy"] == nil { container["terminationMessagePolicy"] = "File" }
        if container["resources"] == nil { container["resources"] = .object(JSONObject()) }
        // Requests default to limits per resource when missing (`SetDefaults_ResourceList` on limits → requests).
        if let limits = container["resources"]?["limits"]?.objectValue, !limits.isEmpty {
            var requests = container["resources"]?["requests"]?.objectValue ?? JSONObject()
            for (name, quantity) in limits where requests[name] == nil { requests[name] = quantity }
            container["resources"]?["requests"] = .object(requests)
        }
        if var ports = container["ports"]?.arrayValue {
            for index in ports.indices where ports[index].objectValue != nil {
                if ports[index]["protocol"] == nil { ports[index]["protocol"] = "TCP" }
                if hostNetwork, ports[index]["hostPort"] == nil { ports[index]["hostPort"] = ports[index]["containerPort"] }
            }
            container["ports"] = .array(ports)
        }
    }

    /// True when an image reference has no tag and no digest, or the tag `latest` (`parsers.ParseImageName`).
    static func imageTagIsLatest(_ image: String) -> Bool {
        if image.contains("@") { return false }
        let lastComponent = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastComponent.lastIndex(of: ":") else { return true }
        return lastComponent[lastComponent.index(after: colon)...] == "latest"
    }

    func prepareForCreate(_ object: inout JSON) {
        object["status"] = ["phase": "Pending", "qosClass": .string(Self.qosClass(object["spec"]))]
        Self.admit(&object)
    }

    /// What a real cluster's admission plugins add to every new Pod (reference §13.1): ServiceAccount
    /// (`serviceAccountName: default`, without rejecting Pods of namespaces lacking one), Priority (`priority: 0`,
    /// `preemptionPolicy: PreemptLowerPriority`) and DefaultTolerationSeconds (not-ready and unreachable
    /// NoExecute tolerations of 300 s, unless the Pod already tolerates them).
    static func admit(_ object: inout JSON) {
        guard var spec = object["spec"], spec.objectValue != nil else { return }
        if (spec["serviceAccountName"]?.stringValue ?? "").isEmpty {
            spec["serviceAccountName"] = spec["serviceAccount"] ?? "default"
        }
        if spec["serviceAccount"] == nil { spec["serviceAccount"] = spec["serviceAccountName"] }
        if spec["priority"] == nil, (spec["priorityClassName"]?.stringValue ?? "").isEmpty { spec["priority"] = 0 }
        if spec["preemptionPolicy"] == nil { spec["preemptionPolicy"] = "PreemptLowerPriority" }
        var tolerations = spec["tolerations"]?.arrayValue ?? []
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"] {
            let tolerated = tolerations.contains { toleration in
                let effect = toleration["effect"]?.stringValue ?? ""
                let tolerationKey = toleration["key"]?.stringValue ?? ""
                return (tolerationKey == key || tolerationKey.isEmpty) && (effect == "NoExecute" || effect.isEmpty)
            }
            if !tolerated {
                tolerations.append(["key": .string(key), "operator": "Exists", "effect": "NoExecute",
                                    "tolerationSeconds": 300])
            }
        }
        spec["tolerations"] = .array(tolerations)
        object["spec"] = spec
    }

    func prepareForUpdate(_ object: inout JSON, old: JSON) {
        object["status"] = old["status"]
    }

    /// `binding` (what the scheduler writes, `pods/{name}/binding`) sets only `spec.nodeName`; `status` keeps the rest.
    func prepareForSubresourceUpdate(_ subresource: String, _ object: inout JSON, old: JSON) {
        if subresource == "binding" {
            let nodeName = object["spec"]?["nodeName"]
            object = old
            object["spec"]?["nodeName"] = nodeName
            var conditions = (object["status"]?["conditions"]?.arrayValue ?? []).filter {
                $0["type"]?.stringValue != "PodScheduled"
            }
            conditions.append(["type": "PodScheduled", "status": "True", "lastProbeTime": .null,
                               "lastTransitionTime": .string(SystemFields.timestamp())])
            object["status"]?["conditions"] = .array(conditions)
            return
        }
        prepareForStatusUpdate(&object, old: old)
    }

    /// Kubelet-style status writes keep spec, deletionTimestamp and ownerReferences (`podStatusStrategy`).
    func prepareForStatusUpdate(_ object: inout JSON, old: JSON) {
        object["spec"] = old["spec"]
        object["metadata"]?["deletionTimestamp"] = old["metadata"]?["deletionTimestamp"]
        object["metadata"]?["ownerReferences"] = old["metadata"]?["ownerReferences"]
    }

    /// The QoS class (`qos.GetPodQOS`): BestEffort without any requests or limits, Guaranteed when every
    /// container limits cpu and memory with requests equal to limits, Burstable otherwise.
    static func qosClass(_ spec: JSON?) -> String {
        let containers = (spec?["containers"]?.arrayValue ?? []) + (spec?["initContainers"]?.arrayValue ?? [])
        var anyResources = false
        var guaranteed = !containers.isEmpty
        for container in containers {
            let requests = container["resources"]?["requests"]?.objectValue ?? JSONObject()
            let limits = container["resources"]?["limits"]?.objectValue ?? JSONObject()
            if !requests.isEmpty || !limits.isEmpty { anyResources = true }
            for resource in ["cpu", "memory"] {
                guard let limit = limits[resource] else {
                    guaranteed = false
                    continue
                }
                if let request = requests[resource], request != limit { guaranteed = false }
            }
        }
        if !anyResources { return "BestEffort" }
        return guaranteed ? "Guaranteed" : "Burstable"
    }

    func validate(_ object: JSON) -> [FieldError] {
        PodSpecValidation.validate(object["spec"])
    }

    func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] {
        PodSpecValidation.validateUpdate(object["spec"], old: old["spec"])
    }

    func warningsOnCreate(_ object: JSON) -> [String] {
        guard let name = object["metadata"]?["name"]?.stringValue, !name.isEmpty else { return [] }
        let problems = NameValidation.isDNS1123Label(name)
        guard !problems.isEmpty else { return [] }
        return ["metadata.name: this is used in the Pod's hostname, which can result in surprising behavior; "
            + "a DNS label is recommended: [\(problems.joined(separator: " "))]"]
    }

    func selectableFields(_ object: JSON) -> [String: String] {
        var fields = metadataFields(object)
        let spec = object["spec"]
        fields["spec.nodeName"] = spec?["nodeName"]?.stringValue ?? ""
        fields["spec.host"] = fields["spec.nodeName"]
        fields["spec.restartPolicy"] = spec?["restartPolicy"]?.stringValue ?? ""
        fields["spec.schedulerName"] = spec?["schedulerName"]?.stringValue ?? ""
        fields["spec.serviceAccountName"] = spec?["serviceAccountName"]?.stringValue ?? ""
        fields["spec.hostNetwork"] = (spec?["hostNetwork"]?.boolValue ?? false) ? "true" : "false"
        let status = object["status"]
        fields["status.phase"] = status?["phase"]?.stringValue ?? ""
        fields["status.podIP"] = status?["podIPs"]?[0]?["ip"]?.stringValue ?? status?["podIP"]?.stringValue ?? ""
        fields["status.nominatedNodeName"] = status?["nominatedNodeName"]?.stringValue ?? ""
        return fields
    }

    /// Graceful deletion (`CheckGracefulDelete`, `rest/delete.go` `BeforeDelete`, reference §13.4).
    func beforeDelete(_ object: JSON, options: DeleteOptions, now: Int64) throws(StatusError) -> DeletionDecision {
        var grace = options.gracePeriodSeconds ?? object["spec"]?["terminationGracePeriodSeconds"]?.intValue ?? 0
        let nodeName = object["spec"]?["nodeName"]?.stringValue ?? ""
        let phase = object["status"]?["phase"]?.stringValue ?? ""
        if nodeName.isEmpty || phase == "Succeeded" || phase == "Failed" { grace = 0 }
        if grace < 0 { grace = 1 }
        if grace == 0 { return .proceed }
        var pod = object
        if let existing = object["metadata"]?["deletionGracePeriodSeconds"]?.intValue,
           object["metadata"]?["deletionTimestamp"] != nil {
            // Already terminating: a second DELETE may only shorten the grace period.
            if grace >= existing { return .keep(object) }
        }
        pod["metadata"]?["deletionTimestamp"] = .string(SystemFields.timestamp(now + grace))
        pod["metadata"]?["deletionGracePeriodSeconds"] = .int(grace)
        return .keep(pod)
    }
}
