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
    /// Which Pods each Service's slices list.
    let membership = EndpointMembership()
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
        let membership = self.membership
        var started: [StoreSubscription] = []
        // Services: themselves. Initial snapshot events queue every Service once (the startup resync).
        if let subscription = try registry.watch(services, namespace: nil, options: WatchOptions(), emit: { event in
            if case .object(_, let object) = event { queue.add(object.key) }
            return true
        }) { started.append(subscription) }
        // Pods: every Service in the namespace that selects the Pod before or after the change.
        if let subscription = try registry.watch(pods, namespace: nil, options: WatchOptions(resourceVersion: "\(registry.store.currentResourceVersion)"), emit: { event in
            guard case .object(_, let pod) = event else { return true }
            Self.enqueueServices(selecting: pod, registry: registry, services: services, membership: membership,
                                 queue: queue)
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

    /// Queues the Services of the Pod's namespace whose selector matches the Pod's labels. Pod events arrive
    /// with the new state; a relabel away from a Service is caught because that Service's slices list the Pod,
    /// so every Service whose slices name the Pod is queued too.
    static func enqueueServices(selecting pod: StoredObject, registry: Registry, services: ResourceInfo,
                                membership: EndpointMembership, queue: WorkQueue) {
        let labels = pod.object["metadata"]?["labels"]?.objectValue
        guard let listed = try? registry.list(services, namespace: pod.namespace, options: ListOptions()) else { return }
        for service in listed.items {
            guard let selector = service.object["spec"]?["selector"]?.objectValue, !selector.isEmpty else { continue }
            let pairs = selector.compactMap { member in member.value.stringValue.map { (member.key, $0) } }
            if LabelSelector(matchLabels: pairs).matches(labels) { queue.add(service.key) }
        }
        for key in membership.services(listing: pod.namespace + "/" + pod.name) { queue.add(key) }
    }

    /// One level-triggered sync of the Service `namespace/name`; false to retry.
    func sync(_ key: String) -> Bool {
        let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
        guard parts.count == 2 else { return true }
        let (namespace, name) = (parts[0], parts[1])
        guard let service = try? registry.get(services, namespace: namespace, name: name).object else {
            membership.forget(service: key)
            return true  // deleted: its slices go with it through the garbage collector
        }
        let selector = service["spec"]?["selector"]?.objectValue ?? JSONObject()
        if selector.isEmpty || service["spec"]?["type"]?.stringValue == "ExternalName" {
            membership.forget(service: key)
            return true
        }
        if service["metadata"]?["deletionTimestamp"] != nil { return true }
        do {
            let pairs = selector.compactMap { member in member.value.stringValue.map { (member.key, $0) } }
            let pods = try registry.list(self.pods, namespace: namespace,
                                         options: ListOptions(labelSelector: LabelSelector(matchLabels: pairs))).items
            let managed = try LabelSelector.parse("\(EndpointSliceReconciler.serviceNameLabel)=\(name),"
                + "\(EndpointSliceReconciler.managedByLabel)=\(EndpointSliceReconciler.managedBy)")
            let existing = try registry.list(slices, namespace: namespace, options: ListOptions(labelSelector: managed)).items
                .map(\.object).filter { $0["metadata"]?["deletionTimestamp"] == nil }
            membership.record(service: key, pods: pods.map { $0.namespace + "/" + $0.name })
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

/// Which Pods each Service's slices currently list, so a Pod relabelled away from a Service still triggers
/// that Service's sync. Guarded by its mutex.
final class EndpointMembership: Sendable {
    private let state = Mutex<(byService: [String: Set<String>], byPod: [String: Set<String>])>(([:], [:]))

    func record(service: String, pods: [String]) {
        state.withLock { state in
            for pod in state.byService[service] ?? [] { state.byPod[pod]?.remove(service) }
            state.byService[service] = Set(pods)
            for pod in pods { state.byPod[pod, default: []].insert(service) }
        }
    }

    func forget(service: String) { record(service: service, pods: []) }

    func services(listing pod: String) -> Set<String> {
        state.withLock { $0.byPod[pod] ?? [] }
    }
}
