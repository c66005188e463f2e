import JSON
import KubeAPI
import Store

extension Registry {
    /// How often a write retries after losing a race. `GuaranteedUpdate` loops until it wins; we bound the loop only
    /// against a bug, high enough that real contention never reaches it (every lost race means another writer
    /// committed, and 64 clients patching one object lose a few dozen times in a row under load).
    static let updateAttempts = 1_000

    /// `PUT` of an object or one of its subresources (reference §5.3).
    public func update(_ info: ResourceInfo, namespace: String, name: String, subresource: String? = nil, object: JSON,
                       options: WriteOptions) throws(StatusError) -> WriteResult {
        try guaranteedUpdate(info, namespace: namespace, name: name, subresource: subresource, options: options,
                             createIfMissing: subresource == nil && strategy(info).allowCreateOnUpdate) { _ in object }
    }

    /// `PATCH` (reference §5.4): the patch is applied to the current object and the result goes through update.
    /// Fields the kind's schema does not declare are dropped from the result; `options.fieldValidation` decides
    /// whether that (and `options.patchDecodingProblems`) is a 422, warnings, or silent (`handlers/patch.go`).
    public func patch(_ info: ResourceInfo, namespace: String, name: String, subresource: String? = nil, patch: Patch,
                      options: WriteOptions) throws(StatusError) -> WriteResult {
        if patch.type == .apply {
            return try apply(info, namespace: namespace, name: name, subresource: subresource, configuration: patch.body,
                             options: options)
        }
        var problems: [String] = []
        let result = try guaranteedUpdate(info, namespace: namespace, name: name, subresource: subresource,
                                          options: options,
                                          createIfMissing: false) { (current: StoredObject?) throws(StatusError) -> JSON in
            guard let current else { throw .notFound(info.qualified, name: name) }
            var patched = try patch.apply(to: current.object, kind: info.kind)
            // How upstream shows the patch in a 422: `%+v` of the SMP map, the patched object for the others.
            func shown() -> String {
                patch.type == .strategicMerge ? FieldPruning.goFormat(patch.body) : FieldPruning.sortedJSON(patched)
            }
            if let mismatch = FieldTypeCheck.firstMismatch(in: patched, kind: info.kind) {
                throw FieldPruning.patchDecodeError(mismatch, shownValue: shown())
            }
            problems = options.patchDecodingProblems + FieldPruning.prune(&patched, kind: info.kind)
            if options.fieldValidation == .strict, !problems.isEmpty {
                throw FieldPruning.strictPatchError(problems, shownValue: shown())
            }
            return patched
        }
        guard options.fieldValidation == .warn, !problems.isEmpty else { return result }
        return WriteResult(object: result.object, created: result.created, warnings: problems + result.warnings)
    }

