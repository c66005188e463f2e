extension JSON {
    /// Applies a strategic merge patch (`application/strategic-merge-patch+json`) to `original`, the way
    /// kube-apiserver does (`StrategicMergeMapPatch` in `k8s.io/apimachinery/pkg/util/strategicpatch/patch.go`).
    ///
    /// Like a JSON merge patch, objects merge key by key and `null` deletes a key; unlike it, lists follow the
    /// `schema`: a list whose field has strategy `merge` and a merge key merges element by element (matching
    /// elements merge recursively, others are added), a merged list of scalars becomes the union, and every other
    /// list is replaced. The directives `$patch` (`replace`, `delete`), `$deleteFromPrimitiveList/<field>`,
    /// `$setElementOrder/<field>` and `$retainKeys` are understood. Merged lists are ordered as upstream orders them:
    /// the elements the patch (or its `$setElementOrder`) names, in that order, with each other live element put in
    /// front of the next named element only if it came before it in the live list; so an element new to the list
    /// lands ahead of the live elements the patch does not name (`{"items":[{"name":"c"}]}` on `a, b` gives
    /// `c, a, b`).
    ///
    /// The result never contains a directive or a `null` taken from the patch: kube-apiserver decodes the merged
    /// map into a typed object, which drops both, and this server stores the JSON as it is.
    /// - Parameters:
    ///   - original: the live object (a JSON object; anything else is treated as `{}`).
    ///   - patch: the patch body; a JSON `null` is an empty patch, like decoding `null` into a Go map.
    ///   - schema: the patch metadata of the object's kind, e.g. KubeAPI's `PatchSchema.lookup(forKind: "Pod")`.
    /// - Throws: ``StrategicMergePatchError`` for a malformed patch; its ``StrategicMergePatchError/statusCode`` is
    ///   what kube-apiserver answers.
    public static func strategicMergePatch(_ original: JSON, _ patch: JSON, schema: any StrategicMergePatchSchema)
        throws(StrategicMergePatchError) -> JSON
    {
        let patchObject: JSONObject
        switch patch {
        case .object(let object): patchObject = object
        case .null: patchObject = JSONObject()
        default: throw .notAnObject(typeName: patch.typeName)
        }
        return .object(try StrategicMerge.mergeMap(original.objectValue ?? JSONObject(), patchObject, schema: schema))
    }
}

/// The apply side of strategic merge patch, function by function after upstream's `patch.go` (the names in
/// comments are upstream's), with server-side options (`MergeParallelList` and `IgnoreUnmatchedNulls` both true).
///
/// Differences from upstream, all where upstream hands a value to the typed decoder that this server does not have:
/// values copied from the patch (a new key, a new list element, a replaced list or map) have their `null` members
/// and directive keys removed, and a `null` live value next to a `$setElementOrder` counts as no list.
/// Upstream's error for `$setElementOrder` on two empty lists (`no elements in any of the given slices`) is not
/// reproduced; the empty list is kept.
enum StrategicMerge {
    // The directive names, as the constants at the top of upstream's patch.go.
    static let directiveMarker = "$patch"
    static let deleteDirective: JSON = "delete"
    static let replaceDirective: JSON = "replace"
    static let mergeDirective: JSON = "merge"
    static let retainKeysStrategy = "retainKeys"
    static let retainKeysDirective = "$retainKeys"
    static let deleteFromPrimitiveListPrefix = "$deleteFromPrimitiveList"
    static let setElementOrderPrefix = "$setElementOrder"

    /// `mergeMap`: merges `patch` into `original`.
    static func mergeMap(_ original: JSONObject, _ patch: JSONObject, schema: any StrategicMergePatchSchema)
        throws(StrategicMergePatchError) -> JSONObject
    {
        if let directive = patch[directiveMarker] {
            return try directiveInMap(directive, patch)
        }
        var original = original
        var patch = patch
        try applyRetainKeys(to: &original, patch: &patch)
        // `mergePatchIntoOriginal`: lists that have a `$setElementOrder` sibling are merged and ordered first.
        try mergeOrderedLists(into: &original, patch: &patch, schema: schema)

        for (patchKey, patchValue) in patch {
            var key = patchKey
            var isDeleteList = false
            if patchKey.hasPrefix(deleteFromPrimitiveListPrefix) {
                key = try fieldName(patchKey, prefix: deleteFromPrimitiveListPrefix, error: .badPrimitiveList)
                isDeleteList = true
            }
            if patchValue.isNull {
                original.removeValue(forKey: key)
                continue
            }
            guard let index = original.index(forKey: key) else {
                if !isDeleteList, let value = cleaned(patchValue) { original.appendUnchecked(key: key, value: value) }
                continue
            }
            switch (original.members[index].value, patchValue) {
            case (.object(let originalObject), .object(let patchObject)):
                let field = schema.field(key)
                if try strategy(of: field) == "replace" {
                    original.members[index].value = cleaned(patchValue) ?? .object(JSONObject())
                } else {
                    original.members[index].value = .object(
                        try mergeMap(originalObject, patchObject, schema: field.schema))
                }
            case (.array(let originalList), .array(let patchList)):
                let field = schema.field(key)
                original.members[index].value = .array(
                    try mergeList(originalList, patchList, field: field, isDeleteList: isDeleteList))
            case (let originalValue, _):
                // Different types, or scalars: the patch value replaces the original (upstream compares Go types,
                // and skips the replacement for a deletion list of another type).
                if isDeleteList && originalValue.goTypeName != patchValue.goTypeName { continue }
                if let value = cleaned(patchValue) {
                    original.members[index].value = value
                } else {
                    original.remove(at: index)
                }
            }
        }
        return original
    }

