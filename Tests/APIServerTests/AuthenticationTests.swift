import HTTPServer
import KubeAPI
import Testing

@testable import APIServer

/// Bearer-token authentication and the anonymous exceptions for health endpoints.
@Suite struct AuthenticationTests {
    static let file = try! StaticTokenFile(
        parsing: "admin-token,admin,1,\"system:masters\"\nview-token,viewer,2,serviceplane:read-only\n", path: "t.csv")

    static func request(_ path: String, authorization: String? = nil) -> HTTPRequest {
        HTTPRequest(method: "GET", path: path, headers: authorization.map { [("authorization", $0)] } ?? [])
    }

    @Test(arguments: [
        ("Bearer admin-token", "admin"),
        ("bearer admin-token", "admin"),
        ("  Bearer view-token  ", "viewer"),
        ("BEARER view-token", "viewer"),
    ])
    func knownTokensAuthenticate(header: String, user: String) throws {
        let authenticator = TokenAuthenticator(tokenFile: Self.file, anonymousHealth: true)
        let found = try authenticator.authenticate(Self.request("/api/v1/pods", authorization: header))
        #expect(found.name == user)
        #expect(found.groups.last == UserInfo.authenticatedGroup)
    }

    @Test(arguments: [
        ("/api/v1/pods", nil as String?),
        ("/api/v1/pods", "Bearer wrong"),
        ("/api/v1/pods", "Basic YWRtaW46YWRtaW4="),
        ("/api/v1/pods", "Bearer"),
        ("/api/v1/pods", "Bearer  admin-token"),  // empty token before the space: no credentials
        ("/healthz", "Bearer wrong"),  // a bad token fails even where anonymous is allowed
        ("/metrics", nil),
        ("/debug/controllers/sync", nil),
        ("/openapi/v3", nil),
    ])
    func missingOrUnknownTokensAreUnauthorized(path: String, header: String?) {
        let authenticator = TokenAuthenticator(tokenFile: Self.file, anonymousHealth: true)
        #expect(throws: TokenAuthenticator.unauthorized) {
            try authenticator.authenticate(Self.request(path, authorization: header))
        }
    }

    @Test(arguments: ["/healthz", "/livez", "/readyz", "/version", "/version/", "/healthz/"])
    func healthIsAnonymousOnlyWithAnonymousHealth(path: String) throws {
        let open = TokenAuthenticator(tokenFile: Self.file, anonymousHealth: true)
        #expect(try open.authenticate(Self.request(path)) == .anonymous)
        let closed = TokenAuthenticator(tokenFile: Self.file, anonymousHealth: false)
        #expect(throws: TokenAuthenticator.unauthorized) { try closed.authenticate(Self.request(path)) }
    }

    @Test func unauthorizedRendersAsKubeAPIServerStatus() {
        let body = String(decoding: TokenAuthenticator.unauthorized.statusObject.serialized(pretty: false), as: UTF8.self)
        #expect(body == #"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}"#)
    }
}
