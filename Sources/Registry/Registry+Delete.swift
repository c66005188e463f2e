import JSON
import KubeAPI
import Store

/// What a DELETE did.
public enum DeleteOutcome: Sendable {
    /// The object is gone; this was its last state.
    case deleted(StoredObject)
    /// The object stays, marked for deletion (finalizers, graceful pod deletion, namespace termination).
    case pending(StoredObject)
}

extension Registry {
    /// `DELETE` of one object (reference §5.6): preconditions, the kind's deletion rules, finalizers per
    /// propagation policy, then removal or a deletionTimestamp.
    public func delete(_ info: ResourceInfo, namespace: String, name: String,
                       options: DeleteOptions) throws(StatusError) -> DeleteOutcome {
        let strategy = strategy(info)
        let storedNamespace = info.namespaced ? namespace : ""
        for _ in 0..<Self.updateAttempts {
            guard let existing = store.get(resource: info.storageKey, namespace: storedNamespace, name: name) else {
                throw .notFound(info.qualified, name: name)
            }
            try checkPreconditions(existing, info: info, options: options)
            let now = SystemFields.nowSeconds()
            var object = existing.object
            var keep = false
            if case .keep(let marked) = try strategy.beforeDelete(existing.object, options: options, now: now) {
                object = marked
                keep = true
            } else if (object["metadata"]?["deletionGracePeriodSeconds"]?.intValue ?? 0) > 0 {
                // A graceful deletion cut short (kubelet's final `gracePeriodSeconds: 0`): the grace period is over,
                // so finalizers, if any, now hold an object whose deletion is due (`rest.BeforeDelete`).
                object["metadata"]?["deletionTimestamp"] = .string(SystemFields.timestamp(now))
                object["metadata"]?["deletionGracePeriodSeconds"] = .int(0)
            }
            Self.applyPropagationFinalizers(&object, options: options)
            if !(object["metadata"]?["finalizers"]?.arrayValue ?? []).isEmpty {
                keep = true
                if object["metadata"]?["deletionTimestamp"] == nil {
                    object["metadata"]?["deletionTimestamp"] = .string(SystemFields.timestamp(now))
                    object["metadata"]?["deletionGracePeriodSeconds"] = .int(0)
                }
            }
            if keep, Self.sameIgnoringResourceVersion(object, existing.object) { return .pending(existing) }
            if options.dryRun {
                let preview = StoredObject(namespace: storedNamespace, name: name, resourceVersion: existing.resourceVersion,
                                           object: object, bytes: object.serialized())
                return keep ? .pending(preview) : .deleted(existing)
            }
            let mutation: StoreMutation = keep
                ? .update(resource: info.storageKey, namespace: storedNamespace, name: name, object: object,
                          expectedResourceVersion: existing.resourceVersion,
                          claims: store.claims(resource: info.storageKey, namespace: storedNamespace, name: name))
                : .delete(resource: info.storageKey, namespace: storedNamespace, name: name,
                          expectedResourceVersion: existing.resourceVersion)
            do {
                let events = try store.commit([mutation])
                return keep ? .pending(events[0].object) : .deleted(existing)
            } catch .conflict, .notFound {
                continue
            } catch {
                throw translate(error, info)
            }
        }
        throw .conflict(info.qualified, name: name, why: StatusError.optimisticLockMessage)
    }

    /// `DELETE` of a collection: every object matching the selectors is deleted as a single DELETE would be.
    /// Returns the objects as the individual deletes returned them.
    public func deleteCollection(_ info: ResourceInfo, namespace: String?, listOptions: ListOptions,
                                 options: DeleteOptions) throws(StatusError) -> (items: [StoredObject], resourceVersion: Int64) {
        let listed = try list(info, namespace: namespace, options: ListOptions(
            labelSelector: listOptions.labelSelector, fieldSelector: listOptions.fieldSelector))
        var items: [StoredObject] = []
        for object in listed.items {
            do {
                switch try delete(info, namespace: object.namespace, name: object.name, options: options) {
                case .deleted(let gone): items.append(gone)
                case .pending(let kept): items.append(kept)
                }
            } catch where error.code == 404 {
                continue  // deleted concurrently
            }
        }
        return (items, store.currentResourceVersion)
    }

    /// DeleteOptions preconditions (`rest/delete.go` `BeforeDelete`): 409 naming the *Kind*.
    func checkPreconditions(_ existing: StoredObject, info: ResourceInfo, options: DeleteOptions) throws(StatusError) {
        // `rest.BeforeDelete` builds these with the Kind in the resource slot, so the Kind shows in message and details.
        let kind = info.qualified.kindString
        let asKind = QualifiedResource(group: info.group, resource: info.kind, kind: info.kind)
        if let uid = options.preconditionUID {
            let recorded = existing.object["metadata"]?["uid"]?.stringValue ?? ""
            if uid != recorded {
                throw .conflict(asKind, name: existing.name, qualified: kind,
                                why: "the UID in the precondition (\(uid)) does not match the UID in record (\(recorded)). "
                                    + "The object might have been deleted and then recreated")
            }
        }
        if let version = options.preconditionResourceVersion {
            let recorded = String(existing.resourceVersion)
            if version != recorded {
                throw .conflict(asKind, name: existing.name, qualified: kind,
                                why: "the ResourceVersion in the precondition (\(version)) does not match the ResourceVersion "
                                    + "in record (\(recorded)). The object might have been modified")
            }
        }
    }

    /// `deletionFinalizersForGarbageCollection`: Orphan adds `orphan`, Foreground adds `foregroundDeletion`,
    /// Background removes both; without a policy the finalizers stay as they are.
    static func applyPropagationFinalizers(_ object: inout JSON, options: DeleteOptions) {
        var policy = options.propagationPolicy
        if policy == nil, let orphan = options.orphanDependents { policy = orphan ? .orphan : .background }
        guard let policy else { return }
        var finalizers = (object["metadata"]?["finalizers"]?.arrayValue ?? []).compactMap(\.stringValue)
        let before = finalizers
        finalizers.removeAll { $0 == "orphan" || $0 == "foregroundDeletion" }
        switch policy {
        case .orphan: finalizers.append("orphan")
        case .foreground: finalizers.append("foregroundDeletion")
        case .background: break
        }
        guard finalizers != before else { return }
        object["metadata"]?["finalizers"] = finalizers.isEmpty ? nil : .array(finalizers.map { .string($0) })
    }
}
