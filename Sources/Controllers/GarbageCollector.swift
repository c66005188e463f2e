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
/// Deletions and objects being deleted trigger a pass over every object (a single coalescing work key), which is
/// simple and level-triggered. A new object with owners is only checked itself (its own work key: are its owners
/// gone?), as upstream's `attemptToDeleteItem` does: a pass per new dependent made every Service create cost a
/// pass over all objects (its EndpointSlice names it as owner), O(n²) over a burst of creates.
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
        queue.setProcessor { [weak self] key in  // weak: work may outlive the controller at shutdown
            guard let self else { return true }
            return key == Self.passKey ? pass() : checkOwners(key)
        }
    }

    public var isIdle: Bool { queue.isIdle }

    public func start() throws {
        let queue = self.queue
        var started: [StoreSubscription] = []
        let from = "\(registry.store.currentResourceVersion)"
        for (index, kind) in kinds.enumerated() {
            if let subscription = try registry.watch(kind, namespace: nil, options: WatchOptions(resourceVersion: from), emit: { event in
                switch Self.work(for: event) {
                case .pass: queue.add(Self.passKey)
                case .checkOwners(let key): queue.add("\(index)|\(key)")
                case nil: break
                }
                return true
            }) { started.append(subscription) }
        }
        subscriptions.withLock { $0 = started }
        queue.add(Self.passKey)
    }

    enum Work: Equatable {
        /// Look at every object.
        case pass
        /// Look at one new dependent (its key).
        case checkOwners(String)
    }

    /// Only deletions, objects being deleted, and new objects with owners can change what the collector must do;
    /// a status update (of a Pod, or of a managed EndpointSlice) must not cost a pass over every object.
    /// (A new dependent may name an owner that is already gone; a modified one keeps the owners it had, except
    /// when ownerReferences are edited, which the next relevant change or the startup pass picks up.)
    static func work(for event: WatchEvent) -> Work? {
        guard case .object(let type, let object) = event else { return nil }
        let metadata = object.object["metadata"]
        if type == "DELETED" || metadata?["deletionTimestamp"] != nil { return .pass }
        if type == "ADDED", !(metadata?["ownerReferences"]?.arrayValue ?? []).isEmpty { return .checkOwners(object.key) }
        return nil
    }

    /// Deletes the new dependent `work` names (`kind index|namespace/name`) if every owner it names is gone.
    func checkOwners(_ work: String) -> Bool {
        let parts = work.split(separator: "|", maxSplits: 1)
        guard parts.count == 2, let index = Int(parts[0]), kinds.indices.contains(index) else { return true }
        let keyParts = parts[1].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        guard keyParts.count == 2,
              let object = try? registry.get(kinds[index], namespace: keyParts[0], name: keyParts[1]) else { return true }
        return collectIfOrphaned(Entry(info: kinds[index], object: object), isLive: { _ in false })
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
                if !collectIfOrphaned(entry, isLive: { live.contains($0) }) { ok = false }
            } catch where error.code == 404 {
                continue
            } catch {
                logger.warning("garbage collection failed", metadata: ["object": "\(entry.object.key)", "error": "\(error.message)"])
                ok = false
            }
        }
        return ok
    }

    /// Deletes `entry` (Background) when it has owners, is not being deleted, and every owner is gone: of a served
    /// kind, not `isLive` by uid (a pass's listing) and not found by a live lookup. False when the delete failed.
    private func collectIfOrphaned(_ entry: Entry, isLive: (String) -> Bool) -> Bool {
        let references = entry.ownerReferences
        guard !references.isEmpty, !entry.deleting else { return true }
        let allGone = references.allSatisfy { reference in
            let kind = kinds.contains {
                $0.apiVersion == reference["apiVersion"]?.stringValue && $0.kind == reference["kind"]?.stringValue
            }
            return kind && !isLive(reference["uid"]?.stringValue ?? "")
        }
        guard allGone, !references.contains(where: { ownerExists($0, namespace: entry.object.namespace) }) else { return true }
        do {
            _ = try registry.delete(entry.info, namespace: entry.object.namespace, name: entry.object.name,
                                    options: DeleteOptions(preconditionUID: entry.uid, propagationPolicy: .background))
        } catch where error.code == 404 || error.code == 409 {
            return true  // already gone, or replaced by a new object of the same name
        } catch {
            logger.warning("garbage collection failed", metadata: ["object": "\(entry.object.key)", "error": "\(error.message)"])
            return false
        }
        return true
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
