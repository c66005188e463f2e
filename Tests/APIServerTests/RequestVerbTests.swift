import HTTPServer
import Testing

@testable import APIServer

/// The metric labels follow kube-apiserver's `CleanVerb`: LIST and WATCH apart from GET, APPLY apart from PATCH,
/// DELETECOLLECTION apart from DELETE, and no label value taken from whatever a client sends.
@Suite struct RequestVerbTests {
    @Test(arguments: [
        ("GET", "/api/v1/namespaces/default/services", "", "", "LIST", "services", ""),
        ("GET", "/api/v1/namespaces/default/services", "watch=1", "", "WATCH", "services", ""),
        ("GET", "/api/v1/watch/namespaces/default/pods/p", "", "", "WATCH", "pods", ""),
        ("GET", "/api/v1/namespaces/default/pods/p", "watch=true", "", "GET", "pods", ""),
        ("GET", "/api/v1/namespaces/default/pods/p/status", "", "", "GET", "pods", "status"),
        ("GET", "/api/v1/namespaces/default/pods/p/x9f3k", "", "", "GET", "pods", ""),
        ("POST", "/api/v1/namespaces/default/pods", "", "", "POST", "pods", ""),
        ("PUT", "/api/v1/namespaces/n", "", "", "PUT", "namespaces", ""),
        ("PATCH", "/api/v1/namespaces/default/services/s", "", "application/merge-patch+json", "PATCH", "services", ""),
        ("PATCH", "/api/v1/namespaces/default/services/s", "", "application/apply-patch+yaml", "APPLY", "services", ""),
        ("DELETE", "/api/v1/namespaces/default/pods", "", "", "DELETECOLLECTION", "pods", ""),
        ("DELETE", "/api/v1/namespaces/default/pods/p", "", "", "DELETE", "pods", ""),
        ("GET", "/apis/discovery.k8s.io/v1/endpointslices", "", "", "LIST", "endpointslices", ""),
        ("GET", "/healthz", "", "", "GET", "", ""),
        ("BREW", "/api/v1/pods", "", "", "OTHER", "pods", ""),
        ("BREW", "/coffee", "", "", "OTHER", "", ""),
    ] as [(String, String, String, String, String, String, String)])
    func labelsAreKubeAPIServers(
        method: String, path: String, query: String, contentType: String, verb: String, resource: String,
        subresource: String
    ) {
        let parameters = query.isEmpty ? [] : [(name: String(query.split(separator: "=")[0]),
                                                value: String(query.split(separator: "=")[1]))]
        let request = HTTPRequest(method: method, path: path, query: parameters,
                                  headers: contentType.isEmpty ? [] : [("content-type", contentType)])
        let target = RequestTarget.parse(path, resources: RequestTargetTests.resources)
        #expect(RequestVerb.classify(request, target: target)
                == RequestVerb(verb: verb, resource: resource, subresource: subresource))
    }
}
