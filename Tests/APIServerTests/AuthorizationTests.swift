import KubeAPI
import Testing

@testable import APIServer

/// The read-only authorization mode and kube-apiserver's Forbidden wording.
@Suite struct AuthorizationTests {
    static let viewer = UserInfo(name: "viewer", groups: [ReadOnlyAuthorization.readOnlyGroup, "system:authenticated"])
    static let admin = UserInfo(name: "admin", groups: ["system:masters", "system:authenticated"])

    @Test(arguments: [
        ("GET", "/api/v1/namespaces/default/pods", nil as String?),
        ("GET", "/api/v1/namespaces/default/pods/p", nil),
        ("GET", "/api/v1/pods", "true"),
        ("GET", "/api/v1/watch/namespaces/default/services", nil),
        ("HEAD", "/healthz", nil),
        ("GET", "/openapi/v3", nil),
    ])
    func readOnlyUsersMayRead(method: String, path: String, watch: String?) throws {
        try ReadOnlyAuthorization.authorize(Self.viewer, RequestAttributes(method: method, path: path, watchParameter: watch))
    }

    @Test(arguments: [
        ("POST", "/api/v1/namespaces/default/services",
         #"services is forbidden: User "viewer" cannot create resource "services" in API group "" in the namespace "default""#),
        ("PUT", "/api/v1/namespaces/default/services/web",
         #"services "web" is forbidden: User "viewer" cannot update resource "services" in API group "" in the namespace "default""#),
        ("PATCH", "/api/v1/namespaces/default/pods/p/status",
         #"pods "p" is forbidden: User "viewer" cannot patch resource "pods/status" in API group "" in the namespace "default""#),
        ("DELETE", "/api/v1/namespaces/kube-public",
         #"namespaces "kube-public" is forbidden: User "viewer" cannot delete resource "namespaces" in API group "" in the namespace "kube-public""#),
        ("DELETE", "/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices",
         #"endpointslices.discovery.k8s.io is forbidden: User "viewer" cannot deletecollection resource "endpointslices" in API group "discovery.k8s.io" in the namespace "ns""#),
        ("POST", "/api/v1/namespaces",
         #"namespaces is forbidden: User "viewer" cannot create resource "namespaces" in API group "" at the cluster scope"#),
        ("POST", "/api/v1/namespaces/default/pods/p/binding",
         #"pods "p" is forbidden: User "viewer" cannot create resource "pods/binding" in API group "" in the namespace "default""#),
        ("POST", "/healthz", #"forbidden: User "viewer" cannot post path "/healthz""#),
    ])
    func readOnlyUsersAreForbiddenToWrite(method: String, path: String, message: String) {
        let attributes = RequestAttributes(method: method, path: path)
        #expect(throws: ReadOnlyAuthorization.forbidden(Self.viewer, attributes)) {
            try ReadOnlyAuthorization.authorize(Self.viewer, attributes)
        }
        let error = ReadOnlyAuthorization.forbidden(Self.viewer, attributes)
        #expect(error.code == 403)
        #expect(error.reason == "Forbidden")
        #expect(error.message == message)
    }

    @Test func forbiddenDetailsNameTheResourceAndObject() {
        let error = ReadOnlyAuthorization.forbidden(Self.viewer, RequestAttributes(
            method: "DELETE", path: "/apis/discovery.k8s.io/v1/namespaces/ns/endpointslices/s"))
        #expect(error.details == StatusError.Details(name: "s", group: "discovery.k8s.io", kind: "endpointslices"))
    }

    @Test func forbiddenMessagesEscapeHTML() {
        let user = UserInfo(name: "<b>&", groups: [ReadOnlyAuthorization.readOnlyGroup])
        let error = ReadOnlyAuthorization.forbidden(user, RequestAttributes(method: "POST", path: "/api/v1/namespaces"))
        #expect(error.message.contains(#"User "&lt;b&gt;&amp;" cannot create"#))
    }

    @Test(arguments: ["POST", "PUT", "PATCH", "DELETE"])
    func otherUsersMayWrite(method: String) throws {
        try ReadOnlyAuthorization.authorize(Self.admin, RequestAttributes(method: method, path: "/api/v1/namespaces/d/pods/p"))
    }
}
