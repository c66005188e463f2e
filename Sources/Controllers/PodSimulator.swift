import Dispatch
import JSON
import KubeAPI
import Logging
import Registry
import Store
import Synchronization

/// What the scheduler and kubelet would do, kwok-style (reference §13.3-§13.4): binds new Pods to virtual nodes,
/// gives them an IP from the pod CIDR, starts them (Pending → Running with kubelet's conditions and container
/// statuses) after `readyDelay`, keeps `Ready` in line with the readiness inputs, and removes gracefully
/// deleted Pods when their grace period ends.
///
/// The rule that keeps it from fighting a user who writes Pod status directly: it writes status only to start a
/// Pending Pod that has no IP yet, and to recompute readiness when a readiness *input* changes — the annotation
/// `serviceplane.dev/ready` (`"false"` holds the Pod NotReady, anything else or absent lets it be Ready) or a
/// `spec.readinessGates` condition. Phases `Succeeded`/`Failed` and any other status edit are left alone.
public final class PodSimulator: Controller {
    public let name = "podsimulator"
    /// The annotation tests use to drive readiness.
    public static let readinessAnnotation = "serviceplane.dev/ready"

    public struct Configuration: Sendable {
        public var nodes: [String]
        public var podCIDR: String
        public var readyDelay: Double

        public init(nodes: [String] = ["node-1", "node-2", "node-3"], podCIDR: String = "10.244.0.0/16",
                    readyDelay: Double = 0) {
            self.nodes = nodes
            self.podCIDR = podCIDR
            self.readyDelay = readyDelay
        }
    }

    let registry: Registry
    let configuration: Configuration
    let logger: Logger
    let pods: ResourceInfo
    let addresses: PodAddressPool
    private let queue = WorkQueue(label: "serviceplane.controller.podsimulator")
    private let timers = DispatchQueue(label: "serviceplane.controller.podsimulator.timers")
    private let subscription = Mutex<StoreSubscription?>(nil)
    /// Per Pod uid: the readiness input last applied, and whether a start is scheduled after `readyDelay`.
    private let memory = Mutex<(readiness: [String: String], startDue: [String: Double], deleting: Set<String>)>(([:], [:], []))
    /// Pod IPs in use, kept from the Pod watch (so starting a Pod does not list every Pod).
    private let podIPs = PodIPsInUse()

    public init(registry: Registry, configuration: Configuration, logger: Logger) throws(StatusError) {
        guard let pool = PodAddressPool(cidr: configuration.podCIDR) else {
            throw .badRequest("invalid --pod-cidr \(configuration.podCIDR)")
        }
        self.registry = registry
        self.configuration = configuration
        self.logger = logger
        self.addresses = pool
        self.pods = registry.resource(group: "", version: "v1", resource: "pods")!
        queue.setProcessor { [weak self] key in self?.sync(key) ?? true }  // weak: work may outlive the controller at shutdown
    }

    public var isIdle: Bool { queue.isIdle }

    public func start() throws {
        let queue = self.queue
        let podIPs = self.podIPs
        // Keys seen while the watch hands over its initial state are queued only once all of it is tracked: a Pod
        // started earlier (one bound before a restart but given no IP yet) would choose its IP from a partial set
        // and could take one a Pod further down the initial list holds. nil once the initial state is in.
        let deferred = Mutex<[String]?>([])
        let started = try registry.watch(pods, namespace: nil, options: WatchOptions()) { event in
            guard case .object(let type, let pod) = event else { return true }
            podIPs.track(pod, deleted: type == "DELETED")
            guard type != "DELETED" else { return true }
            let queueNow = deferred.withLock { keys -> Bool in
                guard keys != nil else { return true }
                keys?.append(pod.key)
                return false
            }
            if queueNow { queue.add(pod.key) }
            return true
        }
        subscription.withLock { $0 = started }
        for key in deferred.withLock({ keys -> [String] in defer { keys = nil }; return keys ?? [] }) {
            queue.add(key)
        }
    }

    public func stop() {
        subscription.withLock { $0 }?.cancel()
    }

