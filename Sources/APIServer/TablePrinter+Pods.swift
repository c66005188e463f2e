import JSON

extension TablePrinter {
    /// `podColumnDefinitions` and `printPod` (reference §10.4): `NAME READY STATUS RESTARTS AGE`,
    /// wide `IP NODE NOMINATED NODE READINESS GATES`.
    static let pods = TablePrinter(
        columns: [
            nameColumn,
            TableColumn("Ready", description: "The aggregate readiness state of this pod for accepting traffic."),
            TableColumn("Status", description: "The aggregate status of the containers in this pod."),
            TableColumn("Restarts", description: "The number of times the containers in this pod have been restarted "
                + "and when the last container in this pod has restarted."),
            ageColumn,
            TableColumn("IP", priority: 1, description: PodDoc.podIP),
            TableColumn("Node", priority: 1, description: PodDoc.nodeName),
            TableColumn("Nominated Node", priority: 1, description: PodDoc.nominatedNodeName),
            TableColumn("Readiness Gates", priority: 1, description: PodDoc.readinessGates),
        ],
        cells: { pod, now in
            let summary = PodSummary(pod)
            var restarts = String(summary.restarts)
            if summary.restarts != 0, let last = summary.lastRestart {
                restarts += " (\(HumanDuration.format(nanoseconds: now &- last)) ago)"
            }
            let spec = pod["spec"]
            let status = pod["status"]
            let ready = "\(summary.readyContainers)/\(summary.totalContainers)"
            return [name(pod), .string(ready), .string(summary.reason), .string(restarts), age(pod, now: now),
                    .string(nonEmpty(status?["podIPs"]?[0]?["ip"]?.stringValue)),
                    .string(nonEmpty(spec?["nodeName"]?.stringValue)),
                    .string(nonEmpty(status?["nominatedNodeName"]?.stringValue)), .string(readinessGates(pod))]
        })

    /// `value`, or `<none>` when absent or empty.
    static func nonEmpty(_ value: String?) -> String {
        guard let value, !value.isEmpty else { return "<none>" }
        return value
    }

    /// `"<true>/<total>"` over `spec.readinessGates` (a gate counts when its condition is `True`);
    /// `<none>` without gates.
    static func readinessGates(_ pod: JSON) -> String {
        let gates = pod["spec"]?["readinessGates"]?.arrayValue ?? []
        guard !gates.isEmpty else { return "<none>" }
        let conditions = pod["status"]?["conditions"]?.arrayValue ?? []
        let satisfied = gates.filter { gate in
            let type = gate["conditionType"]?.stringValue
            return conditions.first { $0["type"]?.stringValue == type }?["status"]?.stringValue == "True"
        }.count
        return "\(satisfied)/\(gates.count)"
    }
}

/// `corev1.PodSpec{}`/`PodStatus{}.SwaggerDoc()` entries the wide Pod columns quote.
enum PodDoc {
    static let podIP = "podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet "
        + "allocated."
    static let nodeName = "NodeName indicates in which node this pod is scheduled. If empty, this pod is a candidate "
        + "for scheduling by the scheduler defined in schedulerName. Once this field is set, the kubelet for this node "
        + "becomes responsible for the lifecycle of this pod. This field should not be used to express a desire for "
        + "the pod to be scheduled on a specific node. "
        + "https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename"
    static let nominatedNodeName = "nominatedNodeName is set only when this pod preempts other pods on the node, but "
        + "it cannot be scheduled right away as preemption victims receive their graceful termination periods. This "
        + "field does not guarantee that the pod will be scheduled on this node. Scheduler may decide to place the pod "
        + "elsewhere if other nodes become available sooner. Scheduler may also decide to give the resources on this "
        + "node to a higher priority pod that is created after preemption. As a result, this field may be different "
        + "than PodSpec.nodeName when the pod is scheduled."
    static let readinessGates = "If specified, all readiness gates will be evaluated for pod readiness. A pod is "
        + "ready when all its containers are ready AND all conditions specified in the readiness gates have status "
        + "equal to \"True\" More info: https://git.k8s.io/enhancements/keps/sig-network/580-pod-readiness-gates"
}
