import HTTPServer
import KubeAPI

/// Bearer-token authentication against a `StaticTokenFile` (`--token-auth-file`), plus the anonymous
/// exceptions: kube-apiserver's bearer-token authenticator (`authentication/request/bearertoken`) in front of
/// the token-file authenticator, with anonymous requests allowed only to the health and version endpoints.
public struct TokenAuthenticator: Sendable {
    /// Token to user; a later record with the same token wins, as upstream's map does.
    private let users: [String: UserInfo]
    /// Whether `/healthz`, `/livez`, `/readyz` and `/version` answer requests without credentials
    /// (kube-apiserver's `system:public-info-viewer` role for `system:unauthenticated`).
    public let anonymousHealth: Bool

    public init(tokenFile: StaticTokenFile, anonymousHealth: Bool) {
        var users: [String: UserInfo] = [:]
        for entry in tokenFile.entries {
            var user = entry.user
            if !user.groups.contains(UserInfo.authenticatedGroup) { user.groups.append(UserInfo.authenticatedGroup) }
            users[entry.token] = user
        }
        self.users = users
        self.anonymousHealth = anonymousHealth
    }

    /// The 401 kube-apiserver sends when authentication fails (`filters.Unauthorized`).
    public static let unauthorized = StatusError(code: 401, reason: "Unauthorized", message: "Unauthorized")

    /// Paths anonymous requests may reach with `anonymousHealth`.
    static let publicPaths: Set<String> = ["/healthz", "/livez", "/readyz", "/version"]

    /// Who sent `request`, or a 401. A token that is not in the file is a 401 even on the health endpoints
    /// (upstream fails on an authenticator error before trying anonymous); a request without a bearer token is
    /// anonymous, admitted only to the public paths.
    public func authenticate(_ request: HTTPRequest) throws(StatusError) -> UserInfo {
        if let token = Self.bearerToken(request.header("authorization")) {
            guard let user = users[token] else { throw Self.unauthorized }
            return user
        }
        guard anonymousHealth, Self.publicPaths.contains(request.pathWithoutTrailingSlash) else {
            throw Self.unauthorized
        }
        return .anonymous
    }

    /// The token of an `Authorization: Bearer <token>` header: the scheme is case-insensitive, surrounding
    /// whitespace is trimmed, and a header that is not a non-empty bearer token counts as no credentials.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let trimmed = header.trimmingASCIIWhitespace()
        let parts = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count >= 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else { return nil }
        return String(parts[1])
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs, CR and LF (Go's `strings.TrimSpace` for ASCII).
    func trimmingASCIIWhitespace() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || (0x09...0x0D).contains($0) }  // space, \t \n \v \f \r
        let bytes = Array(utf8)
        guard let first = bytes.firstIndex(where: { !isSpace($0) }), let last = bytes.lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(decoding: bytes[first...last], as: UTF8.self)
    }
}
