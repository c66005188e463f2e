import JSON
import KubeAPI

/// Server-side apply of one applied configuration to a live object (`fieldmanager.FieldManager.Apply`,
/// `structured-merge-diff/merge/update.go` `Updater.Apply`), for `PATCH` with `application/apply-patch+yaml`.
///
/// The configuration is merged into the live object along the kind's SSA schema; fields the manager applied
/// before and omits now are removed unless another manager owns them; a changed field owned by another manager is a
/// conflict (409) unless `force`, which moves its ownership to the applier. The manager's Apply entry then holds
/// exactly the fields of the configuration.
struct ServerSideApply {
    var kind: String
    var apiVersion: String
    var manager: String
    var force: Bool
    var subresource: String?
    var now: String

    /// One field another manager owns with a different value.
    struct Conflict {
        var manager: String
        var path: [FieldPathElement]
    }

    /// The object after applying `configuration` to `live` (nil: the object is being created), with its
    /// `metadata.managedFields` updated.
    func apply(_ configuration: JSON, to live: JSON?) throws(StatusError) -> JSON {
        guard let schema = ServerSideApplySchema.forKind(kind) else {
            let accepted = Patch.supportedMediaTypes.filter { $0 != Patch.PatchType.apply.rawValue }
            throw .unsupportedMediaType(accepted: accepted)
        }
        var configuration = configuration
        configuration["metadata"]?["managedFields"] = nil
        var applied = FieldSet(of: ManagedFields.trackedContent(configuration, subresource: subresource),
                               schema: schema)
        applied.includesSelf = false
        let entries = live.map(ManagedFields.entries(of:)) ?? []
        let me = ManagedFieldsEntry(manager: manager, operation: .apply, apiVersion: apiVersion, time: now,
                                    fields: applied, subresource: subresource)
        let previous = entries.first { $0.isSameManager(me) }

        var merged = live.map { FieldSet.merge($0, configuration, schema: schema) } ?? configuration
        var ownedByOthers = FieldSet()
        for entry in entries where !entry.isSameManager(me) { ownedByOthers = ownedByOthers.union(entry.fields) }
        let dropped = (previous?.fields ?? FieldSet()).subtracting(applied).subtracting(ownedByOthers)
        dropped.remove(from: &merged, schema: schema, keeping: applied.union(ownedByOthers))

        let (changed, removed) = FieldSet.compare(
            live.map { ManagedFields.trackedContent($0, subresource: subresource) },
            ManagedFields.trackedContent(merged, subresource: subresource), schema: schema)
        let updated = try entriesAfterApply(entries, me: me, changed: changed, removed: removed)
        ManagedFields.store(updated, in: &merged)
        return merged
    }

    /// The entries after the apply, or the 409 when another manager owns a changed field and `force` is off.
    /// The manager's Apply entry keeps its place and, when its fields did not move, its time, so that a repeated apply
    /// is a no-op; everyone else loses what is gone and, when forced, what conflicted.
    private func entriesAfterApply(_ entries: [ManagedFieldsEntry], me: ManagedFieldsEntry, changed: FieldSet,
                                   removed: FieldSet) throws(StatusError) -> [ManagedFieldsEntry] {
        var conflicts: [Conflict] = []
        var updated: [ManagedFieldsEntry] = []
        var placed = false
        for entry in entries {
            if entry.isSameManager(me) {
                var mine = me
                if entry.fields == me.fields, entry.apiVersion == apiVersion { mine.time = entry.time }
                updated.append(mine)
                placed = true
                continue
            }
            let overlap = entry.fields.intersection(changed)
            conflicts += overlap.paths.map { Conflict(manager: entry.conflictName, path: $0) }
            var entry = entry
            entry.fields = entry.fields.subtracting(overlap).subtracting(removed)
            if !entry.fields.isEmpty { updated.append(entry) }
        }
        if !conflicts.isEmpty, !force { throw Self.conflictError(conflicts) }
        if !placed { updated.append(me) }
        return updated
    }

    /// The 409 of `fieldmanager/internal/conflict.go` (`NewConflictError`): one cause per field, the message grouping
    /// fields by manager in sorted order.
    static func conflictError(_ conflicts: [Conflict]) -> StatusError {
        let causes = conflicts.map {
            StatusError.Cause(reason: "FieldManagerConflict", message: "conflict with \($0.manager)",
                              field: FieldSet.describe($0.path))
        }
        let message: String
        if conflicts.count == 1 {
            message = "Apply failed with 1 conflict: conflict with \(conflicts[0].manager): \(causes[0].field)"
        } else {
            var lines: [String] = []
            for manager in Set(conflicts.map(\.manager)).sorted() {
                lines.append("conflicts with \(manager):")
                for conflict in conflicts where conflict.manager == manager {
                    lines.append("- " + FieldSet.describe(conflict.path))
                }
            }
            message = "Apply failed with \(conflicts.count) conflicts: " + lines.joined(separator: "\n")
        }
        return StatusError(code: 409, reason: "Conflict", message: message, details: .init(causes: causes))
    }
}
