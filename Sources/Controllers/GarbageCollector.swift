import JSON
import KubeAPI
import Logging
import Registry
import Store
import Synchronization

/// The garbage collector, for ownerReferences among the served kinds (reference §7.6;
/// `k/k: pkg/controller/garbagecollector`): dependents whose every owner is gone are deleted (Background);
/// an owner held by `foregroundDeletion` has its dependents deleted first and is released when no dependent
/// with `blockOwnerDeletion` remains; an owner held by `orphan` has its ownerReferences removed from its
/// dependents, then is released. References to kinds this server does not serve are never treated as gone.
///
/// Each pass looks at every object (a single coalescing work key), which is simple and level-triggered; at the
/// sizes this server targets (tens of thousands of objects) a pass takes milliseconds.
public final class GarbageCollector: Controller {
    public let name = "garbagecollector"
    static let passKey = "*"
    let registry: Registry
    let logger: Logger
    let kinds: [ResourceInfo]
    private let queue = WorkQueue(label: "serviceplane.controller.garbagecollector")
    private let subscriptions = Mutex<[StoreSubscription]>([])

    public init(registry: Registry, logger: Logger) {
        self.registry = registry
        self.logger = logger
        self.kinds = registry.resources
        queue.setProcessor { [weak self] _ in self?.pass() ?? true }  // weak: work may outlive the controller at shutdown
    }

    public var isIdle: Bool { queue.isIdle }

    public func start() throws {
        let queue = self.queue
        var started: [StoreSubscription] = []
        let from = "\(registry.store.currentResourceVersion)"
        for kind in kinds {
            if let subscription = try registry.watch(kind, namespace: nil, options: WatchOptions(resourceVersion: from), emit: { event in
                if Self.mayNeedCollection(event) { queue.add(Self.passKey) }
                return true
            }) { started.append(subscription) }
        }
        subscriptions.withLock { $0 = started }
        queue.add(Self.passKey)
    }

    /// Only deletions, objects being deleted, and new objects with owners can change what the collector must do;
    /// a status update (of a Pod, or of a managed EndpointSlice) must not cost a pass over every object.
    /// (A new dependent may name an owner that is already gone; a modified one keeps the owners it had, except
    /// when ownerReferences are edited, which the next relevant change or the startup pass picks up.)
    static func mayNeedCollection(_ event: WatchEvent) -> Bool {
        guard case .object(let type, let object) = event else { return false }
        let metadata = object.object["metadata"]
        return type == "DELETED" || metadata?["deletionTimestamp"] != nil
            || (type == "ADDED" && !(metadata?["ownerReferences"]?.arrayValue ?? []).isEmpty)
    }

    public func stop() {
        for subscription in subscriptions.withLock({ $0 }) { subscription.cancel() }
    }

    private struct Entry {
        let info: ResourceInfo
        let object: StoredObject
        var uid: String { object.object["metadata"]?["uid"]?.stringValue ?? "" }
        var ownerReferences: [JSON] { object.object["metadata"]?["ownerReferences"]?.arrayValue ?? [] }
        var finalizers: [String] { (object.object["metadata"]?["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue) }
        var deleting: Bool { object.object["metadata"]?["deletionTimestamp"] != nil }
    }

    /// One full pass; false to retry (a write lost a race).
    func pass() -> Bool {
        var entries: [Entry] = []
        for kind in kinds {
            guard let listed = try? registry.list(kind, namespace: nil, options: ListOptions()) else { return false }
            entries += listed.items.map { Entry(info: kind, object: $0) }
        }
        let live = Set(entries.map(\.uid))
        let served = Set(kinds.map { "\($0.apiVersion)/\($0.kind)" })
        var dependents: [String: [Entry]] = [:]
        for entry in entries {
            for reference in entry.ownerReferences {
                if let uid = reference["uid"]?.stringValue { dependents[uid, default: []].append(entry) }
            }
        }
        var ok = true
        for entry in entries {
            do {
                if entry.deleting, entry.finalizers.contains("foregroundDeletion") {
                    try deleteInForeground(entry, dependents: dependents[entry.uid] ?? [])
                } else if entry.deleting, entry.finalizers.contains("orphan") {
                    try orphan(entry, dependents: dependents[entry.uid] ?? [])
                }
                let references = entry.ownerReferences
                guard !references.isEmpty, !entry.deleting else { continue }
                let allGone = references.allSatisfy { reference in
                    let kind = "\(reference["apiVersion"]?.stringValue ?? "")/\(reference["kind"]?.stringValue ?? "")"
                    return served.contains(kind) && !live.contains(reference["uid"]?.stringValue ?? "")
                }
                if allGone, !references.contains(where: { ownerExists($0, namespace: entry.object.namespace) }) {
                    _ = try registry.delete(entry.info, namespace: entry.object.namespace, name: entry.object.name,
                                            options: DeleteOptions(preconditionUID: entry.uid, propagationPolicy: .background))
                }
            } catch where error.code == 404 {
                continue
            } catch {
                logger.warning("garbage collection failed", metadata: ["object": "\(entry.object.key)", "error": "\(error.message)"])
                ok = false
            }
        }
        return ok
    }

    /// A live lookup of one owner before a dependent is deleted: the pass lists kinds one after another, so an
    /// owner created meanwhile may be missing from the listing (upstream does the same check).
    private func ownerExists(_ reference: JSON, namespace: String) -> Bool {
        guard let kind = kinds.first(where: {
            $0.apiVersion == reference["apiVersion"]?.stringValue && $0.kind == reference["kind"]?.stringValue
        }), let name = reference["name"]?.stringValue,
              let owner = try? registry.get(kind, namespace: kind.namespaced ? namespace : "", name: name) else {
            return false
        }
        return owner.object["metadata"]?["uid"] == reference["uid"]
    }

    /// Deletes the dependents (in the foreground too); releases the owner once none that blocks remains.
    private func deleteInForeground(_ owner: Entry, dependents: [Entry]) throws(StatusError) {
        let blocking = dependents.filter { dependent in
            dependent.ownerReferences.contains {
                $0["uid"]?.stringValue == owner.uid && $0["blockOwnerDeletion"]?.boolValue == true
            }
        }
        for dependent in dependents where !dependent.deleting {
            _ = try registry.delete(dependent.info, namespace: dependent.object.namespace, name: dependent.object.name,
                                    options: DeleteOptions(propagationPolicy: .foreground))
        }
        if blocking.isEmpty { try removeFinalizer("foregroundDeletion", from: owner) }
    }

    /// Removes the owner from its dependents' ownerReferences, then releases it.
    private func orphan(_ owner: Entry, dependents: [Entry]) throws(StatusError) {
        for dependent in dependents {
            var object = dependent.object.object
            let kept = dependent.ownerReferences.filter { $0["uid"]?.stringValue != owner.uid }
            object["metadata"]?["ownerReferences"] = kept.isEmpty ? nil : .array(kept)
            _ = try registry.update(dependent.info, namespace: dependent.object.namespace, name: dependent.object.name,
                                    object: object, options: WriteOptions())
        }
        try removeFinalizer("orphan", from: owner)
    }

    private func removeFinalizer(_ finalizer: String, from owner: Entry) throws(StatusError) {
        var object = owner.object.object
        let kept = owner.finalizers.filter { $0 != finalizer }
        object["metadata"]?["finalizers"] = kept.isEmpty ? nil : .array(kept.map { .string($0) })
        _ = try registry.update(owner.info, namespace: owner.object.namespace, name: owner.object.name, object: object,
                                options: WriteOptions())
    }
}
