/// What a handler answers with: a buffered response or a chunked stream that stays open.
public enum HTTPReply: Sendable {
    /// Send this response now.
    case buffered(HTTPResponse)
    /// Send the status and headers now, then every chunk written to the stream until it finishes.
    /// The connection holds no thread while the stream has nothing to send.
    case stream(status: Int, headers: [(name: String, value: String)], HTTPStream)
}
