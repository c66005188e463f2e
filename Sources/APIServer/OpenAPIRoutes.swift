import HTTPServer
import KubeAPI

extension APIHandler {
    /// `GET /openapi/v3` and `/openapi/v3/<group-version>` (reference §3.2). A document requested with a stale `hash`
    /// is redirected (301) to the current one, as kube-openapi's `handler3` does; with the current hash it is
    /// `Cache-Control: public, immutable`. `If-None-Match` with the ETag gets a 304. (`/openapi/v2` is a 404: kubectl
    /// asks for it only as protobuf, and falls back to v3 or its built-in types without it.)
    func openAPI(_ request: HTTPRequest, path: String) throws(StatusError) -> HTTPReply {
        guard request.method == "GET" || request.method == "HEAD" else { throw .methodNotAllowed }
        let documents = OpenAPIDocuments.embedded
        if path == "/openapi/v3" {
            guard ContentNegotiation.acceptsJSON(request.header("accept")) else { throw .notAcceptable }
            return EntityTag.reply(request, body: documents.index, tag: documents.indexTag,
                                   contentType: Responses.jsonContentType,
                                   headers: [("Cache-Control", "no-cache, private")])
        }
        let key = String(path.dropFirst("/openapi/v3/".count))
        guard let document = documents.documents[key] else { throw .pathNotFound }
        guard ContentNegotiation.acceptsJSON(request.header("accept")) else { throw .notAcceptable }
        let hash = request.queryValue("hash") ?? ""
        if !hash.isEmpty, hash != document.hash {
            let location = "/openapi/v3/\(key)?hash=\(document.hash)"
            return .buffered(HTTPResponse(status: 301, headers: [("Location", location),
                                                                  ("Cache-Control", "no-cache, private")]))
        }
        return EntityTag.reply(request, body: document.bytes, tag: document.entityTag,
                               contentType: Responses.jsonContentType,
                               headers: [("Cache-Control", hash.isEmpty ? "no-cache, private" : "public, immutable")])
    }
}
