import JSON

/// Field sets of values, and the comparison and merge of two values, walked along a ``ServerSideApplySchema``
/// (`structured-merge-diff/typed`: `tofieldset.go`, `compare.go`, `merge.go`, `remove.go`).
extension FieldSet {
    /// The fields a value sets (`TypedValue.ToFieldSet`): its leaves, and every associative-list or set item.
    init(of value: JSON, schema: ServerSideApplySchema) {
        self.init()
        collect(value, schema)
    }

    /// Adds the fields of `value` below this node. `added` marks a value that did not exist before: then its maps
    /// and lists are recorded too (`.`), as Compare's added set has them.
    mutating func collect(_ value: JSON, _ schema: ServerSideApplySchema, added: Bool = false) {
        switch (schema, value) {
        case (.structure, .object(let object)), (.map, .object(let object)):
            if object.isEmpty { includesSelf = true }
            if added, case .map = schema { includesSelf = true }
            for (name, member) in object {
                var child = FieldSet()
                child.collect(member, schema.member(name), added: added)
                self[.field(name)] = child.union(self[.field(name)])
            }
        case (.associativeList(let keys, let element), .array(let items)):
            if added { includesSelf = true }
            for item in items {
                guard let key = ServerSideApplySchema.keyElement(item, keys: keys) else { continue }
                var child = FieldSet(includesSelf: true)
                child.collect(item, element, added: added)
                self[key] = child
            }
        case (.set, .array(let items)):
            if added { includesSelf = true }
            for item in items { self[.value(item)] = FieldSet(includesSelf: true) }
        default:
            includesSelf = true
        }
    }

    /// What changed from `old` to `new` (`TypedValue.Compare`): `changed` holds modified and added fields (an added
    /// map, list or item also holds itself), `removed` the fields that are gone.
    static func compare(_ old: JSON?, _ new: JSON?,
                        schema: ServerSideApplySchema) -> (changed: FieldSet, removed: FieldSet) {
        var changed = FieldSet()
        var removed = FieldSet()
        diff(old, new, schema, changed: &changed, removed: &removed)
        changed.includesSelf = false
        removed.includesSelf = false
        return (changed, removed)
    }

    private static func diff(_ old: JSON?, _ new: JSON?, _ schema: ServerSideApplySchema,
                             changed: inout FieldSet, removed: inout FieldSet) {
        if old == new { return }
        guard let new, !new.isNull else {
            if let old { removed.collect(old, schema) }
            removed.includesSelf = true
            return
        }
        guard let old, !old.isNull else {
            changed.collect(new, schema, added: true)
            if case .structure = schema {} else { changed.includesSelf = true }
            return
        }
        switch (schema, old, new) {
        case (.structure, .object(let before), .object(let after)), (.map, .object(let before), .object(let after)):
            var names = before.keys
            for name in after.keys where before[name] == nil { names.append(name) }
            for name in names {
                var childChanged = changed[.field(name)]
                var childRemoved = removed[.field(name)]
                diff(before[name], after[name], schema.member(name), changed: &childChanged, removed: &childRemoved)
                changed[.field(name)] = childChanged
                removed[.field(name)] = childRemoved
            }
        case (.associativeList(let keys, let element), .array(let before), .array(let after)):
            let beforeItems = keyed(before, keys)
            let afterItems = keyed(after, keys)
            for (key, item) in beforeItems where afterItems[key] == nil {
                var childRemoved = FieldSet(includesSelf: true)
                childRemoved.collect(item, element)
                removed[key] = childRemoved
            }
            for (key, item) in afterItems {
                var childChanged = changed[key]
                var childRemoved = removed[key]
                diff(beforeItems[key], item, element, changed: &childChanged, removed: &childRemoved)
                if beforeItems[key] == nil { childChanged.includesSelf = true }  // a new item is owned itself
                changed[key] = childChanged
                removed[key] = childRemoved
            }
        case (.set, .array(let before), .array(let after)):
            for item in before where !after.contains(item) { removed[.value(item)] = FieldSet(includesSelf: true) }
            for item in after where !before.contains(item) { changed[.value(item)] = FieldSet(includesSelf: true) }
        default:
            changed.includesSelf = true
        }
    }

    static func keyed(_ items: [JSON], _ keys: [String]) -> [FieldPathElement: JSON] {
        var result: [FieldPathElement: JSON] = [:]
        for item in items {
            if let key = ServerSideApplySchema.keyElement(item, keys: keys) { result[key] = item }
        }
        return result
    }

    /// Merges an applied configuration into a live value (`merge.go`): structs and maps member by member,
    /// associative lists and sets item by item (new items appended), anything else replaced.
    static func merge(_ live: JSON?, _ applied: JSON, schema: ServerSideApplySchema) -> JSON {
        guard let live else { return applied }
        switch (schema, live, applied) {
        case (.structure, .object(var result), .object(let patch)), (.map, .object(var result), .object(let patch)):
            for (name, value) in patch {
                result[name] = merge(result[name], value, schema: schema.member(name))
            }
            return .object(result)
        case (.associativeList(let keys, let element), .array(var result), .array(let patch)):
            for item in patch {
                let key = ServerSideApplySchema.keyElement(item, keys: keys)
                if let index = result.firstIndex(where: { ServerSideApplySchema.keyElement($0, keys: keys) == key }) {
                    result[index] = merge(result[index], item, schema: element)
                } else {
                    result.append(item)
                }
            }
            return .array(result)
        case (.set, .array(var result), .array(let patch)):
            for item in patch where !result.contains(item) { result.append(item) }
            return .array(result)
        default:
            return applied
        }
    }

    /// Removes the fields of this set from `value` (`Updater.prune`: `RemoveItems`, then `addBackOwnedItems`): a node
    /// in the set goes with everything under it, unless `keeping` (what is still owned) has something below it; then
    /// only the set's members below it go.
    func remove(from value: inout JSON, schema: ServerSideApplySchema, keeping: FieldSet) {
        func removesWhole(_ child: FieldSet, _ kept: FieldSet?) -> Bool {
            child.includesSelf && (kept?.children.isEmpty ?? true)
        }
        switch (schema, value) {
        case (.structure, .object(var object)), (.map, .object(var object)):
            for (element, child) in children {
                guard case .field(let name) = element, var member = object[name] else { continue }
                if removesWhole(child, keeping.children[element]) {
                    object[name] = nil
                } else {
                    child.remove(from: &member, schema: schema.member(name), keeping: keeping[element])
                    object[name] = member
                }
            }
            value = .object(object)
        case (.associativeList(let keys, let element), .array(let items)):
            var kept: [JSON] = []
            for var item in items {
                guard let key = ServerSideApplySchema.keyElement(item, keys: keys), let child = children[key] else {
                    kept.append(item)
                    continue
                }
                if removesWhole(child, keeping.children[key]) { continue }
                child.remove(from: &item, schema: element, keeping: keeping[key])
                kept.append(item)
            }
            value = .array(kept)
        case (.set, .array(let items)):
            value = .array(items.filter { children[.value($0)]?.includesSelf != true })
        default:
            break
        }
    }
}
