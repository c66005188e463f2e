/// Why a strategic merge patch (`application/strategic-merge-patch+json`) was not applied.
///
/// Messages are upstream's (`k8s.io/apimachinery/pkg/util/mergepatch/errors.go` and `strategicpatch/patch.go`), with
/// JSON values printed the way Go's `%v` prints a `map[string]interface{}` (`map[$patch:foo name:c]`).
/// ``statusCode`` is what kube-apiserver answers for each (`interpretStrategicMergePatchError` in
/// `k8s.io/apiserver/pkg/endpoints/handlers/patch.go`).
public enum StrategicMergePatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The patch body is a JSON value other than an object (or null). 400, with Go's decoding message
    /// `json: cannot unmarshal array into Go value of type map[string]interface {}`.
    case notAnObject(typeName: String)
    /// A `$deleteFromPrimitiveList`, `$retainKeys` or `$setElementOrder` directive has the wrong shape
    /// (`invalid patch format of primitive list`, `... of retainKeys`, `... of setElementOrder list`). 400.
    case invalidDirectiveFormat(String)
    /// A list whose elements are lists (`lists of lists are not supported`). 422.
    case listOfLists
    /// Any other malformed patch: an unknown `$patch` value, a list element missing its merge key, elements of
    /// different types in one list, a `$setElementOrder` list that contradicts the patch list.
    /// kube-apiserver returns these unwrapped, which it answers as 500 with an empty reason; a server may prefer 400.
    case invalidPatch(String)

    /// The message kube-apiserver would put into its Status.
    public var description: String {
        switch self {
        case .notAnObject(let typeName):
            return "json: cannot unmarshal \(typeName) into Go value of type map[string]interface {}"
        case .invalidDirectiveFormat(let message), .invalidPatch(let message):
            return message
        case .listOfLists:
            return "lists of lists are not supported"
        }
    }

    /// The HTTP status kube-apiserver answers with: 400, 422, or 500 for ``invalidPatch(_:)``.
    public var statusCode: Int {
        switch self {
        case .notAnObject, .invalidDirectiveFormat: return 400
        case .listOfLists: return 422
        case .invalidPatch: return 500
        }
    }

    static let badPrimitiveList = StrategicMergePatchError.invalidDirectiveFormat(
        "invalid patch format of primitive list")
    static let badRetainKeys = StrategicMergePatchError.invalidDirectiveFormat("invalid patch format of retainKeys")
    static let badSetElementOrder = StrategicMergePatchError.invalidDirectiveFormat(
        "invalid patch format of setElementOrder list")

    /// `mergepatch.ErrBadArgType`: `expected a map[string]interface {}, but received a string`.
    static func badArgType(expected: String, actual: JSON) -> StrategicMergePatchError {
        .invalidPatch("expected a \(expected), but received a \(actual.goTypeName)")
    }

    /// `mergepatch.ErrNoMergeKey`: `map: map[value:b] does not contain declared merge key: name`.
    static func noMergeKey(_ object: JSON, _ key: String) -> StrategicMergePatchError {
        .invalidPatch("map: \(object.goDescription) does not contain declared merge key: \(key)")
    }

    /// `mergepatch.ErrBadPatchType`: `unknown patch type: foo in map: map[$patch:foo]`.
    static func badPatchType(_ directive: JSON, in object: JSON) -> StrategicMergePatchError {
        .invalidPatch("unknown patch type: \(directive.goDescription) in map: \(object.goDescription)")
    }
}

extension JSON {
    /// The Go type `encoding/json` decodes this value into (kube-apiserver keeps integers as int64), as
    /// `reflect.TypeOf(v).String()` prints it in upstream error messages.
    var goTypeName: String {
        switch self {
        case .null: return "<nil>"
        case .bool: return "bool"
        case .int: return "int64"
        case .double: return "float64"
        case .string: return "string"
        case .array: return "[]interface {}"
        case .object: return "map[string]interface {}"
        }
    }

    /// This value as Go's `fmt` `%v` prints the decoded value: maps with sorted keys (`map[a:1 b:[x y]]`), strings
    /// without quotes, null as `<nil>`.
    var goDescription: String {
        switch self {
        case .null: return "<nil>"
        case .bool(let value): return String(value)
        case .int(let value): return String(value)
        case .double(let value):
            if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
            return String(value)
        case .string(let value): return value
        case .array(let elements): return "[" + elements.map(\.goDescription).joined(separator: " ") + "]"
        case .object(let object):
            let members = object.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value.goDescription)" }
            return "map[" + members.joined(separator: " ") + "]"
        }
    }
}
