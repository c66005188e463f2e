/// A complete, buffered HTTP response.
///
/// The server adds `Content-Length` and `Date` itself; `Content-Length` and `Transfer-Encoding` headers set
/// here are ignored because libmicrohttpd frames the body.
public struct HTTPResponse: Sendable {
    /// The status code, e.g. 200.
    public var status: Int
    /// Response headers in the order they are sent.
    public var headers: [(name: String, value: String)]
    /// The response body.
    public var body: [UInt8]

    /// Creates a response.
    public init(status: Int, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}
