/// The container-level steps of JSON Patch: find a pointer's parent, then get, add, remove or replace one member
/// of it. Messages are evanphx/json-patch v4's, which kube-apiserver returns verbatim.
enum JSONPatchContainer {
    typealias Failure = JSONPatch.Failure

    /// Runs `body` on the container holding the last token of `tokens` (and that token), mutating `document` in
    /// place. Returns false when there is no such container: a missing step, a step into a scalar, or no tokens.
    static func withParent(
        of tokens: ArraySlice<String>, in document: inout JSON,
        _ body: (inout JSON, String) throws(Failure) -> Void
    ) throws(Failure) -> Bool {
        guard let first = tokens.first else { return false }
        if tokens.count == 1 {
            switch document {
            case .object, .array:
                try body(&document, first)
                return true
            default:
                return false
            }
        }
        switch document {
        case .object(var object):
            guard let index = object.index(forKey: first) else { return false }
            // Park `.null` in `document` so the object's storage is uniquely referenced and mutates in place.
            document = .null
            defer { document = .object(object) }
            return try withParent(of: tokens.dropFirst(), in: &object.members[index].value, body)
        case .array(var array):
            guard let index = existingIndex(first, count: array.count) else { return false }
            document = .null
            defer { document = .array(array) }
            return try withParent(of: tokens.dropFirst(), in: &array[index], body)
        default:
            return false
        }
    }

    /// The member `key` of `container`.
    static func get(key: String, in container: JSON) throws(Failure) -> JSON {
        switch container {
        case .object(let object):
            guard let value = object[key] else {
                throw Failure(message: "unable to get nonexistent key: \(key): missing value")
            }
            return value
        case .array(let array):
            let index = try parsedIndex(key)
            guard let resolved = existingIndex(key, count: array.count) else { throw invalidIndex(index) }
            return array[resolved]
        default:
            throw Failure(message: "unable to get nonexistent key: \(key): missing value")
        }
    }

    /// Sets the member `key` of an object (adding or replacing), or inserts into an array before `key`
    /// (`-` appends).
    static func add(_ value: JSON, key: String, to container: inout JSON) throws(Failure) {
        switch container {
        case .object(var object):
            container = .null
            object[key] = value
            container = .object(object)
        case .array(var array):
            if key == "-" {
                container = .null
                array.append(value)
                container = .array(array)
                return
            }
            guard let index = JSONPointer.arrayIndex(key) else {
                throw Failure(
                    message:
                        "value was not a proper array index: '\(key)': strconv.Atoi: parsing \"\(key)\": invalid syntax"
                )
            }
            let resolved = index < 0 ? index + array.count + 1 : index
            guard resolved >= 0, resolved <= array.count else { throw invalidIndex(index) }
            container = .null
            array.insert(value, at: resolved)
            container = .array(array)
        default:
            throw Failure(message: "unable to add to a \(container.typeName)")
        }
    }

    /// Removes and returns the member `key`.
    @discardableResult
    static func remove(key: String, from container: inout JSON) throws(Failure) -> JSON {
        switch container {
        case .object(var object):
            guard object.index(forKey: key) != nil else {
                throw Failure(message: "unable to remove nonexistent key: \(key): missing value")
            }
            container = .null
            let removed = object.removeValue(forKey: key)!
            container = .object(object)
            return removed
        case .array(var array):
            let index = try parsedIndex(key)
            guard let resolved = existingIndex(key, count: array.count) else { throw invalidIndex(index) }
            container = .null
            let removed = array.remove(at: resolved)
            container = .array(array)
            return removed
        default:
            throw Failure(message: "unable to remove nonexistent key: \(key): missing value")
        }
    }

    /// Replaces the existing member `key`.
    static func replace(key: String, with value: JSON, in container: inout JSON) throws(Failure) {
        switch container {
        case .object(var object):
            guard let index = object.index(forKey: key) else {
                throw Failure(message: "unable to get nonexistent key: \(key): missing value")
            }
            container = .null
            object.members[index].value = value
            container = .object(object)
        case .array(var array):
            let index = try parsedIndex(key)
            guard let resolved = existingIndex(key, count: array.count) else { throw invalidIndex(index) }
            container = .null
            array[resolved] = value
            container = .array(array)
        default:
            throw Failure(message: "unable to get nonexistent key: \(key): missing value")
        }
    }

    /// JSON equality for `test`: like `==` (objects ignore member order) but numbers compare by value, so
    /// `1` equals `1.0`.
    static func equal(_ lhs: JSON, _ rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.int(let left), .double(let right)), (.double(let right), .int(let left)):
            return Double(left) == right && Int64(exactly: right) == left
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { equal($0, $1) }
        case (.object(let left), .object(let right)):
            guard left.count == right.count else { return false }
            return left.allSatisfy { member in right[member.key].map { equal(member.value, $0) } ?? false }
        default:
            return lhs == rhs
        }
    }

    /// An existing element's index for `token`, counting negative indices from the end, or nil.
    private static func existingIndex(_ token: String, count: Int) -> Int? {
        guard let index = JSONPointer.arrayIndex(token) else { return nil }
        let resolved = index < 0 ? index + count : index
        return resolved >= 0 && resolved < count ? resolved : nil
    }

    private static func parsedIndex(_ token: String) throws(Failure) -> Int {
        guard let index = JSONPointer.arrayIndex(token) else {
            throw Failure(message: "strconv.Atoi: parsing \"\(token)\": invalid syntax")
        }
        return index
    }

    private static func invalidIndex(_ index: Int) -> Failure {
        Failure(message: "Unable to access invalid index: \(index): invalid index referenced")
    }
}
