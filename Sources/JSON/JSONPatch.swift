/// RFC 6902 JSON Patch (`application/json-patch+json`), with kube-apiserver's behaviour and messages.
///
/// Semantics are RFC 6902's, plus what evanphx/json-patch v4 (used by kube-apiserver) accepts on top: array
/// indices are read like Go's `strconv.Atoi`, and negative indices count from the end.
public enum JSONPatch {
    /// kube-apiserver's `maxJSONPatchOperations`.
    public static let maximumOperations = 10_000

    /// Applies the patch `operations` (a JSON array of operation objects) to `document`, all or nothing.
    ///
    /// - Throws: `JSONPatchError.invalidPatch` for a malformed patch (checked before anything is applied),
    ///   `.tooManyOperations`, or `.operationFailed` for the first operation that does not apply.
    public static func apply(_ operations: JSON, to document: JSON) throws(JSONPatchError) -> JSON {
        let decoded = try decode(operations)
        var result = document
        for (index, operation) in decoded.enumerated() {
            do throws(Failure) {
                try apply(operation, to: &result)
            } catch {
                throw .operationFailed(index: index, message: error.message)
            }
        }
        return result
    }

    /// An operation failure message, before it is tagged with the operation's index.
    struct Failure: Error {
        var message: String
    }

    private static func apply(_ operation: JSONPatchOperation, to document: inout JSON) throws(Failure) {
        let path = operation.path
        switch operation.kind {
        case .add:
            try add(operation.value!, at: path, to: &document)
        case .remove:
            try remove(at: path, from: &document)
        case .replace:
            try replace(at: path, with: operation.value!, in: &document)
        case .move:
            try move(from: operation.from!, to: path, in: &document)
        case .copy:
            try copy(from: operation.from!, to: path, in: &document)
        case .test:
            try test(operation.value!, at: path, in: document)
        case .unknown(let kind):
            throw Failure(message: "Unexpected kind: \(kind)")
        }
    }

    private static func add(_ value: JSON, at path: String, to document: inout JSON) throws(Failure) {
        guard let pointer = JSONPointer(path) else {
            throw Failure(message: "add operation does not apply: doc is missing path: \"\(path)\": missing value")
        }
        guard !pointer.tokens.isEmpty else {
            document = value
            return
        }
        let found = try JSONPatchContainer.withParent(of: pointer.tokens[...], in: &document) {
            parent, key throws(Failure) in
            do throws(Failure) {
                try JSONPatchContainer.add(value, key: key, to: &parent)
            } catch {
                throw Failure(message: "error in add for path: '\(path)': \(error.message)")
            }
        }
        if !found {
            throw Failure(message: "add operation does not apply: doc is missing path: \"\(path)\": missing value")
        }
    }

    private static func remove(at path: String, from document: inout JSON) throws(Failure) {
        let found = try JSONPatchContainer.withParent(of: tokens(path), in: &document) { parent, key throws(Failure) in
            do throws(Failure) {
                _ = try JSONPatchContainer.remove(key: key, from: &parent)
            } catch {
                throw Failure(message: "error in remove for path: '\(path)': \(error.message)")
            }
        }
        if !found {
            throw Failure(message: "remove operation does not apply: doc is missing path: \"\(path)\": missing value")
        }
    }

    private static func replace(at path: String, with value: JSON, in document: inout JSON) throws(Failure) {
        if path.isEmpty {
            document = value
            return
        }
        let found = try JSONPatchContainer.withParent(of: tokens(path), in: &document) { parent, key throws(Failure) in
            do throws(Failure) {
                try JSONPatchContainer.replace(key: key, with: value, in: &parent)
            } catch {
                throw Failure(message: "replace operation does not apply: doc is missing key: \(path): missing value")
            }
        }
        if !found {
            throw Failure(message: "replace operation does not apply: doc is missing path: \(path): missing value")
        }
    }

    private static func move(from: String, to path: String, in document: inout JSON) throws(Failure) {
        var moved: JSON = .null
        let found = try JSONPatchContainer.withParent(of: tokens(from), in: &document) { parent, key throws(Failure) in
            do throws(Failure) {
                moved = try JSONPatchContainer.remove(key: key, from: &parent)
            } catch {
                throw Failure(message: "error in move for path: '\(key)': \(error.message)")
            }
        }
        if !found {
            throw Failure(message: "move operation does not apply: doc is missing from path: \(from): missing value")
        }
        // Moving a value into itself fails here naturally: its destination's parent went away with it.
        try place(moved, at: path, in: &document) { error in
            "error in move for path: '\(path)': \(error)"
        } missing: {
            "move operation does not apply: doc is missing destination path: \(path): missing value"
        }
    }

    private static func copy(from: String, to path: String, in document: inout JSON) throws(Failure) {
        guard let source = JSONPointer(from) else {
            throw Failure(message: "copy operation does not apply: doc is missing from path: \(from): missing value")
        }
        var copied: JSON = .null
        if source.tokens.isEmpty {
            copied = document
        } else {
            let found = try JSONPatchContainer.withParent(of: source.tokens[...], in: &document) {
                parent, key throws(Failure) in
                do throws(Failure) {
                    copied = try JSONPatchContainer.get(key: key, in: parent)
                } catch {
                    throw Failure(message: "error in copy for from: '\(from)': \(error.message)")
                }
            }
            if !found {
                throw Failure(
                    message: "copy operation does not apply: doc is missing from path: \(from): missing value")
            }
        }
        try place(copied, at: path, in: &document) { error in
            "error while adding value during copy: \(error)"
        } missing: {
            "copy operation does not apply: doc is missing destination path: \(path): missing value"
        }
    }

    private static func test(_ expected: JSON, at path: String, in document: JSON) throws(Failure) {
        guard let pointer = JSONPointer(path) else {
            throw Failure(message: "test operation does not apply: is missing path: \(path): missing value")
        }
        var actual: JSON?
        if pointer.tokens.isEmpty {
            actual = document
        } else {
            var scratch = document
            let found = try JSONPatchContainer.withParent(of: pointer.tokens[...], in: &scratch) {
                parent, key throws(Failure) in
                actual = try? JSONPatchContainer.get(key: key, in: parent)
            }
            if !found {
                throw Failure(message: "test operation does not apply: is missing path: \(path): missing value")
            }
        }
        guard let actual, JSONPatchContainer.equal(actual, expected) else {
            throw Failure(message: "testing value \(path) failed: test failed")
        }
    }

    /// Adds `value` at `path` for move and copy, with their own messages for a failed add and a missing parent.
    private static func place(
        _ value: JSON, at path: String, in document: inout JSON, failed: (String) -> String, missing: () -> String
    ) throws(Failure) {
        guard let pointer = JSONPointer(path) else { throw Failure(message: missing()) }
        guard !pointer.tokens.isEmpty else {
            document = value
            return
        }
        let found = try JSONPatchContainer.withParent(of: pointer.tokens[...], in: &document) {
            parent, key throws(Failure) in
            do throws(Failure) {
                try JSONPatchContainer.add(value, key: key, to: &parent)
            } catch {
                throw Failure(message: failed(error.message))
            }
        }
        if !found { throw Failure(message: missing()) }
    }

    /// The tokens of `path`; an unparsable pointer and the root (which has no parent) both give no tokens, which
    /// `withParent` reports as a missing path, as evanphx/json-patch does.
    private static func tokens(_ path: String) -> ArraySlice<String> {
        JSONPointer(path)?.tokens[...] ?? []
    }
}
