import HTTPServer

/// Who-may-do-what terms of one request, derived from its method, path and query alone (before routing) the
/// way kube-apiserver's `RequestInfoFactory.NewRequestInfo` (`apiserver/pkg/endpoints/request/requestinfo.go`)
/// does: authorization decisions, Forbidden messages and audit lines are all phrased in them.
///
/// Unlike `RequestTarget`, it does not need the resource to be served: `POST /api/v1/namespaces/a/secrets`
/// is a `create` of `secrets` even though this server has none, so a read-only user gets 403 there too.
public struct RequestAttributes: Sendable, Equatable {
    /// True for `/api/{version}/...` and `/apis/{group}/{version}/...` paths with a resource part.
    public var isResourceRequest: Bool
    /// The request path (non-resource requests are authorized by path).
    public var path: String
    /// The Kubernetes verb: get, list, watch, create, update, patch, delete, deletecollection, or for
    /// non-resource requests the lower-cased HTTP method ("get", "post", ...).
    public var verb: String
    public var apiGroup: String
    public var apiVersion: String
    public var namespace: String
    public var resource: String
    public var subresource: String
    public var name: String

    /// Verbs that change stored state.
    public static let writeVerbs: Set<String> = ["create", "update", "patch", "delete", "deletecollection"]

    /// Whether this request asks to change something (a write verb on a resource).
    public var isWrite: Bool { isResourceRequest && Self.writeVerbs.contains(verb) }

    /// Derives the attributes of `request`.
    public init(_ request: HTTPRequest) {
        self.init(method: request.method, path: request.path, watchParameter: request.queryValue("watch"),
                  fieldSelector: request.queryValue("fieldSelector"))
    }

    /// Derives the attributes from the method, the decoded path and the `watch` and `fieldSelector` parameters.
    public init(method: String, path: String, watchParameter: String? = nil, fieldSelector: String? = nil) {
        isResourceRequest = false
        self.path = path
        verb = method.lowercased()
        apiGroup = ""
        apiVersion = ""
        namespace = ""
        resource = ""
        subresource = ""
        name = ""
        var parts = RequestTarget.segments(path)[...]
        guard parts.count >= 3, parts.first == "api" || parts.first == "apis" else { return }
        if parts.removeFirst() == "apis" {
            guard parts.count >= 3 else { return }
            apiGroup = parts.removeFirst()
        }
        isResourceRequest = true
        apiVersion = parts.removeFirst()
        // /watch/... and /proxy/... name the verb in the path (`specialVerbs`).
        let specialVerb = parts.first == "watch" || parts.first == "proxy"
        if specialVerb {
            guard parts.count >= 2 else { return }
            verb = parts.removeFirst()
        } else {
            verb = Self.resourceVerb(method)
        }
        if parts.first == "namespaces", parts.count > 1 {
            namespace = parts[parts.startIndex + 1]
            // /namespaces/{ns}/{resource}/...; but /namespaces/{ns}/status and /finalize are the Namespace's own.
            if parts.count > 2, !["status", "finalize"].contains(parts[parts.startIndex + 2]) {
                parts = parts.dropFirst(2)
            }
        }
        let relative = Array(parts)
        if relative.count >= 3, verb != "proxy" { subresource = relative[2] }
        if relative.count >= 2 { name = relative[1] }
        if let first = relative.first { resource = first }
        if name.isEmpty, verb == "get" {
            verb = Self.isWatch(watchParameter) ? "watch" : "list"
            if let selected = fieldSelector.flatMap(Self.exactName) { name = selected }
        }
        if name.isEmpty, verb == "delete" { verb = "deletecollection" }
    }

    /// The verb a method means on a resource path.
    private static func resourceVerb(_ method: String) -> String {
        switch method {
        case "POST": return "create"
        case "GET", "HEAD": return "get"
        case "PUT": return "update"
        case "PATCH": return "patch"
        case "DELETE": return "delete"
        default: return ""
        }
    }

    /// `watch=` as `ListOptions` decodes it: any value but "false"/"0" (and absent or empty) turns it on.
    private static func isWatch(_ value: String?) -> Bool {
        guard let value, !value.isEmpty else { return false }
        return !["false", "0"].contains(value.lowercased())
    }

    /// The name a `metadata.name=` (or `==`) field selector pins, when it is the selector's only requirement.
    private static func exactName(_ selector: String) -> String? {
        guard !selector.contains(",") else { return nil }
        for prefix in ["metadata.name==", "metadata.name="] where selector.hasPrefix(prefix) {
            let name = String(selector.dropFirst(prefix.count))
            return name.isEmpty || name == "." || name == ".." || name.contains("/") || name.contains("%") ? nil : name
        }
        return nil
    }
}
