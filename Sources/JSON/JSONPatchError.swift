/// Why an RFC 6902 JSON Patch was not applied.
///
/// The cases follow how kube-apiserver answers a `application/json-patch+json` PATCH: a document that is not a
/// patch at all is a 400 Bad Request, too many operations a 413, and an operation that does not apply to the
/// object (missing path, failed test, unknown op) a 422 Unprocessable Entity. Messages follow
/// evanphx/json-patch v4, the library kube-apiserver uses, e.g.
/// `replace operation does not apply: doc is missing key: /spec/foo: missing value`.
public enum JSONPatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The patch document is malformed: not an array, an operation that is not an object, or an operation
    /// missing `op`, `path`, `from` (move, copy) or `value` (add, replace, test). Maps to 400.
    case invalidPatch(String)
    /// More operations than `JSONPatch.maximumOperations`. Maps to 413 Request Entity Too Large.
    case tooManyOperations(count: Int, limit: Int)
    /// Operation number `index` (0-based) could not be applied; nothing was changed. Maps to 422.
    case operationFailed(index: Int, message: String)

    /// The message kube-apiserver would put into its Status.
    public var description: String {
        switch self {
        case .invalidPatch(let message): return message
        case .tooManyOperations(let count, let limit):
            return "The allowed maximum operations in a JSON patch is \(limit), got \(count)"
        case .operationFailed(_, let message): return message
        }
    }
}
