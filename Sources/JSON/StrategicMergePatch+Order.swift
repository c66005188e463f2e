extension StrategicMerge {
    /// `mergePatchIntoOriginal`: for every `$setElementOrder/<field>` in the patch, merges the patch list `<field>`
    /// (if any) into the original list and orders the result: the elements named by `$setElementOrder` in its order,
    /// the others (server-only elements) in their original order, interleaved where the original had them.
    /// Removes both keys from `patch` so the main merge does not see them again.
    static func mergeOrderedLists(
        into original: inout JSONObject, patch: inout JSONObject,
        schema: any StrategicMergePatchSchema
    ) throws(StrategicMergePatchError) {
        for key in patch.keys where key.hasPrefix(setElementOrderPrefix) {
            guard let orderValue = patch.removeValue(forKey: key) else { continue }
            guard case .array(let order) = orderValue else {
                throw .badArgType(expected: "[]interface {}", actual: orderValue)
            }
            let name = try fieldName(key, prefix: setElementOrderPrefix, error: .badSetElementOrder)
            // A `null` live list is no list (upstream never sees one: its objects come from typed structs).
            let originalValue = original[name].flatMap { $0.isNull ? nil : $0 }
            let patchValue = patch[name]
            var originalList: [JSON] = []
            var patchList: [JSON] = []
            if let originalValue {
                guard case .array(let list) = originalValue else {
                    throw .badArgType(expected: "[]interface {}", actual: originalValue)
                }
                originalList = list
            }
            if let patchValue {
                guard case .array(let list) = patchValue else {
                    throw .badArgType(expected: "[]interface {}", actual: patchValue)
                }
                patchList = list
            }
            let field = schema.field(name)
            let mergeKey = field.mergeKey ?? ""
            try validate(patchList: patchList, against: order, mergeKey: mergeKey)

            let merged: [JSON]
            switch (originalValue != nil, patchValue != nil) {
            case (true, false): merged = originalList
            case (false, true): merged = patchList.compactMap(cleaned)
            case (true, true): merged = try mergeList(originalList, patchList, field: field, isDeleteList: false)
            case (false, false): continue
            }
            patch.removeValue(forKey: name)
            if originalList.isEmpty && patchList.isEmpty {
                original[name] = .array(merged)
                continue
            }
            let (named, serverOnly) = try partition(merged, by: order, mergeKey: mergeKey)
            let kind = try elementKind(originalList, patchList)
            let fieldStrategy = try strategy(of: field)
            let mergedInPlace = kind == .object && patchValue != nil && fieldStrategy == "merge"
            let serverOrder =
                mergedInPlace
                ? liveListAfterInPlaceMerge(originalList, patchList, mergeKey: mergeKey)
                : originalList
            original[name] = .array(
                try normalizeElementOrder(
                    named, serverOnly, patchOrder: order, serverOrder: serverOrder,
                    mergeKey: mergeKey, kind: kind))
        }
    }

    /// The live list as upstream's `mergePatchIntoOriginal` sees it after merging a patch list into it, which is not
    /// the live list it started from: `deleteMatchingEntries` removes elements by shifting the rest left in place, and
    /// `mergeSliceWithoutSpecialElements` appends new elements into the slots that frees, all in the same Go array.
    /// The final order depends on it (a `kubectl apply` that removes one container and adds another puts the new one
    /// after the remaining ones), so this replays those two steps on an array of the live list's length.
    static func liveListAfterInPlaceMerge(_ original: [JSON], _ patch: [JSON], mergeKey: String) -> [JSON] {
        var slots = original
        var count = original.count
        var replaced = false
        for element in patch {
            switch element[directiveMarker] {
            case deleteDirective?:
                let keyValue = element[mergeKey]
                while let match = slots[..<count].firstIndex(where: { $0[mergeKey] == keyValue }) {
                    slots.replaceSubrange(match..<(count - 1), with: slots[(match + 1)..<count])
                    count -= 1
                }
            case replaceDirective?: replaced = true
            case nil, .some: break
            }
        }
        if replaced { return slots }
        var keys = slots[..<count].map { $0[mergeKey] }
        for element in patch where element[directiveMarker] == nil && !keys.contains(element[mergeKey]) {
            keys.append(element[mergeKey])
            if count < slots.count { slots[count] = element }
            count += 1
        }
        return slots
    }

    /// `validatePatchWithSetOrderList`: the patch list's elements (other than deletions) must appear in
    /// `$setElementOrder`, in the same relative order.
    static func validate(patchList: [JSON], against order: [JSON], mergeKey: String) throws(StrategicMergePatchError) {
        if order.isEmpty || patchList.isEmpty { return }
        let kept = mergeKey.isEmpty ? patchList : try splitDeletions(patchList).kept
        var patchIndex = 0
        var orderIndex = 0
        while patchIndex < kept.count && orderIndex < order.count {
            if kept[patchIndex][directiveMarker] != nil {
                patchIndex += 1
                continue
            }
            if try mergeKeyValueEqual(kept[patchIndex], order[orderIndex], mergeKey: mergeKey) {
                patchIndex += 1
            }
            orderIndex += 1
        }
        if patchIndex < kept.count && orderIndex >= order.count {
            throw .invalidPatch(
                "The order in patch list:\n\(JSON.array(patchList).goDescription)\n doesn't match "
                    + "\(setElementOrderPrefix) list:\n\(JSON.array(order).goDescription)\n")
        }
    }

    /// `mergeKeyValueEqual`: scalars compare by value, objects by their merge-key values.
    static func mergeKeyValueEqual(_ left: JSON, _ right: JSON, mergeKey: String) throws(StrategicMergePatchError)
        -> Bool
    {
        if mergeKey.isEmpty { return left == right }
        for side in [left, right] {
            guard case .object(let object) = side else {
                throw .badArgType(expected: "map[string]interface {}", actual: side)
            }
            if object[mergeKey] == nil { throw .noMergeKey(side, mergeKey) }
        }
        return left[mergeKey] == right[mergeKey]
    }

    /// `extractToDeleteItems`: the elements without `$patch: delete`, and those with it.
    static func splitDeletions(_ list: [JSON]) throws(StrategicMergePatchError) -> (kept: [JSON], deleted: [JSON]) {
        var kept: [JSON] = []
        var deleted: [JSON] = []
        for element in list {
            guard case .object(let object) = element else {
                throw .badArgType(expected: "map[string]interface {}", actual: element)
            }
            if object[directiveMarker] == deleteDirective { deleted.append(element) } else { kept.append(element) }
        }
        return (kept, deleted)
    }

    /// `normalizeElementOrder`: sorts `patchItems` by `patchOrder` and `serverOnly` by `serverOrder`, then
    /// interleaves them (`mergeSortedSlice`): a server-only element goes before a patch element only if the live
    /// list had it before that element, so new elements come as early as they can.
    static func normalizeElementOrder(
        _ patchItems: [JSON], _ serverOnly: [JSON], patchOrder: [JSON],
        serverOrder: [JSON], mergeKey: String, kind: ElementKind
    )
        throws(StrategicMergePatchError) -> [JSON]
    {
        let right = try sorted(patchItems, by: patchOrder, mergeKey: mergeKey, kind: kind)
        let left = try sorted(serverOnly, by: serverOrder, mergeKey: mergeKey, kind: kind)
        var result: [JSON] = []
        result.reserveCapacity(left.count + right.count)
        var i = 0
        var j = 0
        while i < left.count || j < right.count {
            if j >= right.count {
                result.append(left[i])
                i += 1
            } else if i >= left.count {
                result.append(right[j])
                j += 1
            } else {
                let leftIndex = index(of: left[i], in: serverOrder, mergeKey: mergeKey, kind: kind)
                let rightIndex = index(of: right[j], in: serverOrder, mergeKey: mergeKey, kind: kind)
                if let leftIndex, let rightIndex, leftIndex < rightIndex {
                    result.append(left[i])
                    i += 1
                } else {
                    result.append(right[j])
                    j += 1
                }
            }
        }
        return result
    }

    /// `normalizeSliceOrder`: a stable sort of `list` by position in `order`, deletions last.
    ///
    /// Upstream sorts with `sort.SliceStable` and a comparison that calls an element missing from `order` "less"
    /// than anything; this is the same insertion sort Go runs for lists of up to 20 elements, so the results agree.
    static func sorted(_ list: [JSON], by order: [JSON], mergeKey: String, kind: ElementKind)
        throws(StrategicMergePatchError) -> [JSON]
    {
        var list = list
        var deleted: [JSON] = []
        if kind == .object {
            for element in list + order {
                guard case .object(let object) = element else {
                    throw .badArgType(expected: "map[string]interface {}", actual: element)
                }
                if object[mergeKey] == nil { throw .noMergeKey(element, mergeKey) }
            }
            (list, deleted) = try splitDeletions(list)
        }
        let positions = list.map { index(of: $0, in: order, mergeKey: mergeKey, kind: kind) }
        var indices = Array(list.indices)
        func less(_ a: Int, _ b: Int) -> Bool {
            guard let first = positions[a], let second = positions[b] else { return true }
            return first < second
        }
        for i in indices.indices.dropFirst() {
            var j = i
            while j > 0 && less(indices[j], indices[j - 1]) {
                indices.swapAt(j, j - 1)
                j -= 1
            }
        }
        return indices.map { list[$0] } + deleted
    }

    /// `index`: the position in `list` of the element with the same merge-key value (objects) or value (scalars).
    static func index(of value: JSON, in list: [JSON], mergeKey: String, kind: ElementKind) -> Int? {
        if kind == .object {
            let keyValue = value[mergeKey]
            return list.firstIndex { $0[mergeKey] == keyValue }
        }
        return list.firstIndex(of: value)
    }
}
