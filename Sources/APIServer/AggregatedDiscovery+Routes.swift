import HTTPServer
import KubeAPI

extension APIHandler {
    /// `/api` or `/apis` as an `APIGroupDiscoveryList` when the `Accept` header asks for one (nil otherwise, for the
    /// legacy document), with the exact `Content-Type` clients key on, an ETag, and 304 on `If-None-Match`.
    func aggregatedDiscovery(_ request: HTTPRequest, path: String) throws(StatusError) -> HTTPReply? {
        guard let version = AggregatedDiscovery.requestedVersion(request.header("accept")) else { return nil }
        guard request.method == "GET" || request.method == "HEAD" else { throw .methodNotAllowed }
        let documents = path == "/api" ? discovery.aggregated.legacy : discovery.aggregated.groups
        guard let document = documents[version] else { return nil }
        return EntityTag.reply(request, body: document.bytes, tag: document.entityTag, contentType: version.contentType,
                               headers: [("Vary", "Accept"), ("Cache-Control", "no-cache, private")])
    }
}