    func sync(_ key: String) -> Bool {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2, let stored = try? registry.get(pods, namespace: parts[0], name: parts[1]) else { return true }
        let pod = stored.object
        let uid = pod["metadata"]?["uid"]?.stringValue ?? ""
        do {
            if pod["metadata"]?["deletionTimestamp"] != nil {
                scheduleRemoval(pod, key: key, uid: uid)
                return true
            }
            let scheduler = pod["spec"]?["schedulerName"]?.stringValue ?? "default-scheduler"
            let node = pod["spec"]?["nodeName"]?.stringValue ?? ""
            if node.isEmpty {
                guard scheduler == "default-scheduler", !configuration.nodes.isEmpty else { return true }
                _ = try registry.bindPod(namespace: parts[0], name: parts[1], nodeName: chooseNode(for: uid))
                return true  // the binding's own event brings the Pod back here
            }
            let phase = pod["status"]?["phase"]?.stringValue ?? "Pending"
            if phase == "Succeeded" || phase == "Failed" { return true }
            if phase == "Pending", (pod["status"]?["podIP"]?.stringValue ?? "").isEmpty {
                return try startWhenDue(pod, key: key, uid: uid)
            }
            try applyReadiness(pod, uid: uid)
            return true
        } catch {
            if error.code != 409 && error.code != 404 {
                logger.warning("pod simulation failed", metadata: ["pod": "\(key)", "error": "\(error.message)"])
            }
            return error.code == 404
        }
    }

    /// Spreads Pods over the virtual nodes by uid.
    func chooseNode(for uid: String) -> String {
        var hash: UInt64 = 1469598103934665603
        for byte in uid.utf8 { hash = (hash ^ UInt64(byte)) &* 1099511628211 }
        return configuration.nodes[Int(hash % UInt64(configuration.nodes.count))]
    }

    private func startWhenDue(_ pod: JSON, key: String, uid: String) throws(StatusError) -> Bool {
        if configuration.readyDelay > 0 {
            let now = ControllerManager.now()
            let due = memory.withLock { state -> Double in
                if let due = state.startDue[uid] { return due }
                state.startDue[uid] = now + configuration.readyDelay
                timers.asyncAfter(deadline: .now() + configuration.readyDelay) { [queue] in queue.add(key) }
                return now + configuration.readyDelay
            }
            if now < due { return true }  // the timer requeues the Pod when the delay is over
        }
        let (used, cursor) = podIPs.snapshot
        guard let (ip, offset) = addresses.next(excluding: used, after: cursor) else {
            logger.warning("pod CIDR exhausted", metadata: ["pod": "\(key)"])
            return true
        }
        var updated = pod
        let readiness = Self.readinessInput(pod)
        updated["status"] = PodStatusBuilder.running(pod: pod, podIP: ip, hostIP: hostIP(of: pod),
                                                     containersReady: readiness.containersReady, ready: readiness.ready)
        _ = try registry.update(pods, namespace: pod["metadata"]?["namespace"]?.stringValue ?? "",
                                name: pod["metadata"]?["name"]?.stringValue ?? "", subresource: "status",
                                object: updated, options: WriteOptions())
        memory.withLock { state in
            state.readiness[uid] = readiness.input
            state.startDue[uid] = nil
        }
        podIPs.track(key: key, ip: ip, cursor: offset)
        return true
    }

    /// Recomputes Ready when its inputs changed since the simulator last applied them.
    private func applyReadiness(_ pod: JSON, uid: String) throws(StatusError) {
        let readiness = Self.readinessInput(pod)
        let last = memory.withLock { $0.readiness[uid] }
        guard last != readiness.input else { return }
        if last == nil, PodStatusBuilder.isReady(pod) == readiness.ready {
            memory.withLock { $0.readiness[uid] = readiness.input }  // after a restart: adopt, don't rewrite
            return
        }
        var updated = pod
        updated["status"] = PodStatusBuilder.settingReady(pod["status"] ?? [:], containersReady: readiness.containersReady,
                                                          ready: readiness.ready)
        _ = try registry.update(pods, namespace: pod["metadata"]?["namespace"]?.stringValue ?? "",
                                name: pod["metadata"]?["name"]?.stringValue ?? "", subresource: "status",
                                object: updated, options: WriteOptions())
        memory.withLock { $0.readiness[uid] = readiness.input }
    }

