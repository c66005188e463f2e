import JSON
import KubeAPI

/// A PATCH body and its type, chosen by the request's Content-Type (`k8s.io/apimachinery/pkg/types/patch.go`).
public struct Patch: Sendable {
    public enum PatchType: String, Sendable, CaseIterable {
        case json = "application/json-patch+json"
        case merge = "application/merge-patch+json"
        /// Server-side apply: the body is an applied configuration, not a patch (``Registry/patch``).
        case apply = "application/apply-patch+yaml"
        case strategicMerge = "application/strategic-merge-patch+json"
    }

    /// The media types this server applies, in the order a 415 lists them.
    public static let supportedMediaTypes = PatchType.allCases.map(\.rawValue)

    public let type: PatchType
    public let body: JSON

    public init(type: PatchType, body: JSON) {
        self.type = type
        self.body = body
    }

    /// Applies the patch to `object` of `kind`: malformed patches are 400, JSON-patch application failures 422,
    /// strategic-merge errors with upstream's codes.
    func apply(to object: JSON, kind: String) throws(StatusError) -> JSON {
        switch type {
        case .apply:
            // Needs the field managers; `Registry.patch` runs it through ``ServerSideApply`` instead.
            throw .internalError("an apply patch cannot be applied without field management")
        case .strategicMerge:
            guard let schema = PatchSchema.lookup(forKind: kind) else {
                throw .unsupportedMediaType(accepted: [PatchType.json.rawValue, PatchType.merge.rawValue])
            }
            do {
                return try JSON.strategicMergePatch(object, body, schema: schema)
            } catch {
                // kube-apiserver passes `invalidPatch` errors through unwrapped, which makes them 500s with no reason.
                // They are the client's mistake (an unknown `$patch`, a list element without its merge key), and bad
                // input never gets a 5xx here: 400 BadRequest with upstream's message.
                let code = error.statusCode == 500 ? 400 : error.statusCode
                throw StatusError(code: code, reason: code == 400 ? "BadRequest" : "Invalid", message: error.description)
            }
        case .merge:
            guard body.objectValue != nil else {
                throw .badRequest("error decoding patch: json: cannot unmarshal \(body.typeName) into Go value of type map[string]interface {}")
            }
            return JSON.mergePatch(object, body)
        case .json:
            do {
                return try JSONPatch.apply(body, to: object)
            } catch {
                switch error {
                case .invalidPatch(let message):
                    throw .badRequest("error decoding patch: \(message)")
                case .tooManyOperations:
                    throw StatusError(code: 413, reason: "RequestEntityTooLarge", message: error.description)
                case .operationFailed(_, let message):
                    throw StatusError(code: 422, reason: "Invalid",
                                      message: "the server rejected our request due to an error in our request",
                                      details: .init(causes: [.init(reason: "UnexpectedServerResponse", message: message)]))
                }
            }
        }
    }
}
