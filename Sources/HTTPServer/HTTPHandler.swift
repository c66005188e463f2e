/// Answers requests for an `HTTPServer`.
///
/// `handle` is called synchronously on one of the server's libmicrohttpd pool threads, once per request,
/// with the complete body. It must not block for long: every blocked call holds one of the few pool threads.
/// Long-lived answers (watches) return `.stream` and write to the `HTTPStream` from elsewhere.
public protocol HTTPHandler: Sendable {
    /// Produces the reply for one request.
    func handle(_ request: HTTPRequest) -> HTTPReply
}
