import Testing

@testable import APIServer

/// Verb, resource, namespace and name as kube-apiserver's `RequestInfoFactory` derives them.
@Suite struct RequestAttributesTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let method: String
        let path: String
        var watch: String? = nil
        var fieldSelector: String? = nil
        let verb: String
        var group = ""
        var resource = ""
        var subresource = ""
        var namespace = ""
        var name = ""
        var testDescription: String { "\(method) \(path)" }
    }

    @Test(arguments: [
        Case(method: "GET", path: "/api/v1/namespaces/d/pods", verb: "list", resource: "pods", namespace: "d"),
        Case(method: "GET", path: "/api/v1/namespaces/d/pods", watch: "true", verb: "watch", resource: "pods", namespace: "d"),
        Case(method: "GET", path: "/api/v1/namespaces/d/pods", watch: "0", verb: "list", resource: "pods", namespace: "d"),
        Case(method: "GET", path: "/api/v1/namespaces/d/pods", fieldSelector: "metadata.name=p", verb: "list",
             resource: "pods", namespace: "d", name: "p"),
        Case(method: "GET", path: "/api/v1/watch/namespaces/d/pods/p", verb: "watch", resource: "pods", namespace: "d", name: "p"),
        Case(method: "GET", path: "/api/v1/namespaces/d/pods/p", verb: "get", resource: "pods", namespace: "d", name: "p"),
        Case(method: "HEAD", path: "/api/v1/namespaces/d/pods/p", verb: "get", resource: "pods", namespace: "d", name: "p"),
        Case(method: "POST", path: "/api/v1/namespaces/d/services", verb: "create", resource: "services", namespace: "d"),
        Case(method: "PUT", path: "/api/v1/namespaces/d/services/s/status", verb: "update", resource: "services",
             subresource: "status", namespace: "d", name: "s"),
        Case(method: "PATCH", path: "/api/v1/namespaces/d/services/s", verb: "patch", resource: "services", namespace: "d", name: "s"),
        Case(method: "DELETE", path: "/api/v1/namespaces/d/pods/p", verb: "delete", resource: "pods", namespace: "d", name: "p"),
        Case(method: "DELETE", path: "/api/v1/namespaces/d/pods", verb: "deletecollection", resource: "pods", namespace: "d"),
        Case(method: "GET", path: "/api/v1/pods", verb: "list", resource: "pods"),
        Case(method: "GET", path: "/api/v1/namespaces", verb: "list", resource: "namespaces"),
        // A Namespace's own path puts its name in both namespace and name.
        Case(method: "DELETE", path: "/api/v1/namespaces/n", verb: "delete", resource: "namespaces", namespace: "n", name: "n"),
        Case(method: "PUT", path: "/api/v1/namespaces/n/finalize", verb: "update", resource: "namespaces",
             subresource: "finalize", namespace: "n", name: "n"),
        Case(method: "GET", path: "/apis/discovery.k8s.io/v1/namespaces/d/endpointslices/e", verb: "get",
             group: "discovery.k8s.io", resource: "endpointslices", namespace: "d", name: "e"),
        Case(method: "GET", path: "/api/v1/namespaces/d/secrets", verb: "list", resource: "secrets", namespace: "d"),
        Case(method: "OPTIONS", path: "/api/v1/namespaces/d/pods", verb: "", resource: "pods", namespace: "d"),
    ])
    func resourceRequestsSplitLikeKubeAPIServer(_ test: Case) {
        let attributes = RequestAttributes(method: test.method, path: test.path, watchParameter: test.watch,
                                           fieldSelector: test.fieldSelector)
        #expect(attributes.isResourceRequest)
        #expect(attributes.verb == test.verb)
        #expect(attributes.apiGroup == test.group)
        #expect(attributes.resource == test.resource)
        #expect(attributes.subresource == test.subresource)
        #expect(attributes.namespace == test.namespace)
        #expect(attributes.name == test.name)
    }

    @Test(arguments: [("GET", "/healthz", "get"), ("GET", "/api", "get"), ("GET", "/api/v1", "get"),
                      ("GET", "/apis/discovery.k8s.io/v1", "get"), ("POST", "/version", "post"),
                      ("GET", "/openapi/v3/api/v1", "get")])
    func otherPathsAreNonResourceRequests(method: String, path: String, verb: String) {
        let attributes = RequestAttributes(method: method, path: path)
        #expect(!attributes.isResourceRequest)
        #expect(attributes.verb == verb)
        #expect(attributes.path == path)
    }
}
