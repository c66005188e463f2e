/// One complete HTTP request as a handler sees it: method, decoded path and query, headers and the whole body.
///
/// The server builds it on a libmicrohttpd pool thread once the body has been received (or refused as too
/// large), so handlers never deal with partial uploads.
public struct HTTPRequest: Sendable {
    /// The request method exactly as sent ("GET", "POST", or any other token — unknown methods reach the handler).
    public let method: String
    /// The percent-decoded path without the query, e.g. "/api/v1/namespaces/default/pods".
    public let path: String
    /// Query parameters decoded from the raw request target as `application/x-www-form-urlencoded`
    /// ('+' is a space, `%XX` is a byte); order and repeated names are kept.
    public let query: [(name: String, value: String)]
    /// Request headers in arrival order; names are lower-cased, values are as sent.
    public let headers: [(name: String, value: String)]
    /// The request body; empty when there was none or when `bodyTooLarge` is true.
    public let body: [UInt8]
    /// True when the declared or received body exceeded `HTTPServer.Configuration.maxBodyBytes`.
    /// The body was then not buffered and `body` is empty; handlers usually answer 413.
    public let bodyTooLarge: Bool
    /// The peer as "ip:port" ("[ip]:port" for IPv6), or "" when unknown. Formatted on first use of each copy.
    public var remoteAddress: String { peer.description }
    private let peer: PeerAddress

    /// Creates a request; the server does this, tests and in-process callers may too.
    public init(
        method: String,
        path: String,
        query: [(name: String, value: String)] = [],
        headers: [(name: String, value: String)] = [],
        body: [UInt8] = [],
        bodyTooLarge: Bool = false,
        remoteAddress: String = ""
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.bodyTooLarge = bodyTooLarge
        self.peer = .text(remoteAddress)
    }

    /// Creates a request as the server does, keeping the peer address unformatted.
    init(
        method: String, path: String, query: [(name: String, value: String)],
        headers: [(name: String, value: String)], body: [UInt8], bodyTooLarge: Bool, peer: PeerAddress
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.bodyTooLarge = bodyTooLarge
        self.peer = peer
    }

    /// The value of the first header called `name` (compared case-insensitively), or nil.
    public func header(_ name: String) -> String? {
        for header in headers where asciiCaseInsensitiveEquals(header.name, name) {
            return header.value
        }
        return nil
    }

    /// The value of the first query parameter called `name` (exact match), or nil.
    public func queryValue(_ name: String) -> String? {
        for parameter in query where parameter.name == name {
            return parameter.value
        }
        return nil
    }
}

/// Compares two strings ignoring ASCII case, without allocating (header names are ASCII tokens).
func asciiCaseInsensitiveEquals(_ lhs: String, _ rhs: String) -> Bool {
    var left = lhs.utf8.makeIterator()
    var right = rhs.utf8.makeIterator()
    while true {
        switch (left.next(), right.next()) {
        case (nil, nil):
            return true
        case (let l?, let r?):
            if l == r { continue }
            if asciiLowercased(l) != asciiLowercased(r) { return false }
        default:
            return false
        }
    }
}

/// The ASCII lower-case form of one byte; other bytes are returned unchanged.
func asciiLowercased(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
}
