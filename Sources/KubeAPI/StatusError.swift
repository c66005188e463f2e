import JSON

/// A Kubernetes API error: everything needed to render a `meta/v1` `Status` with `status: Failure`.
///
/// Every layer below the HTTP edge reports failures the client must see as a `StatusError`
/// (storage errors are translated into one, once, in the Registry), so the API layer only has to
/// serialize it. Constructors mirror `k8s.io/apimachinery/pkg/api/errors/errors.go` so the
/// messages match kube-apiserver word for word.
public struct StatusError: Error, Sendable, Equatable {
    /// HTTP status code, also `Status.code`.
    public var code: Int
    /// `Status.reason`, e.g. `NotFound`, `Invalid`; empty for reasonless errors.
    public var reason: String
    public var message: String
    public var details: Details?
    /// Extra `metadata` for the Status (a fresh `continue` token on 410 for an expired continue).
    public var metadataContinue: String?

    /// `Status.details`. `kind` carries the *resource* for most errors and the *Kind* for 422 Invalid,
    /// exactly as kube-apiserver does.
    public struct Details: Sendable, Equatable {
        public var name: String
        public var group: String
        public var kind: String
        public var uid: String
        public var causes: [Cause]
        public var retryAfterSeconds: Int

        public init(name: String = "", group: String = "", kind: String = "", uid: String = "",
                    causes: [Cause] = [], retryAfterSeconds: Int = 0) {
            self.name = name
            self.group = group
            self.kind = kind
            self.uid = uid
            self.causes = causes
            self.retryAfterSeconds = retryAfterSeconds
        }
    }

    /// `StatusCause`; `reason` serializes under the JSON key `reason` (Go's field is `Type`).
    public struct Cause: Sendable, Equatable {
        public var reason: String
        public var message: String
        public var field: String

        public init(reason: String = "", message: String = "", field: String = "") {
            self.reason = reason
            self.message = message
            self.field = field
        }
    }

    public init(code: Int, reason: String, message: String, details: Details? = nil) {
        self.code = code
        self.reason = reason
        self.message = message
        self.details = details
    }
}

/// Names of a resource as errors print them (`GroupResource.String()` and `GroupKind.String()`).
public struct QualifiedResource: Sendable, Equatable {
    /// The API group, empty for core.
    public var group: String
    /// Plural lower-case resource name, e.g. `services`.
    public var resource: String
    /// The Kind, e.g. `Service`.
    public var kind: String

    public init(group: String, resource: String, kind: String) {
        self.group = group
        self.resource = resource
        self.kind = kind
    }

    /// `services`, or `endpointslices.discovery.k8s.io` for non-core groups.
    public var resourceString: String { group.isEmpty ? resource : "\(resource).\(group)" }
    /// `Service`, or `EndpointSlice.discovery.k8s.io` for non-core groups.
    public var kindString: String { group.isEmpty ? kind : "\(kind).\(group)" }
}

extension StatusError {
    /// 404 `<resource> "<name>" not found`.
    public static func notFound(_ resource: QualifiedResource, name: String) -> StatusError {
        StatusError(code: 404, reason: "NotFound", message: "\(resource.resourceString) \"\(name)\" not found",
                    details: Details(name: name, group: resource.group, kind: resource.resource))
    }

    /// 404 for a path the server does not serve.
    public static let pathNotFound = StatusError(
        code: 404, reason: "NotFound", message: "the server could not find the requested resource",
        details: Details())

    /// 409 `<resource> "<name>" already exists`.
    public static func alreadyExists(_ resource: QualifiedResource, name: String) -> StatusError {
        StatusError(code: 409, reason: "AlreadyExists", message: "\(resource.resourceString) \"\(name)\" already exists",
                    details: Details(name: name, group: resource.group, kind: resource.resource))
    }

    /// 409 AlreadyExists after every generateName retry collided (`NewGenerateNameConflict`).
    public static func generateNameConflict(_ resource: QualifiedResource, name: String) -> StatusError {
        StatusError(
            code: 409, reason: "AlreadyExists",
            message: "\(resource.resourceString) \"\(name)\" already exists, "
                + "the server was not able to generate a unique name for the object",
            details: Details(name: name, group: resource.group, kind: resource.resource, retryAfterSeconds: 1))
    }

    /// 409 Conflict with `Operation cannot be fulfilled on <qualified> "<name>": <why>`.
    /// `qualified` is the resource string for update conflicts and the Kind string for delete preconditions.
    public static func conflict(_ resource: QualifiedResource, name: String, qualified: String? = nil,
                                why: String) -> StatusError {
        StatusError(
            code: 409, reason: "Conflict",
            message: "Operation cannot be fulfilled on \(qualified ?? resource.resourceString) \"\(name)\": \(why)",
            details: Details(name: name, group: resource.group, kind: resource.resource))
    }

    /// The optimistic-lock message of `store.go` (`OptimisticLockErrorMsg`).
    public static let optimisticLockMessage =
        "the object has been modified; please apply your changes to the latest version and try again"

    /// 409 Conflict for a stale resourceVersion on update or patch.
    public static func staleResourceVersion(_ resource: QualifiedResource, name: String) -> StatusError {
        conflict(resource, name: name, why: optimisticLockMessage)
    }

