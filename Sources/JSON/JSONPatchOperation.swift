/// One decoded RFC 6902 operation. `decode` has checked that the members its kind needs are present.
struct JSONPatchOperation {
    enum Kind: Equatable {
        case add, remove, replace, move, copy, test
        /// An `op` this library does not know; kube-apiserver fails it when it is reached, with a 422.
        case unknown(String)
    }

    var kind: Kind
    var path: String
    var from: String?
    var value: JSON?
}

extension JSONPatch {
    /// Checks the patch's shape and decodes its operations, so that a malformed patch changes nothing and is
    /// told apart (400) from an operation that does not apply (422).
    static func decode(_ patch: JSON) throws(JSONPatchError) -> [JSONPatchOperation] {
        guard case .array(let elements) = patch else {
            throw .invalidPatch("json: cannot unmarshal \(patch.typeName) into Go value of type jsonpatch.Patch")
        }
        guard elements.count <= maximumOperations else {
            throw .tooManyOperations(count: elements.count, limit: maximumOperations)
        }
        var operations: [JSONPatchOperation] = []
        operations.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            operations.append(try decodeOperation(element, index: index))
        }
        return operations
    }

    private static func decodeOperation(_ element: JSON, index: Int) throws(JSONPatchError) -> JSONPatchOperation {
        guard case .object(let object) = element else {
            throw .invalidPatch(
                "json: cannot unmarshal \(element.typeName) into Go value of type jsonpatch.Operation")
        }
        guard let op = object["op"]?.stringValue else {
            throw .invalidPatch("operation \(index) is missing a string \"op\" member")
        }
        let kind: JSONPatchOperation.Kind
        switch op {
        case "add": kind = .add
        case "remove": kind = .remove
        case "replace": kind = .replace
        case "move": kind = .move
        case "copy": kind = .copy
        case "test": kind = .test
        default: kind = .unknown(op)
        }
        if case .unknown = kind { return JSONPatchOperation(kind: kind, path: "") }
        guard let path = object["path"]?.stringValue else {
            throw .invalidPatch("\(op) operation failed to decode path: operation missing path field: missing value")
        }
        var operation = JSONPatchOperation(kind: kind, path: path)
        switch kind {
        case .move, .copy:
            guard let from = object["from"]?.stringValue else {
                throw .invalidPatch(
                    "\(op) operation failed to decode from: operation, missing from field: missing value")
            }
            operation.from = from
        case .add, .replace, .test:
            guard let value = object["value"] else {
                throw .invalidPatch("\(op) operation, missing value field: missing value")
            }
            operation.value = value
        case .remove, .unknown:
            break
        }
        return operation
    }
}
