import HTTPServer
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A handler made of a closure, so each test states its behaviour inline.
struct ClosureHandler: HTTPHandler {
    let body: @Sendable (HTTPRequest) -> HTTPReply

    init(_ body: @escaping @Sendable (HTTPRequest) -> HTTPReply) {
        self.body = body
    }

    func handle(_ request: HTTPRequest) -> HTTPReply {
        body(request)
    }
}

/// Thread-safe storage for values the server threads hand to the test (requests seen, streams opened).
final class Collected<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])

    /// Appends a value.
    func append(_ value: Value) {
        values.withLock { $0.append(value) }
    }

    /// Everything collected so far.
    var all: [Value] {
        values.withLock { $0 }
    }

    /// Waits up to `seconds` until at least `count` values were collected; returns them.
    func wait(for count: Int, seconds: Double = 5) -> [Value] {
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
        while all.count < count && ContinuousClock.now < deadline { usleep(2_000) }
        return all
    }
}

/// A plain-text buffered reply.
func textReply(_ status: Int, _ text: String) -> HTTPReply {
    .buffered(
        HTTPResponse(status: status, headers: [(name: "Content-Type", value: "text/plain")], body: Array(text.utf8)))
}

/// Starts a server on 127.0.0.1 port 0, runs `body` with its port, and shuts it down.
func withServer<Result>(
    _ configuration: HTTPServer.Configuration = .init(port: 0),
    handler: @escaping @Sendable (HTTPRequest) -> HTTPReply,
    _ body: (HTTPServer, UInt16) throws -> Result
) throws -> Result {
    var configuration = configuration
    configuration.port = 0
    var logger = Logger(label: "HTTPServerTests")
    logger.logLevel = .warning
    let server = HTTPServer(configuration: configuration, handler: ClosureHandler(handler), logger: logger)
    let port = try server.start()
    defer { server.shutdown(timeout: 2) }
    return try body(server, port)
}

/// Polls `condition` every 5 ms for up to `seconds`; returns whether it became true.
func eventually(seconds: Double = 5, _ condition: () -> Bool) -> Bool {
    let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(seconds * 1000)))
    while ContinuousClock.now < deadline {
        if condition() { return true }
        usleep(5_000)
    }
    return condition()
}
