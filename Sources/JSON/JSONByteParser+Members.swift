extension JSONByteParser {
    /// Adds `key: value` (the key pending in `frames[frame]`) to the open object.
    ///
    /// A repeated key keeps its first position and takes the last value, as Go's decoder does when it assigns the
    /// same field twice; its path is recorded so callers can implement `fieldValidation=Strict`.
    @inline(__always)
    mutating func appendMember(_ value: consuming JSON, frame: Int) {
        var key = ""
        swap(&key, &frames[frame].key)
        let signature = frames[frame].keySignature
        let start = frames[frame].start
        let count = members.count - start
        if count >= Self.linearDuplicateScanLimit {
            if !insertLargeObjectKey(key, frame: frame) {
                return replaceDuplicate(key, with: value, frame: frame)
            }
        } else if frames[frame].keyBits & signature != 0 {
            for index in start..<members.count where members[index].key == key {
                return replaceDuplicate(key, with: value, frame: frame)
            }
        }
        frames[frame].keyBits |= signature
        members.push((key, value))
    }

    private mutating func replaceDuplicate(_ key: String, with value: consuming JSON, frame: Int) {
        for index in frames[frame].start..<members.count where members[index].key == key {
            members[index].value = value
            break
        }
        recordDuplicate(key, frame: frame)
    }

    /// Hash-based duplicate check for objects past `linearDuplicateScanLimit`. Returns false for a repeat.
    private mutating func insertLargeObjectKey(_ key: String, frame: Int) -> Bool {
        if largeObjectKeys[frame] == nil {
            var keys = Set<String>(minimumCapacity: 4 * Self.linearDuplicateScanLimit)
            for index in frames[frame].start..<members.count { keys.insert(members[index].key) }
            largeObjectKeys[frame] = keys
        }
        return largeObjectKeys[frame]!.insert(key).inserted
    }

    /// Records the sigs.k8s.io/json-style path of a duplicate key: `metadata.name`, `spec.ports[1].port`.
    private mutating func recordDuplicate(_ key: String, frame: Int) {
        guard recordsDuplicates, duplicatePaths.count < Self.maximumRecordedDuplicates else { return }
        var path = ""
        for ancestor in 0..<frame {
            if frames[ancestor].isObject {
                if !path.isEmpty { path += "." }
                path += frames[ancestor].key
            } else {
                // The child being parsed is at the index equal to the number of elements this array already
                // has; those sit between its start and the start of the next open array above it.
                var nextStart = elements.count
                for inner in (ancestor + 1)...frame where !frames[inner].isObject {
                    nextStart = frames[inner].start
                    break
                }
                path += "[\(nextStart - frames[ancestor].start)]"
            }
        }
        if !path.isEmpty { path += "." }
        path += key
        // Go deduplicates identical strict errors.
        if !duplicatePaths.contains(path) { duplicatePaths.append(path) }
    }
}
