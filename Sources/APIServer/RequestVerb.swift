import HTTPServer
import KubeAPI

/// The `verb`, `resource` and `subresource` labels kube-apiserver's metrics give a request
/// (`endpoints/metrics/metrics.go` `CleanVerb` over `request/requestinfo.go`): LIST and WATCH told apart from
/// GET, APPLY from PATCH, DELETECOLLECTION from DELETE; non-resource requests have an empty resource.
struct RequestVerb: Equatable {
    let verb: String
    let resource: String
    let subresource: String

    /// Classifies `request`, whose path addresses `target` (nil: a non-resource request).
    static func classify(_ request: HTTPRequest, target: RequestTarget?) -> RequestVerb {
        let method = cleanMethod(request.method)
        guard let target else { return RequestVerb(verb: method, resource: "", subresource: "") }
        let resource = target.info.resource
        if let subresource = target.subresource {
            // Only a subresource the kind has becomes a label: any other path segment is whatever a client sent (a
            // 404), and each distinct label value would be a counter and a histogram kept for ever.
            let known = target.info.subresources[subresource] != nil
            return RequestVerb(verb: patchOrApply(method, request), resource: resource,
                               subresource: known ? subresource : "")
        }
        let verb: String
        switch method {
        case "GET" where target.legacyWatch || (target.name == nil && isWatch(request)):
            verb = "WATCH"
        case "GET" where target.name == nil:
            verb = "LIST"
        case "DELETE" where target.name == nil:
            verb = "DELETECOLLECTION"
        default:
            verb = patchOrApply(method, request)
        }
        return RequestVerb(verb: verb, resource: resource, subresource: "")
    }

    /// The method, or "OTHER" for one we do not serve: a label must not take whatever a client sends.
    private static func cleanMethod(_ method: String) -> String {
        switch method {
        case "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS": return method
        default: return "OTHER"
        }
    }

    private static func patchOrApply(_ method: String, _ request: HTTPRequest) -> String {
        guard method == "PATCH" else { return method }
        let contentType = ContentNegotiation.mediaType(request.header("content-type"))
        return contentType == "application/apply-patch+yaml" ? "APPLY" : "PATCH"
    }

    private static func isWatch(_ request: HTTPRequest) -> Bool {
        request.queryValue("watch").map { QueryValue.bool($0) } ?? false
    }
}
