import JSON
import KubeAPI
import Logging
import Registry
import Store
import Synchronization

/// The EndpointSlice controller (reference §12; `k/k: pkg/controller/endpointslice`): for every Service with a
/// selector (not ExternalName), keeps managed slices listing the ready/serving/terminating endpoints of the
/// Pods it selects. Triggered by Service, Pod and managed-slice changes; each sync recomputes from current
/// state through the Registry and writes with resourceVersion preconditions (a conflict retries the sync).
public final class EndpointSliceController: Controller {
    public let name = "endpointslice"
    let registry: Registry
    let reconciler: EndpointSliceReconciler
    let logger: Logger
    let services: ResourceInfo
    let pods: ResourceInfo
    let slices: ResourceInfo
    private let subscriptions = Mutex<[StoreSubscription]>([])
    /// Every Service's selector, by namespace, kept from the Service watch: a Pod change is matched against
    /// these instead of listing and re-parsing the namespace's Services.
    let selectors = ServiceSelectors()
    /// Which Pods each Service selects, kept as Pod changes are processed, so a sync reads its own Pods
    /// instead of scanning the namespace.
    let servicePods = ServicePodIndex()
    /// Work keys of Pods (their Services are looked up on the controller's queue, not on the fan-out thread).
    static let podKeyPrefix = "\u{1}pod/"
    private let queue: WorkQueue

    public init(registry: Registry, maxEndpointsPerSlice: Int = 100, logger: Logger) {
        self.registry = registry
        self.reconciler = EndpointSliceReconciler(maxEndpointsPerSlice: maxEndpointsPerSlice)
        self.logger = logger
        self.services = registry.resource(group: "", version: "v1", resource: "services")!
        self.pods = registry.resource(group: "", version: "v1", resource: "pods")!
        self.slices = registry.resource(group: "discovery.k8s.io", version: "v1", resource: "endpointslices")!
        self.queue = WorkQueue(label: "serviceplane.controller.endpointslice")
        queue.setProcessor { [weak self] key in self?.sync(key) ?? true }  // weak: work may outlive the controller at shutdown
    }

    public var isIdle: Bool { queue.isIdle }

    public func start() throws {
        let queue = self.queue
        let registry = self.registry
        let services = self.services
        let selectors = self.selectors
        var started: [StoreSubscription] = []
        // Services: themselves. Initial snapshot events queue every Service once (the startup resync).
        if let subscription = try registry.watch(services, namespace: nil, options: WatchOptions(), emit: { event in
            if case .object(let type, let object) = event {
                selectors.record(object, deleted: type == "DELETED")
                queue.add(object.key)
            }
            return true
        }) { started.append(subscription) }
        // Pods: resolved to the Services selecting them on the controller's queue.
        if let subscription = try registry.watch(pods, namespace: nil, options: WatchOptions(resourceVersion: "\(registry.store.currentResourceVersion)"), emit: { event in
            if case .object(_, let pod) = event { queue.add(Self.podKeyPrefix + pod.key) }
            return true
        }) { started.append(subscription) }
        // Managed slices edited or deleted by someone else: resync their Service.
        let selector = try LabelSelector.parse("\(EndpointSliceReconciler.managedByLabel)=\(EndpointSliceReconciler.managedBy)")
        if let subscription = try registry.watch(slices, namespace: nil, options: WatchOptions(labelSelector: selector,
            resourceVersion: "\(registry.store.currentResourceVersion)"), emit: { event in
            guard case .object(_, let slice) = event,
                  let service = slice.object["metadata"]?["labels"]?[EndpointSliceReconciler.serviceNameLabel]?.stringValue
            else { return true }
            queue.add(slice.namespace + "/" + service)
            return true
        }) { started.append(subscription) }
        subscriptions.withLock { $0 = started }
    }

    public func stop() {
        for subscription in subscriptions.withLock({ $0 }) { subscription.cancel() }
    }

