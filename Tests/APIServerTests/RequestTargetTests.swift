import KubeAPI
import Logging
import Registry
import Store
import Testing

@testable import APIServer

@Suite struct RequestTargetTests {
    static let resources: [ResourceInfo] = {
        let store = try! Store(path: ":memory:", logger: Logger(label: "test"))
        return Registry(store: store, network: try! ServiceNetwork(), logger: Logger(label: "test")).resources
    }()

    @Test(arguments: [
        ("/api/v1/namespaces", "namespaces", nil, nil, nil),
        ("/api/v1/namespaces/foo", "namespaces", nil, "foo", nil),
        ("/api/v1/namespaces/foo/status", "namespaces", nil, "foo", "status"),
        ("/api/v1/namespaces/foo/finalize", "namespaces", nil, "foo", "finalize"),
        ("/api/v1/namespaces/default/services", "services", "default", nil, nil),
        ("/api/v1/namespaces/default/services/web", "services", "default", "web", nil),
        ("/api/v1/namespaces/default/pods/p/status", "pods", "default", "p", "status"),
        ("/api/v1/pods", "pods", nil, nil, nil),
        ("/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices/s", "endpointslices", "ns", "s", nil),
        ("/api/v1/watch/namespaces/default/services", "services", "default", nil, nil),
    ] as [(String, String, String?, String?, String?)])
    func pathsSplitLikeKubeAPIServer(path: String, resource: String, namespace: String?, name: String?, subresource: String?) throws {
        let target = try #require(RequestTarget.parse(path, resources: Self.resources))
        #expect(target.info.resource == resource)
        #expect(target.namespace == namespace)
        #expect(target.name == name)
        #expect(target.subresource == subresource)
    }

    @Test(arguments: ["/api/v1/widgets", "/api/v2/pods", "/api/v1/pods/p", "/api/v1/namespaces/a/pods/p/status/extra",
                      "/apis/discovery.k8s.io/v1/services", "/api"])
    func unknownPathsAreNotResources(path: String) {
        #expect(RequestTarget.parse(path, resources: Self.resources) == nil)
    }

    @Test(arguments: [
        (nil, true), ("application/json", true), ("*/*", true), ("application/*", true),
        ("application/json;as=Table;v=v1;g=meta.k8s.io,application/json", true),
        ("application/json;as=Table;v=v1;g=meta.k8s.io", true), ("application/json;as=Table", false),
        ("image/png", false), ("text/html, */*;q=0.1", true),
    ] as [(String?, Bool)])
    func acceptNegotiation(accept: String?, acceptable: Bool) {
        #expect(ContentNegotiation.acceptsJSON(accept) == acceptable)
    }
}
