import JSON
import KubeAPI

/// One `metadata.managedFields` entry (`meta/v1` `ManagedFieldsEntry`): the fields one manager owns through one kind
/// of operation, in the structured-merge-diff FieldsV1 format.
struct ManagedFieldsEntry: Equatable, Sendable {
    enum Operation: String, Sendable { case apply = "Apply", update = "Update" }

    var manager: String
    var operation: Operation
    var apiVersion: String
    var time: String?
    var fields: FieldSet
    var subresource: String?

    /// The manager as conflict messages name it (`fieldmanager/internal/conflict.go`, `printManager`).
    var conflictName: String {
        var name = GoValue.quote(manager)
        if let subresource, !subresource.isEmpty { name += " with subresource " + GoValue.quote(subresource) }
        if operation == .update { name += " using " + apiVersion }
        return name
    }

    func isSameManager(_ other: ManagedFieldsEntry) -> Bool {
        manager == other.manager && operation == other.operation && (subresource ?? "") == (other.subresource ?? "")
    }

    /// The entry in the object's JSON, members in Go struct order.
    var json: JSON {
        var object: JSONObject = ["manager": .string(manager), "operation": .string(operation.rawValue),
                                  "apiVersion": .string(apiVersion)]
        if let time { object["time"] = .string(time) }
        object["fieldsType"] = "FieldsV1"
        object["fieldsV1"] = fields.fieldsV1
        if let subresource, !subresource.isEmpty { object["subresource"] = .string(subresource) }
        return .object(object)
    }

    init(manager: String, operation: Operation, apiVersion: String, time: String?, fields: FieldSet,
         subresource: String? = nil) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.fields = fields
        self.subresource = subresource
    }

    init?(json: JSON) {
        guard let manager = json["manager"]?.stringValue,
              let operation = json["operation"]?.stringValue.flatMap(Operation.init(rawValue:)) else { return nil }
        self.manager = manager
        self.operation = operation
        apiVersion = json["apiVersion"]?.stringValue ?? ""
        time = json["time"]?.stringValue
        var fields = FieldSet(fieldsV1: json["fieldsV1"] ?? .object(JSONObject()))
        fields.includesSelf = false
        self.fields = fields
        subresource = json["subresource"]?.stringValue
    }
}

/// Field ownership bookkeeping for an object's writes (`k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager`):
/// the entries of `metadata.managedFields`, updated by Update operations and by server-side apply.
enum ManagedFields {
    /// Reads an object's entries; malformed ones are dropped.
    static func entries(of object: JSON) -> [ManagedFieldsEntry] {
        (object["metadata"]?["managedFields"]?.arrayValue ?? []).compactMap(ManagedFieldsEntry.init(json:))
    }

    /// Stores `entries` in the object (none: the member is removed).
    static func store(_ entries: [ManagedFieldsEntry], in object: inout JSON) {
        // `JSON` is nil-literal expressible: spell out the Optional so that no entries removes the member.
        object["metadata"]?["managedFields"] = entries.isEmpty ? JSON?.none : .array(entries.map(\.json))
    }

    /// The part of an object that ownership is tracked for: without type meta and the system-set metadata
    /// (`fieldmanager/internal/stripmeta.go`), and without `status` for writes to the main resource (whose
    /// strategies reset it, `ResetFieldsStrategy`).
    static func trackedContent(_ object: JSON, subresource: String?) -> JSON {
        var content = object
        content["apiVersion"] = nil
        content["kind"] = nil
        if subresource == nil { content["status"] = nil }
        if var metadata = content["metadata"], metadata.objectValue != nil {
            for name in ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "selfLink",
                         "managedFields", "deletionTimestamp", "deletionGracePeriodSeconds"] {
                metadata[name] = nil
            }
            // Empty omitempty collections do not survive a typed round trip, so nobody owns them.
            for name in CanonicalOrder.omittedWhenEmpty where metadata[name] == .array([]) || metadata[name] == [:] {
                metadata[name] = nil
            }
            content["metadata"] = metadata.objectValue!.isEmpty ? JSON?.none : metadata
        }
        return content
    }

    /// The entries after an Update operation by `manager` turned `old` (nil on create) into `new`
    /// (`FieldManager.Update`): the manager takes every changed field from everyone else, and fields that are gone
    /// belong to nobody. The entries to start from are `new`'s when the writer replaced them, else `old`'s.
    static func afterUpdate(old: JSON?, new: JSON, kind: String, apiVersion: String, manager: String,
                            subresource: String?, now: String) -> [ManagedFieldsEntry] {
        guard let schema = ServerSideApplySchema.forKind(kind) else { return [] }
        let oldEntriesJSON = old?["metadata"]?["managedFields"]
        let newEntriesJSON = new["metadata"]?["managedFields"]
        var entries = entries(of: newEntriesJSON != nil && newEntriesJSON != oldEntriesJSON ? new : old ?? new)
        if old == nil, newEntriesJSON == nil { entries = [] }
        let (changed, removed) = FieldSet.compare(old.map { trackedContent($0, subresource: subresource) },
                                                  trackedContent(new, subresource: subresource), schema: schema)
        let me = ManagedFieldsEntry(manager: manager, operation: .update, apiVersion: apiVersion, time: now,
                                    fields: FieldSet(), subresource: subresource)
        var mine = entries.first { $0.isSameManager(me) } ?? me
        let fields = mine.fields.union(changed).subtracting(removed)
        if fields != mine.fields {
            mine.fields = fields
            mine.time = now
            mine.apiVersion = apiVersion
        }
        // Everyone else loses what changed (an Update is always forced) and what is gone; the manager keeps its place
        // in the list, a new manager goes last.
        var updated: [ManagedFieldsEntry] = []
        var placed = false
        for entry in entries {
            if entry.isSameManager(me) {
                if !mine.fields.isEmpty { updated.append(mine) }
                placed = true
                continue
            }
            var entry = entry
            entry.fields = entry.fields.subtracting(changed).subtracting(removed)
            if !entry.fields.isEmpty { updated.append(entry) }
        }
        if !placed, !mine.fields.isEmpty { updated.append(mine) }
        return updated
    }
}