    /// Queues the Services of the Pod's namespace whose selector matches the Pod's current labels, and every
    /// Service that selected it before (so a relabel away from a Service, or a deletion, reaches it too).
    func enqueueServices(selectingPod key: String) {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return }
        var matching: [String] = []
        if let pod = try? registry.get(pods, namespace: parts[0], name: parts[1]) {
            matching = selectors.services(in: parts[0], matching: pod.object["metadata"]?["labels"]?.objectValue)
        }
        let before = servicePods.setServices(of: key, to: matching)
        for service in Set(matching).union(before) { queue.add(service) }
    }

    /// One level-triggered sync of the Service `namespace/name` (or, for a Pod key, queueing its Services);
    /// false to retry.
    func sync(_ key: String) -> Bool {
        if key.hasPrefix(Self.podKeyPrefix) {
            enqueueServices(selectingPod: String(key.dropFirst(Self.podKeyPrefix.count)))
            return true
        }
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return true }
        let (namespace, name) = (parts[0], parts[1])
        guard let service = try? registry.get(services, namespace: namespace, name: name).object else {
            servicePods.forget(service: key)
            return true  // deleted: its slices go with it through the garbage collector
        }
        let selector = service["spec"]?["selector"]?.objectValue ?? JSONObject()
        if selector.isEmpty || service["spec"]?["type"]?.stringValue == "ExternalName" {
            servicePods.forget(service: key)
            return true
        }
        if service["metadata"]?["deletionTimestamp"] != nil { return true }
        do {
            let pairs = selector.compactMap { member in member.value.stringValue.map { (member.key, $0) } }
            let selector = LabelSelector(matchLabels: pairs)
            let pods: [StoredObject]
            if let keys = servicePods.pods(of: key, selector: pairs) {
                pods = keys.sorted().compactMap { podKey -> StoredObject? in
                    let name = String(podKey.dropFirst(namespace.count + 1))
                    guard let pod = try? registry.get(self.pods, namespace: namespace, name: name),
                          selector.matches(pod.object["metadata"]?["labels"]?.objectValue) else { return nil }
                    return pod
                }
            } else {
                // First sync, or the selector changed: scan the namespace once and remember the result.
                pods = try registry.list(self.pods, namespace: namespace, options: ListOptions(labelSelector: selector)).items
                servicePods.rebuild(service: key, selector: pairs, pods: pods.map(\.key))
            }
            let managed = try LabelSelector.parse("\(EndpointSliceReconciler.serviceNameLabel)=\(name),"
                + "\(EndpointSliceReconciler.managedByLabel)=\(EndpointSliceReconciler.managedBy)")
            let existing = try registry.list(slices, namespace: namespace, options: ListOptions(labelSelector: managed)).items
                .map(\.object).filter { $0["metadata"]?["deletionTimestamp"] == nil }
            let plan = reconciler.plan(service: service, pods: pods.map(\.object), existing: existing)
            try apply(plan, namespace: namespace)
            return true
        } catch {
            if error.code != 409 && error.code != 404 {
                logger.warning("endpointslice sync failed", metadata: ["service": "\(key)", "error": "\(error.message)"])
            }
            return false
        }
    }

    private func apply(_ plan: EndpointSliceReconciler.Plan, namespace: String) throws(StatusError) {
        for slice in plan.updates {
            let name = slice["metadata"]?["name"]?.stringValue ?? ""
            _ = try registry.update(slices, namespace: namespace, name: name, object: slice, options: WriteOptions())
        }
        for slice in plan.creates {
            do {
                _ = try registry.create(slices, namespace: namespace, object: slice, options: WriteOptions())
            } catch where error.code == 403 {
                continue  // namespace terminating: creates are dropped (§12.4)
            }
        }
        for slice in plan.deletes {
            let name = slice["metadata"]?["name"]?.stringValue ?? ""
            let version = slice["metadata"]?["resourceVersion"]?.stringValue
            do {
                _ = try registry.delete(slices, namespace: namespace, name: name,
                                        options: DeleteOptions(preconditionResourceVersion: version))
            } catch where error.code == 404 {
                continue
            }
        }
    }
}

/// The selector of every Service with one, by namespace and Service key. Guarded by its mutex.
final class ServiceSelectors: Sendable {
    private let state = Mutex<[String: [String: [(String, String)]]]>([:])

    func record(_ service: StoredObject, deleted: Bool) {
        let selector = service.object["spec"]?["selector"]?.objectValue ?? JSONObject()
        let pairs = selector.compactMap { member in member.value.stringValue.map { (member.key, $0) } }
        state.withLock { state in
            if deleted || pairs.isEmpty {
                state[service.namespace]?[service.key] = nil
            } else {
                state[service.namespace, default: [:]][service.key] = pairs
            }
        }
    }

    /// Keys of the namespace's Services whose selector every label of matches.
    func services(in namespace: String, matching labels: JSONObject?) -> [String] {
        let candidates = state.withLock { $0[namespace] ?? [:] }
        return candidates.compactMap { key, pairs in
            pairs.allSatisfy { labels?[$0.0]?.stringValue == $0.1 } ? key : nil
        }
    }
}

/// Which Pods each Service selects, and the selector that set was computed for. Guarded by its mutex.
final class ServicePodIndex: Sendable {
    private struct State {
        var byService: [String: (selector: [String: String], pods: Set<String>)] = [:]
        var byPod: [String: Set<String>] = [:]
    }
    private let state = Mutex(State())

    /// The Pods of `service`, or nil when its set was never built or was built for another selector.
    func pods(of service: String, selector: [(String, String)]) -> Set<String>? {
        let wanted = Dictionary(selector, uniquingKeysWith: { _, last in last })
        return state.withLock { state in
            guard let entry = state.byService[service], entry.selector == wanted else { return nil }
            return entry.pods
        }
    }

    /// Drops `service` (deleted, or no longer selecting Pods).
    func forget(service: String) {
        state.withLock { state in
            for pod in state.byService.removeValue(forKey: service)?.pods ?? [] { state.byPod[pod]?.remove(service) }
        }
    }

    /// Replaces the Pod set of `service` (after a namespace scan).
    func rebuild(service: String, selector: [(String, String)], pods: [String]) {
        state.withLock { state in
            for pod in state.byService[service]?.pods ?? [] { state.byPod[pod]?.remove(service) }
            state.byService[service] = (Dictionary(selector, uniquingKeysWith: { _, last in last }), Set(pods))
            for pod in pods { state.byPod[pod, default: []].insert(service) }
        }
    }

    /// Makes `pod` a member of exactly `services` (among those with a built set); returns its previous Services.
    @discardableResult
    func setServices(of pod: String, to services: [String]) -> Set<String> {
        state.withLock { state in
            let before = state.byPod[pod] ?? []
            let after = Set(services.filter { state.byService[$0] != nil })
            for service in before.subtracting(after) { state.byService[service]?.pods.remove(pod) }
            for service in after.subtracting(before) { state.byService[service]?.pods.insert(pod) }
            state.byPod[pod] = after.isEmpty ? nil : after
            return before
        }
    }
}