    /// The read-modify-write loop shared by update and patch: take the current object, compute the new one,
    /// prepare, validate, and store it conditionally on the resourceVersion read; retry if another writer won.
    /// A resourceVersion the client asked for is checked against the fresh read on every attempt, so a PUT (or a
    /// patch naming a resourceVersion) that lost the race becomes a 409 there, while a patch without one (whose
    /// result carries the version it was applied to) is simply applied again to the new state, as upstream's
    /// storage-level `GuaranteedUpdate` retry does.
    func guaranteedUpdate(_ info: ResourceInfo, namespace: String, name: String, subresource: String?,
                          options: WriteOptions, createIfMissing: Bool,
                          transform: (StoredObject?) throws(StatusError) -> JSON) throws(StatusError) -> WriteResult {
        let strategy = strategy(info)
        let storedNamespace = info.namespaced ? namespace : ""
        for _ in 0..<Self.updateAttempts {
            guard let existing = store.get(resource: info.storageKey, namespace: storedNamespace, name: name) else {
                guard createIfMissing else { throw .notFound(info.qualified, name: name) }
                var object = try transform(nil)
                try checkTypeMeta(&object, info)
                try checkName(object, info, name: name)
                object["metadata"]?["resourceVersion"] = nil
                do {
                    return try create(info, namespace: namespace, object: object, options: options)
                } catch where error.reason == "AlreadyExists" {
                    continue  // created concurrently: update it instead
                }
            }
            var object = try transform(existing)
            try checkTypeMeta(&object, info)
            try checkName(object, info, name: name)
            try bindNamespace(&object, info, namespace: namespace, onUpdate: true)
            let requested = object["metadata"]?["resourceVersion"]?.stringValue ?? ""
            if !requested.isEmpty, requested != String(existing.resourceVersion) {
                throw .staleResourceVersion(info.qualified, name: name)
            }
            // Unconditional update: the stored resourceVersion stands in for the missing one (`store.go` Update).
            object["metadata"]?["resourceVersion"] = .string(String(existing.resourceVersion))
            try admitUpdate(info, namespace: namespace)
            prepareUpdate(&object, old: existing.object, strategy: strategy, subresource: subresource)
            trackManagedFields(&object, old: existing.object, info: info, options: options, subresource: subresource)
            try validateUpdate(object, old: existing.object, info: info, strategy: strategy, subresource: subresource)
            let claims = subresource == nil
                ? try strategy.allocate(&object, old: existing.object, dryRun: options.dryRun)
                : store.claims(resource: info.storageKey, namespace: storedNamespace, name: name)

            CanonicalOrder.apply(&object)
            let warnings = subresource == nil ? strategy.warningsOnUpdate(object, old: existing.object) : []
            if Self.sameIgnoringResourceVersion(object, existing.object) {
                return WriteResult(object: existing, created: false, warnings: warnings)  // no-op: no new resourceVersion
            }
            let finalizing = Self.lastFinalizerRemoved(object, old: existing.object)
            if options.dryRun {
                var preview = object
                preview["metadata"]?["resourceVersion"] = .string(String(existing.resourceVersion))
                return WriteResult(object: StoredObject(namespace: storedNamespace, name: name,
                                                        resourceVersion: existing.resourceVersion,
                                                        object: preview, bytes: preview.serialized()),
                                   created: false, warnings: warnings)
            }
            let mutation: StoreMutation = finalizing
                ? .delete(resource: info.storageKey, namespace: storedNamespace, name: name,
                          expectedResourceVersion: existing.resourceVersion)
                : .update(resource: info.storageKey, namespace: storedNamespace, name: name, object: object,
                          expectedResourceVersion: existing.resourceVersion, claims: claims)
            do {
                let events = try store.commit([mutation])
                if finalizing {
                    // The response to the update that removed the last finalizer is the object as updated.
                    let result = StoredObject(namespace: storedNamespace, name: name,
                                              resourceVersion: events[0].resourceVersion, stamping: object)
                    return WriteResult(object: result, created: false, warnings: [])
                }
                return WriteResult(object: events[0].object, created: false, warnings: warnings)
            } catch .conflict {
                continue  // another writer won: read again; a client precondition now fails above
            } catch .claimTaken {
                continue  // a proposed address was taken concurrently: allocate again
            } catch .notFound where requested.isEmpty {
                continue
            } catch {
                throw translate(error, info)
            }
        }
        throw .conflict(info.qualified, name: name, why: StatusError.optimisticLockMessage)
    }

    /// The URL names the object; a body naming another is a 400 (`handlers/rest.go`).
    func checkName(_ object: JSON, _ info: ResourceInfo, name: String) throws(StatusError) {
        let bodyName = object["metadata"]?["name"]?.stringValue ?? ""
        if bodyName.isEmpty {
            throw .badRequest("name is required: the name of the object must be set in metadata.name")
        }
        if bodyName != name {
            throw .badRequest("the name of the object (\(bodyName)) does not match the name on the URL (\(name))")
        }
    }