    /// The readiness inputs of a Pod and what they imply: containers are ready unless the annotation holds them
    /// NotReady; the Pod is Ready when its containers are and every readiness gate condition is True (a False
    /// gate leaves ContainersReady alone, as kubelet does).
    static func readinessInput(_ pod: JSON) -> (input: String, containersReady: Bool, ready: Bool) {
        let annotation = pod["metadata"]?["annotations"]?[readinessAnnotation]?.stringValue ?? ""
        let conditions = pod["status"]?["conditions"]?.arrayValue ?? []
        var gates: [String] = []
        var gatesTrue = true
        for gate in pod["spec"]?["readinessGates"]?.arrayValue ?? [] {
            let type = gate["conditionType"]?.stringValue ?? ""
            let status = conditions.first { $0["type"]?.stringValue == type }?["status"]?.stringValue ?? "False"
            gates.append("\(type)=\(status)")
            if status != "True" { gatesTrue = false }
        }
        let containersReady = annotation.lowercased() != "false"
        return ("\(annotation)|\(gates.joined(separator: ","))", containersReady, containersReady && gatesTrue)
    }

    /// The node's address: nodes are numbered 172.18.0.2, .3, ... in `--nodes` order, like a kind cluster's.
    func hostIP(of pod: JSON) -> String {
        let node = pod["spec"]?["nodeName"]?.stringValue ?? ""
        let index = configuration.nodes.firstIndex(of: node) ?? 0
        return "172.18.0.\(2 + index % 250)"
    }

    /// Removes a gracefully deleted Pod when its deletionTimestamp passes (kubelet's final `gracePeriodSeconds: 0`).
    private func scheduleRemoval(_ pod: JSON, key: String, uid: String) {
        guard memory.withLock({ $0.deleting.insert(uid).inserted }) else { return }
        let deadline = (pod["metadata"]?["deletionTimestamp"]?.stringValue).flatMap(SystemFields.parseTimestamp) ?? 0
        let delay = max(0, Double(deadline - SystemFields.nowSeconds()))
        let namespace = pod["metadata"]?["namespace"]?.stringValue ?? ""
        let name = pod["metadata"]?["name"]?.stringValue ?? ""
        timers.asyncAfter(deadline: .now() + delay) { [weak self] in
            guard let self else { return }
            _ = try? self.registry.delete(self.pods, namespace: namespace, name: name,
                                          options: DeleteOptions(gracePeriodSeconds: 0, preconditionUID: uid))
            self.memory.withLock { state in
                state.deleting.remove(uid)
                state.readiness[uid] = nil
            }
        }
    }
}

/// The Pod IPs held by live Pods, by Pod key. The mutex guards both maps.
final class PodIPsInUse: Sendable {
    private let state = Mutex<(byPod: [String: String], used: Set<String>, cursor: UInt32)>(([:], [], 0))

    /// The IPs in use and the offset of the last one handed out.
    var snapshot: (used: Set<String>, cursor: UInt32) { state.withLock { ($0.used, $0.cursor) } }

    /// Records the IP a Pod holds, or releases it when the Pod is deleted.
    func track(_ pod: StoredObject, deleted: Bool) {
        if deleted {
            state.withLock { state in
                if let old = state.byPod.removeValue(forKey: pod.key) { state.used.remove(old) }
            }
        } else if let ip = pod.object["status"]?["podIP"]?.stringValue, !ip.isEmpty {
            track(key: pod.key, ip: ip)
        }
    }

    func track(key: String, ip: String, cursor: UInt32? = nil) {
        state.withLock { state in
            if let cursor { state.cursor = cursor }
            if let old = state.byPod[key], old != ip { state.used.remove(old) }
            state.byPod[key] = ip
            state.used.insert(ip)
        }
    }
}
