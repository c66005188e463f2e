import JSON
import KubeAPI
import Logging
import Registry
import Store
import Synchronization

/// The namespace controller (reference §15.2; `k/k: pkg/controller/namespace/deletion`): empties a Terminating
/// namespace (every namespaced object is deleted the way a client would, so finalizers and graceful pod
/// deletion are respected), then removes the `kubernetes` finalizer through `/finalize` and deletes the
/// namespace for good.
public final class NamespaceController: Controller {
    public let name = "namespace"
    let registry: Registry
    let logger: Logger
    let namespaces: ResourceInfo
    let contents: [ResourceInfo]
    private let queue = WorkQueue(label: "serviceplane.controller.namespace")
    private let subscriptions = Mutex<[StoreSubscription]>([])

    public init(registry: Registry, logger: Logger) {
        self.registry = registry
        self.logger = logger
        self.namespaces = registry.resource(group: "", version: "v1", resource: "namespaces")!
        self.contents = registry.resources.filter(\.namespaced)
        queue.setProcessor { [weak self] key in self?.sync(key) ?? true }  // weak: work may outlive the controller at shutdown
    }

    public var isIdle: Bool { queue.isIdle }

    public func start() throws {
        let queue = self.queue
        var started: [StoreSubscription] = []
        if let subscription = try registry.watch(namespaces, namespace: nil, options: WatchOptions(), emit: { event in
            if case .object(let type, let namespace) = event, type != "DELETED",
               namespace.object["metadata"]?["deletionTimestamp"] != nil {
                queue.add(namespace.name)
            }
            return true
        }) { started.append(subscription) }
        // Deletions inside a namespace may be what it is waiting for.
        let from = "\(registry.store.currentResourceVersion)"
        for kind in contents {
            if let subscription = try registry.watch(kind, namespace: nil, options: WatchOptions(resourceVersion: from), emit: { event in
                if case .object(let type, let object) = event, type == "DELETED" || object.object["metadata"]?["deletionTimestamp"] != nil {
                    queue.add(object.namespace)
                }
                return true
            }) { started.append(subscription) }
        }
        subscriptions.withLock { $0 = started }
    }

    public func stop() {
        for subscription in subscriptions.withLock({ $0 }) { subscription.cancel() }
    }

    func sync(_ name: String) -> Bool {
        guard let namespace = try? registry.get(namespaces, namespace: "", name: name).object,
              namespace["metadata"]?["deletionTimestamp"] != nil else { return true }
        do {
            var remaining = 0
            for kind in contents {
                for object in try registry.list(kind, namespace: name, options: ListOptions()).items {
                    remaining += 1
                    if object.object["metadata"]?["deletionTimestamp"] != nil { continue }
                    do {
                        _ = try registry.delete(kind, namespace: name, name: object.name, options: DeleteOptions())
                    } catch where error.code == 404 {
                        continue
                    }
                }
            }
            if remaining > 0 { return true }  // their deletion events bring us back
            var finalized = namespace
            let finalizers = (namespace["spec"]?["finalizers"]?.arrayValue ?? []).filter { $0.stringValue != "kubernetes" }
            if finalizers.count != (namespace["spec"]?["finalizers"]?.arrayValue ?? []).count {
                finalized["spec"]?["finalizers"] = .array(finalizers)
                _ = try registry.update(namespaces, namespace: "", name: name, subresource: "finalize", object: finalized,
                                        options: WriteOptions())
            }
            if finalizers.isEmpty {
                _ = try registry.delete(namespaces, namespace: "", name: name, options: DeleteOptions())
            }
            return true
        } catch where error.code == 404 {
            return true
        } catch {
            if error.code != 409 {
                logger.warning("namespace cleanup failed", metadata: ["namespace": "\(name)", "error": "\(error.message)"])
            }
            return false
        }
    }
}