    /// `rest.BeforeUpdate`: system fields come from the stored object, then the strategy prepares, then defaults.
    func prepareUpdate(_ object: inout JSON, old: JSON, strategy: any ResourceStrategy, subresource: String?) {
        object["metadata"]?["generation"] = old["metadata"]?["generation"]
        if let subresource {
            strategy.prepareForSubresourceUpdate(subresource, &object, old: old)
        } else {
            strategy.prepareForUpdate(&object, old: old)
        }
        let oldMetadata = old["metadata"]
        if (object["metadata"]?["uid"]?.stringValue ?? "").isEmpty { object["metadata"]?["uid"] = oldMetadata?["uid"] }
        object["metadata"]?["creationTimestamp"] = oldMetadata?["creationTimestamp"]
        if let deletion = oldMetadata?["deletionTimestamp"] { object["metadata"]?["deletionTimestamp"] = deletion }
        if let grace = oldMetadata?["deletionGracePeriodSeconds"], object["metadata"]?["deletionGracePeriodSeconds"] == nil {
            object["metadata"]?["deletionGracePeriodSeconds"] = grace
        }
        strategy.applyDefaults(&object)
    }

    func validateUpdate(_ object: JSON, old: JSON, info: ResourceInfo, strategy: any ResourceStrategy,
                        subresource: String?) throws(StatusError) {
        var errors = ObjectMetaValidation.validateCreate(metadata: object["metadata"], namespaced: info.namespaced,
                                                         nameRule: info.nameRule, isCoreGroup: info.group.isEmpty)
        errors += ObjectMetaValidation.validateUpdate(new: object["metadata"], old: old["metadata"], isCoreGroup: info.group.isEmpty)
        if subresource != nil {
            // Subresource writes (status, binding, finalize) change only what their preparation let through.
            errors += strategy.validateStatusUpdate(object, old: old)
        } else {
            errors += strategy.validate(object)
            errors += strategy.validateUpdate(object, old: old)
        }
        if !errors.isEmpty {
            throw .invalid(kind: info.kind, group: info.group, name: object["metadata"]?["name"]?.stringValue ?? "",
                           errors: errors)
        }
    }

    /// Records the write in `metadata.managedFields` as an Update by the request's field manager; writers without
    /// one (the controllers) leave the entries as they were. Apply patches computed theirs already.
    func trackManagedFields(_ object: inout JSON, old: JSON?, info: ResourceInfo, options: WriteOptions,
                            subresource: String?) {
        if options.managedFieldsApplied { return }
        guard let manager = options.fieldManager, !manager.isEmpty else {
            object["metadata"]?["managedFields"] = old?["metadata"]?["managedFields"]
            return
        }
        let entries = ManagedFields.afterUpdate(old: old, new: object, kind: info.kind, apiVersion: info.apiVersion,
                                                manager: manager, subresource: subresource, now: SystemFields.timestamp())
        ManagedFields.store(entries, in: &object)
    }

    /// Equality that ignores `metadata.resourceVersion`, to detect no-op updates.
    static func sameIgnoringResourceVersion(_ lhs: JSON, _ rhs: JSON) -> Bool {
        var left = lhs
        var right = rhs
        left["metadata"]?["resourceVersion"] = nil
        right["metadata"]?["resourceVersion"] = nil
        return left == right
    }

    /// An update of an object being deleted that drops its last finalizer, once any grace period is over,
    /// removes the object (`store.go` `shouldDeleteDuringUpdate`).
    static func lastFinalizerRemoved(_ object: JSON, old: JSON) -> Bool {
        guard old["metadata"]?["deletionTimestamp"] != nil else { return false }
        let newFinalizers = object["metadata"]?["finalizers"]?.arrayValue ?? []
        let oldFinalizers = old["metadata"]?["finalizers"]?.arrayValue ?? []
        let grace = old["metadata"]?["deletionGracePeriodSeconds"]?.intValue ?? 0
        return newFinalizers.isEmpty && !oldFinalizers.isEmpty && grace == 0
    }
}
