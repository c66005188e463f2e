/// Object keys that Kubernetes objects use over and over, which the parser hands out as shared constants.
///
/// A Pod has ~100 keys. Returning a literal `String` for a known key skips UTF-8 validation and, for keys of
/// 16 bytes or more (`lastTransitionTime`, `terminationMessagePolicy`), a heap allocation and its later free.
/// The table is immutable after initialization, so sharing it across threads is safe.
struct KubernetesFieldNames: Sendable {
    /// The names: meta/v1, core/v1 Pod, Service, Namespace, Endpoints, discovery/v1 EndpointSlice, Status,
    /// WatchEvent and Table fields.
    static let names: [String] = [
        // meta/v1
        "apiVersion", "kind", "metadata", "spec", "status", "name", "namespace", "uid", "resourceVersion",
        "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
        "annotations", "ownerReferences", "finalizers", "managedFields", "generateName", "selfLink", "controller",
        "blockOwnerDeletion", "manager", "operation", "time", "fieldsType", "fieldsV1", "subresource", "items",
        "continue", "remainingItemCount", "type", "object",
        // Pod spec
        "containers", "initContainers", "ephemeralContainers", "image", "imagePullPolicy", "command", "args",
        "workingDir", "ports", "containerPort", "hostPort", "protocol", "hostIP", "env", "value", "valueFrom",
        "envFrom", "resources", "limits", "requests", "cpu", "memory", "volumeMounts", "mountPath", "readOnly",
        "subPath", "volumes", "livenessProbe", "readinessProbe", "startupProbe", "httpGet", "path", "port",
        "scheme", "tcpSocket", "exec", "initialDelaySeconds", "timeoutSeconds", "periodSeconds",
        "successThreshold", "failureThreshold", "terminationMessagePath", "terminationMessagePolicy",
        "securityContext", "stdin", "tty", "restartPolicy", "terminationGracePeriodSeconds",
        "activeDeadlineSeconds", "dnsPolicy", "nodeSelector", "serviceAccountName", "serviceAccount",
        "automountServiceAccountToken", "nodeName", "hostNetwork", "hostPID", "hostIPC", "schedulerName",
        "tolerations", "key", "operator", "effect", "tolerationSeconds", "affinity", "priority",
        "priorityClassName", "enableServiceLinks", "preemptionPolicy", "hostname", "subdomain",
        "runtimeClassName", "projected", "sources", "serviceAccountToken", "expirationSeconds", "configMap",
        "downwardAPI", "fieldRef", "fieldPath", "defaultMode", "secret", "emptyDir",
        // Pod status
        "phase", "conditions", "lastProbeTime", "lastTransitionTime", "reason", "message", "hostIPs", "podIP",
        "podIPs", "ip", "startTime", "containerStatuses", "initContainerStatuses", "state", "running",
        "startedAt", "waiting", "terminated", "exitCode", "finishedAt", "lastState", "ready", "restartCount",
        "imageID", "containerID", "started", "qosClass", "volumeMounts", "allocatedResources",
        // Service
        "clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy", "selector", "sessionAffinity",
        "externalTrafficPolicy", "internalTrafficPolicy", "targetPort", "nodePort", "loadBalancer", "ingress",
        "appProtocol", "allocateLoadBalancerNodePorts", "loadBalancerIP", "externalIPs", "externalName",
        "publishNotReadyAddresses", "healthCheckNodePort", "loadBalancerClass", "matchLabels",
        "matchExpressions", "values",
        // EndpointSlice, Endpoints
        "addressType", "endpoints", "addresses", "serving", "terminating", "targetRef", "zone", "hints",
        "forZones", "subsets", "notReadyAddresses",
        // Status, Table
        "code", "details", "causes", "field", "group", "retryAfterSeconds", "columnDefinitions", "rows",
        "cells", "format", "description",
    ]

    /// The shared table.
    static let shared = KubernetesFieldNames(names)

    private static let slotCount = 1024
    private let strings: [String]
    private let lengths: [Int]
    private let offsets: [Int]
    private let bytes: [UInt8]

    private init(_ names: [String]) {
        var strings = [String](repeating: "", count: Self.slotCount)
        var lengths = [Int](repeating: 0, count: Self.slotCount)
        var offsets = [Int](repeating: 0, count: Self.slotCount)
        var bytes: [UInt8] = []
        for name in names {
            let utf8 = Array(name.utf8)
            var slot = utf8.withUnsafeBufferPointer { Self.slot(of: $0.baseAddress!, count: $0.count) }
            var duplicate = false
            while lengths[slot] != 0 {
                if strings[slot] == name { duplicate = true }
                slot = (slot + 1) & (Self.slotCount - 1)
            }
            guard !duplicate else { continue }
            strings[slot] = name
            lengths[slot] = utf8.count
            offsets[slot] = bytes.count
            bytes.append(contentsOf: utf8)
        }
        self.strings = strings
        self.lengths = lengths
        self.offsets = offsets
        self.bytes = bytes
    }

    @inline(__always)
    private static func slot(of start: UnsafePointer<UInt8>, count: Int) -> Int {
        let mixed = count &* 131 &+ Int(start[0]) &* 31 &+ Int(start[count >> 1]) &* 7 &+ Int(start[count &- 1])
        return mixed & (slotCount - 1)
    }

    /// The shared constant equal to the UTF-8 bytes `start[0..<count]`, or nil when they are not a known name.
    @inline(__always)
    func lookup(_ start: UnsafePointer<UInt8>, count: Int) -> String? {
        guard count > 0 else { return nil }
        var slot = Self.slot(of: start, count: count)
        while true {
            let length = lengths[slot]
            if length == 0 { return nil }
            if length == count {
                let offset = offsets[slot]
                var index = 0
                while index < count, bytes[offset &+ index] == start[index] { index &+= 1 }
                if index == count { return strings[slot] }
            }
            slot = (slot &+ 1) & (Self.slotCount - 1)
        }
    }
}