    /// `handleDirectiveInMergeMap`: `$patch: replace` keeps only the rest of the patch map, `$patch: delete` empties
    /// the map; anything else (`merge` included: upstream has no merge directive for maps) is an error.
    static func directiveInMap(_ directive: JSON, _ patch: JSONObject) throws(StrategicMergePatchError) -> JSONObject {
        if directive == replaceDirective {
            var rest = patch
            rest.removeValue(forKey: directiveMarker)
            return cleaned(.object(rest))?.objectValue ?? JSONObject()
        }
        if directive == deleteDirective {
            return JSONObject()
        }
        throw .badPatchType(directive, in: .object(patch))
    }

    /// `applyRetainKeysDirective`: with `$retainKeys: [k...]` in the patch, every patched key must be listed and
    /// keys of the original that are not listed are cleared.
    static func applyRetainKeys(to original: inout JSONObject, patch: inout JSONObject) throws(StrategicMergePatchError)
    {
        guard let directive = patch.removeValue(forKey: retainKeysDirective) else { return }
        guard case .array(let retained) = directive else { throw .badRetainKeys }
        let names = Set(retained.compactMap(\.stringValue))
        for (key, value) in patch where !value.isNull && !names.contains(key) {
            if key.hasPrefix(deleteFromPrimitiveListPrefix) || key.hasPrefix(setElementOrderPrefix) { continue }
            throw .badRetainKeys
        }
        original = JSONObject(original.filter { names.contains($0.key) })
    }

    /// `extractKey`: the field a `$deleteFromPrimitiveList/<field>` or `$setElementOrder/<field>` key is about.
    static func fieldName(_ key: String, prefix: String, error: StrategicMergePatchError)
        throws(StrategicMergePatchError) -> String
    {
        guard let slash = key.firstIndex(of: "/"), key[..<slash] == prefix else { throw error }
        return String(key[key.index(after: slash)...])
    }

    /// `extractRetainKeysPatchStrategy`: the field's strategy other than `retainKeys` (`merge`, `replace` or "").
    static func strategy(of field: StrategicMergePatchField) throws(StrategicMergePatchError) -> String {
        let strategies = field.strategies
        switch strategies.count {
        case 0: return ""
        case 1: return strategies[0] == retainKeysStrategy ? "" : strategies[0]
        case 2 where strategies[0] == retainKeysStrategy: return strategies[1]
        case 2 where strategies[1] == retainKeysStrategy: return strategies[0]
        default: throw .invalidPatch("unexpected patch strategy: [\(strategies.joined(separator: " "))]")
        }
    }

    /// A patch value made fit to store (`discardNullValuesFromPatch` then `removeDirectives`): `null` members are
    /// dropped, an object carrying `$patch` is dropped whole (nil at the top), and directive keys are removed.
    static func cleaned(_ value: JSON) -> JSON? {
        switch value {
        case .object(let object):
            if object[directiveMarker] != nil { return nil }
            var result = JSONObject(minimumCapacity: object.count)
            for (key, member) in object where !member.isNull && !isDirectiveKey(key) {
                if let kept = cleaned(member) { result.appendUnchecked(key: key, value: kept) }
            }
            return .object(result)
        case .array(let elements):
            return .array(elements.compactMap(cleaned))
        default:
            return value
        }
    }

    /// Keys that are instructions to the merge, not data.
    static func isDirectiveKey(_ key: String) -> Bool {
        guard key.hasPrefix("$") else { return false }
        return key == directiveMarker || key == retainKeysDirective
            || key.hasPrefix(deleteFromPrimitiveListPrefix + "/") || key.hasPrefix(setElementOrderPrefix + "/")
    }
}

extension JSONObject {
    /// Removes the member at `position`.
    fileprivate mutating func remove(at position: Int) {
        members.remove(at: position)
    }
}
