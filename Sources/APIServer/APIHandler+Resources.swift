import HTTPServer
import JSON
import KubeAPI
import Registry

extension APIHandler {
    /// Dispatches a resource request by method and path shape to a verb (reference §5.1).
    func handleResource(_ request: HTTPRequest, target: RequestTarget, pretty: Bool) throws(StatusError) -> HTTPReply {
        let info = target.info
        if target.legacyWatch {
            // kube-apiserver registers only GET on the `/watch/` paths, and no subresources; a write sent there must
            // not be served as one (a read-only token is authorized to watch).
            guard target.subresource == nil else { throw .pathNotFound }
            guard request.method == "GET" else { throw .methodNotAllowed }
        }
        if let subresource = target.subresource {
            guard let verbs = info.subresources[subresource], let name = target.name, let namespace = itemNamespace(target) else {
                throw .pathNotFound
            }
            switch (request.method, subresource) {
            case ("GET", _) where verbs.contains("get"):
                return try get(request, info, namespace: namespace, name: name, pretty: pretty)
            case ("PUT", _) where verbs.contains("update"):
                return try update(request, info, namespace: namespace, name: name, subresource: subresource, pretty: pretty)
            case ("PATCH", _) where verbs.contains("patch"):
                return try patch(request, info, namespace: namespace, name: name, subresource: subresource, pretty: pretty)
            default:
                throw .methodNotAllowed
            }
        }
        if let name = target.name {
            guard let namespace = itemNamespace(target) else { throw .pathNotFound }
            // Only the legacy `/watch/` prefix makes an item path a watch; `?watch=1` there is a plain GET (upstream).
            let watching = target.legacyWatch
            switch request.method {
            case "GET" where watching: return try watch(request, info, namespace: target.namespace, name: name)
            case "GET": return try get(request, info, namespace: namespace, name: name, pretty: pretty)
            case "PUT": return try update(request, info, namespace: namespace, name: name, subresource: nil, pretty: pretty)
            case "PATCH": return try patch(request, info, namespace: namespace, name: name, subresource: nil, pretty: pretty)
            case "DELETE": return try delete(request, info, namespace: namespace, name: name, pretty: pretty)
            default: throw .methodNotAllowed
            }
        }
        // A collection: namespaced (`/namespaces/ns/pods`), all namespaces (`/pods`), or cluster-scoped (`/namespaces`).
        let listNamespace = target.namespace
        switch request.method {
        case "GET":
            if target.legacyWatch || isWatch(request) {
                return try watch(request, info, namespace: listNamespace, name: nil)
            }
            return try list(request, info, namespace: listNamespace, pretty: pretty)
        case "POST" where !info.namespaced || listNamespace != nil:
            return try create(request, info, namespace: listNamespace ?? "", pretty: pretty)
        case "DELETE" where info.supports("deletecollection") && (!info.namespaced || listNamespace != nil):
            return try deleteCollection(request, info, namespace: listNamespace, pretty: pretty)
        default:
            throw .methodNotAllowed
        }
    }

    /// The namespace an item request addresses: its URL namespace, or "" for cluster-scoped kinds; nil when a
    /// namespaced item is addressed without one (a 404).
    private func itemNamespace(_ target: RequestTarget) -> String? {
        if target.info.namespaced { return target.namespace }
        return ""
    }

    private func isWatch(_ request: HTTPRequest) -> Bool {
        request.queryValue("watch").map { QueryValue.bool($0) } ?? false
    }
}
