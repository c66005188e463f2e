extension JSON {
    /// Applies an RFC 7386 JSON merge patch (`application/merge-patch+json`) to `target`.
    ///
    /// Objects merge recursively, a `null` member deletes the key, and anything else (arrays, scalars, a
    /// non-object patch) replaces the target value. Keys keep the target's order; new keys are appended in the
    /// patch's order.
    public static func mergePatch(_ target: JSON, _ patch: JSON) -> JSON {
        guard case .object(let patchObject) = patch else { return patch }
        var result: JSONObject
        if case .object(let targetObject) = target { result = targetObject } else { result = JSONObject() }
        for (key, patchValue) in patchObject {
            if patchValue.isNull {
                result.removeValue(forKey: key)
            } else if let index = result.index(forKey: key) {
                result.members[index].value = mergePatch(result.members[index].value, patchValue)
            } else {
                result.appendUnchecked(key: key, value: mergePatch(.null, patchValue))
            }
        }
        return .object(result)
    }

    /// The RFC 7386 merge patch that turns `original` into `modified`, so that
    /// `mergePatch(original, createMergePatch(from: original, to: modified)) == modified`
    /// (except for explicit `null` values in `modified`, which merge patch cannot express and become deletions).
    ///
    /// Objects are compared member by member (removed keys become `null`, changed objects recurse); any other
    /// difference, including a changed array, replaces the whole value. Identical objects give `{}`.
    public static func createMergePatch(from original: JSON, to modified: JSON) -> JSON {
        guard case .object(let originalObject) = original, case .object(let modifiedObject) = modified else {
            return modified
        }
        var patch = JSONObject()
        for (key, _) in originalObject where modifiedObject[key] == nil {
            patch.appendUnchecked(key: key, value: .null)
        }
        for (key, newValue) in modifiedObject {
            guard let oldValue = originalObject[key] else {
                patch.appendUnchecked(key: key, value: newValue)
                continue
            }
            if oldValue == newValue { continue }
            if case .object = oldValue, case .object = newValue {
                patch.appendUnchecked(key: key, value: createMergePatch(from: oldValue, to: newValue))
            } else {
                patch.appendUnchecked(key: key, value: newValue)
            }
        }
        return .object(patch)
    }
}
