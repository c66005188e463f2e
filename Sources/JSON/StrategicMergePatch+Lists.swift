extension StrategicMerge {
    /// `mergeSliceHandler`: a list with strategy `merge` (or a `$deleteFromPrimitiveList` list) is merged, any other
    /// list is replaced by the patch list.
    static func mergeList(_ original: [JSON], _ patch: [JSON], field: StrategicMergePatchField, isDeleteList: Bool)
        throws(StrategicMergePatchError) -> [JSON]
    {
        guard try strategy(of: field) == "merge" || isDeleteList else {
            return patch.compactMap(cleaned)
        }
        return try mergeSlice(
            original, patch, schema: field.schema, mergeKey: field.mergeKey ?? "",
            isDeleteList: isDeleteList)
    }

    /// `mergeSlice`: scalars become the union (or lose the listed values, for a deletion list); objects merge by
    /// `mergeKey` after the `$patch` elements are applied. The result is then put in order (`normalizeElementOrder`).
    static func mergeSlice(
        _ original: [JSON], _ patch: [JSON], schema: any StrategicMergePatchSchema,
        mergeKey: String, isDeleteList: Bool
    ) throws(StrategicMergePatchError) -> [JSON] {
        if original.isEmpty && patch.isEmpty { return original }
        let kind = try elementKind(original, patch)
        var original = original
        var patch = patch
        var merged: [JSON]
        if kind != .object {
            if isDeleteList {
                return original.filter { !patch.contains($0) }  // `deleteFromSlice`
            }
            merged = []
            for value in original + patch where !merged.contains(value) { merged.append(value) }
        } else {
            if mergeKey.isEmpty {
                throw .invalidPatch("cannot merge lists without merge key for \(kind.goName)")
            }
            (original, patch) = try applySpecialElements(original, patch, mergeKey: mergeKey)
            merged = try mergeByKey(original, patch, mergeKey: mergeKey, schema: schema)
        }
        let (patchItems, serverOnly) = try partition(merged, by: patch, mergeKey: mergeKey)
        return try normalizeElementOrder(
            patchItems, serverOnly, patchOrder: patch, serverOrder: original,
            mergeKey: mergeKey, kind: kind)
    }

    /// `mergeSliceWithSpecialElements`: `{"<key>": v, "$patch": "delete"}` removes the elements with that key,
    /// `{"$patch": "replace"}` makes the other patch elements the whole list. Returns the new original and the patch
    /// without those elements.
    static func applySpecialElements(_ original: [JSON], _ patch: [JSON], mergeKey: String)
        throws(StrategicMergePatchError) -> (original: [JSON], patch: [JSON])
    {
        var original = original
        var plain: [JSON] = []
        var replace = false
        for element in patch {
            guard let directive = element[directiveMarker] else {
                plain.append(element)
                continue
            }
            switch directive {
            case deleteDirective:
                guard let keyValue = element[mergeKey] else { throw .noMergeKey(element, mergeKey) }
                original.removeAll { $0[mergeKey] == keyValue }
            case replaceDirective:
                replace = true  // Keep going: the other `$patch` elements are still removed from the list.
            case mergeDirective:
                throw .invalidPatch("merging lists cannot yet be specified in the patch")
            default:
                throw .badPatchType(directive, in: element)
            }
        }
        if replace { return (plain.compactMap(cleaned), []) }
        return (original, plain)
    }

    /// `mergeSliceWithoutSpecialElements`: each patch element merges into the element with the same merge-key value
    /// (the first one, if the live list has duplicates) or is appended.
    static func mergeByKey(_ original: [JSON], _ patch: [JSON], mergeKey: String, schema: any StrategicMergePatchSchema)
        throws(StrategicMergePatchError) -> [JSON]
    {
        var result = original
        for element in patch {
            guard case .object(let patchObject) = element, let keyValue = patchObject[mergeKey] else {
                throw .noMergeKey(element, mergeKey)
            }
            if let index = result.firstIndex(where: { $0[mergeKey] == keyValue }),
                case .object(let originalObject) = result[index]
            {
                result[index] = .object(try mergeMap(originalObject, patchObject, schema: schema))
            } else if let added = cleaned(element) {
                result.append(added)
            }
        }
        return result
    }

    /// `partitionPrimitivesByPresentInList` / `partitionMapsByPresentInList`: the elements of `list` that `partitionBy`
    /// names (by merge-key value, or by value for scalars), and the others, each in `list` order.
    static func partition(_ list: [JSON], by partitionBy: [JSON], mergeKey: String)
        throws(StrategicMergePatchError) -> (named: [JSON], others: [JSON])
    {
        var named: [JSON] = []
        var others: [JSON] = []
        if mergeKey.isEmpty {
            for element in list {
                if partitionBy.contains(element) { named.append(element) } else { others.append(element) }
            }
            return (named, others)
        }
        for element in list {
            guard case .object(let object) = element else {
                throw .badArgType(expected: "map[string]interface {}", actual: element)
            }
            guard let keyValue = object[mergeKey] else { throw .noMergeKey(element, mergeKey) }
            var found = false
            for (position, candidate) in partitionBy.enumerated() {
                guard case .object(let candidateObject) = candidate else {
                    throw .invalidPatch("value for key \(position) is not a map")
                }
                if candidateObject[mergeKey] == keyValue {
                    found = true
                    break
                }
            }
            if found { named.append(element) } else { others.append(element) }
        }
        return (named, others)
    }

    /// The Go type shared by all elements of the lists (`sliceElementType`).
    enum ElementKind: Equatable {
        case object
        case scalar(String)

        /// How upstream names it in `cannot merge lists without merge key for <name>`.
        var goName: String {
            switch self {
            case .object: return "struct"
            case .scalar(let name): return name
            }
        }
    }

    /// `sliceElementType`: all elements must have the same type, and not be lists.
    static func elementKind(_ lists: [JSON]...) throws(StrategicMergePatchError) -> ElementKind {
        var kind: String?
        for list in lists {
            for element in list {
                let type = element.goTypeName
                if kind == nil, case .array = element { throw .listOfLists }
                if let kind, kind != type {
                    let description = "[" + lists.map { JSON.array($0).goDescription }.joined(separator: " ") + "]"
                    throw .invalidPatch("list element types are not identical: \(description)")
                }
                kind = type
            }
        }
        guard let kind else { throw .invalidPatch("no elements in any of the given slices") }
        return kind == "map[string]interface {}" ? .object : .scalar(kind)
    }
}