    /// 400 BadRequest with a free-text message and no details.
    public static func badRequest(_ message: String) -> StatusError {
        StatusError(code: 400, reason: "BadRequest", message: message)
    }

    /// 403 Forbidden: `<resource> "<name>" is forbidden: <why>`.
    public static func forbidden(_ resource: QualifiedResource, name: String, why: String,
                                 causes: [Cause] = []) -> StatusError {
        let subject = name.isEmpty ? resource.resourceString : "\(resource.resourceString) \"\(name)\""
        return StatusError(code: 403, reason: "Forbidden", message: "\(subject) is forbidden: \(why)",
                           details: Details(name: name, group: resource.group, kind: resource.resource, causes: causes))
    }

    /// 405 MethodNotAllowed.
    public static let methodNotAllowed = StatusError(
        code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource",
        details: Details())

    /// 406 NotAcceptable.
    public static let notAcceptable = StatusError(
        code: 406, reason: "NotAcceptable",
        message: "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf")

    /// 413 RequestEntityTooLarge for bodies over `limit` bytes.
    public static func requestEntityTooLarge(limit: Int) -> StatusError {
        StatusError(code: 413, reason: "RequestEntityTooLarge", message: "Request entity too large: limit is \(limit)")
    }

    /// 415 UnsupportedMediaType listing what the endpoint accepts.
    public static func unsupportedMediaType(accepted: [String]) -> StatusError {
        StatusError(code: 415, reason: "UnsupportedMediaType",
                    message: "the body of the request was in an unknown format - accepted media types include: "
                        + accepted.joined(separator: ", "))
    }

    /// 410 Expired.
    public static func expired(_ message: String) -> StatusError {
        StatusError(code: 410, reason: "Expired", message: message)
    }

    /// 500 InternalError `Internal error occurred: <err>`.
    public static func internalError(_ text: String) -> StatusError {
        StatusError(code: 500, reason: "InternalError", message: "Internal error occurred: \(text)",
                    details: Details(causes: [Cause(message: text)]))
    }

    /// 504 Timeout for a resourceVersion newer than the store's (`storage/errors.go`, `NewTooLargeResourceVersionError`).
    public static func tooLargeResourceVersion(_ requested: Int64, current: Int64) -> StatusError {
        StatusError(code: 504, reason: "Timeout",
                    message: "Too large resource version: \(requested), current: \(current)",
                    details: Details(causes: [Cause(reason: "ResourceVersionTooLarge", message: "Too large resource version")],
                                     retryAfterSeconds: 1))
    }

    /// 422 Invalid from field errors (`NewInvalid`): `<Kind> "<name>" is invalid: <errors>`.
    public static func invalid(kind: String, group: String, name: String, errors: [FieldError]) -> StatusError {
        var unique: [FieldError] = []
        for error in errors where !unique.contains(error) { unique.append(error) }
        let qualifiedKind = group.isEmpty ? kind : "\(kind).\(group)"
        let body: String
        if unique.count == 1 {
            body = unique[0].description
        } else {
            body = "[" + unique.map(\.description).joined(separator: ", ") + "]"
        }
        return StatusError(
            code: 422, reason: "Invalid", message: "\(qualifiedKind) \"\(name)\" is invalid: \(body)",
            details: Details(name: name, group: group, kind: kind,
                             causes: unique.map { Cause(reason: $0.type.causeReason, message: $0.body, field: $0.field) }))
    }

    /// 422 Invalid on `ListOptions.meta.k8s.io` (query-parameter validation in `handlers/get.go`).
    public static func invalidListOptions(_ errors: [FieldError]) -> StatusError {
        invalid(kind: "ListOptions", group: "meta.k8s.io", name: "", errors: errors)
    }

    /// Whether this is the 404 for an object of `resource` (as opposed to another 404).
    public var isNotFound: Bool { code == 404 }
}

extension StatusError {
    /// The `meta/v1` `Status` object for this error.
    public var statusObject: JSON {
        var status: JSONObject = ["kind": "Status", "apiVersion": "v1"]
        var metadata = JSONObject()
        if let metadataContinue { metadata["continue"] = .string(metadataContinue) }
        status["metadata"] = .object(metadata)
        status["status"] = "Failure"
        if !message.isEmpty { status["message"] = .string(message) }
        if !reason.isEmpty { status["reason"] = .string(reason) }
        if let details {
            var object = JSONObject()
            if !details.name.isEmpty { object["name"] = .string(details.name) }
            if !details.group.isEmpty { object["group"] = .string(details.group) }
            if !details.kind.isEmpty { object["kind"] = .string(details.kind) }
            if !details.uid.isEmpty { object["uid"] = .string(details.uid) }
            if !details.causes.isEmpty {
                object["causes"] = .array(details.causes.map { cause in
                    var item = JSONObject()
                    if !cause.reason.isEmpty { item["reason"] = .string(cause.reason) }
                    if !cause.message.isEmpty { item["message"] = .string(cause.message) }
                    if !cause.field.isEmpty { item["field"] = .string(cause.field) }
                    return .object(item)
                })
            }
            if details.retryAfterSeconds > 0 { object["retryAfterSeconds"] = .int(Int64(details.retryAfterSeconds)) }
            status["details"] = .object(object)
        }
        status["code"] = .int(Int64(code))
        return .object(status)
    }
}
