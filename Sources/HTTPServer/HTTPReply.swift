/// What a handler answers with: a buffered response or a chunked stream that stays open.
public enum HTTPReply: Sendable {
    /// Send this response now.
    case buffered(HTTPResponse)
    /// Send the status and headers now, then every chunk written to the stream until it finishes.
    /// The connection holds no thread while the stream has nothing to send.
    case stream(status: Int, headers: [(name: String, value: String)], HTTPStream)
}

extension HTTPReply {
    /// The status code sent (for a stream, the one its headers went out with).
    public var status: Int {
        switch self {
        case .buffered(let response): return response.status
        case .stream(let status, _, _): return status
        }
    }
}
