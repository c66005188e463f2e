import CMicroHTTPD
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An HTTP/1.1 server on libmicrohttpd: a small pool of epoll worker threads runs the handler synchronously,
/// keeps connections alive, and parks streaming responses (watches) as suspended connections holding no thread.
///
/// `@unchecked Sendable`: the mutable lifecycle (`Lifecycle`, holding the daemon pointer) lives in the
/// `lifecycle` Mutex; everything else is immutable. libmicrohttpd is never called while that lock is held.
public final class HTTPServer: @unchecked Sendable {
    /// The configuration the server was created with.
    public let configuration: Configuration
    private let handler: any HTTPHandler
    private let logger: Logger
    private let lifecycle = Mutex(Lifecycle.idle)

    /// Creates a server; nothing listens until `start()`.
    public init(configuration: Configuration, handler: any HTTPHandler, logger: Logger = Logger(label: "HTTPServer")) {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
    }

    deinit {
        shutdown(timeout: 0)
    }

    /// Binds and starts the worker threads; returns the bound port (the chosen one when configured with 0).
    /// Throws `HTTPServerError` if the address is invalid, the port is taken, or the server was started before.
    public func start() throws -> UInt16 {
        let claimed = lifecycle.withLock { state -> Bool in
            guard case .idle = state else { return false }
            state = .starting
            return true
        }
        guard claimed else { throw HTTPServerError("HTTPServer.start() called twice") }
        do {
            let daemon = try RunningDaemon.start(configuration: configuration, handler: handler, logger: logger)
            lifecycle.withLock { $0 = .running(daemon) }
            logger.info(
                "HTTP server listening",
                metadata: ["address": "\(configuration.bindAddress)", "port": "\(daemon.port)"])
            return daemon.port
        } catch {
            lifecycle.withLock { $0 = .idle }
            throw error
        }
    }

    /// Stops gracefully: refuses new connections (they are closed as soon as accepted), finishes every open
    /// `HTTPStream` (its terminator is sent), answers requests still arriving on open connections with
    /// `Connection: close`, waits up to `timeout` seconds for requests in flight to complete, then stops the
    /// daemon, closing whatever is left. Idempotent; must not be called from inside a handler (it waits for the
    /// pool threads).
    public func shutdown(timeout: Double = 5) {
        let taken = lifecycle.withLock { state -> RunningDaemon? in
            guard case .running(let daemon) = state else { return nil }
            state = .stopped
            return daemon
        }
        guard let daemon = taken else { return }
        daemon.dispatcher.beginShutdown()
        let deadline = ContinuousClock.now.advanced(by: .milliseconds(Int64(max(0, timeout) * 1000)))
        while daemon.dispatcher.requestsInFlight.total > 0 && ContinuousClock.now < deadline {
            usleep(2_000)
        }
        let abandoned = daemon.dispatcher.requestsInFlight.total
        daemon.stop()
        logger.info("HTTP server stopped", metadata: ["abandonedRequests": "\(abandoned)"])
    }

    /// Runs `body` with the running daemon, or returns nil when the server is not running.
    func withRunningDaemon<Result>(_ body: (RunningDaemon) -> Result) -> Result? {
        let daemon = lifecycle.withLock { state -> RunningDaemon? in
            guard case .running(let daemon) = state else { return nil }
            return daemon
        }
        return daemon.map(body)
    }

    /// Where the server is in its life.
    private enum Lifecycle {
        case idle
        case starting
        case running(RunningDaemon)
        case stopped
    }
}
