import CMicroHTTPD
import Dispatch
import Logging
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Protects the server from clients that hold connections without using them, which libmicrohttpd alone does not:
///
/// - **Limits answered, not hung.** At `MHD_OPTION_CONNECTION_LIMIT` libmicrohttpd stops accepting, so extra
///   clients wait in the kernel backlog with no answer. The daemon's own limit is therefore set `overflowSlots`
///   higher, and the connections between the configured limit (or the per-client limit) and that are *refused*:
///   their first request gets 429 with `Retry-After` and the connection closes. Past the overflow slots the
///   accept policy closes new connections at once.
/// - **Deadlines, not just idle timeouts.** libmicrohttpd's connection timeout restarts at every byte, so headers
///   trickled one byte at a time (slowloris) or a body sent at a crawl hold a connection for ever. Each connection
///   gets a deadline per phase: complete headers within `headerTimeout` of connecting (or of the previous
///   response plus `idleTimeout`, on a kept-alive connection), the complete body within `bodyTimeout` of the
///   headers. A sweep once a second `shutdown(2)`s the sockets past their deadline; libmicrohttpd then sees the
///   end of the stream and closes the connection itself.
/// - **Aborted streams closed.** A stream aborted for being too far behind (its client stopped reading) sits on
///   a full socket that libmicrohttpd no longer reads from; the sweep shuts that socket down.
/// - **Departed watchers noticed.** libmicrohttpd does not poll a suspended connection, so a client that leaves
///   an idle watch would be noticed only at the next event written to it. Every few seconds the sweep peeks at
///   each streaming socket (`poll` for POLLRDHUP, without waiting): the peer's FIN or an error aborts the stream.
///
/// Thread-safety: `connections` (the tracked set, the per-client counts, and every `TrackedConnection.stream`) is
/// guarded by its mutex; `open` is atomic. The sweep holds the mutex while it calls `shutdown(2)`/`poll(2)` on a
/// socket, which is what makes that safe: libmicrohttpd sends the CLOSED notification (which takes the mutex)
/// before it closes the socket, so a tracked descriptor cannot be reused under the sweep. Streams are aborted
/// only after the mutex is released (aborting resumes the connection inside libmicrohttpd).
final class ConnectionGuard: Sendable {
    /// The limits and timeouts (a subset of `HTTPServer.Configuration`).
    let limits: Limits
    /// Connections open now (including refused ones).
    let open = Atomic<Int>(0)
    /// Connections refused (answered 429) since the start.
    let refused = Atomic<Int>(0)
    private let connections = Mutex(Tracked())
    private let logger: Logger
    /// The sweep timer, made by `start()`: a dispatch source released without ever being resumed crashes
    /// libdispatch, and a daemon that fails to start never starts its guard. Written once by `start()` before the
    /// daemon serves, read by `stop()` after: `RunningDaemon` calls them in that order from one thread.
    nonisolated(unsafe) private var timer: (any DispatchSourceTimer)?
    private let sweeps = Atomic<Int>(0)

    /// The limits `ConnectionGuard` enforces.
    struct Limits: Sendable {
        var connectionLimit: Int
        var perClientLimit: Int
        var headerTimeout: Int
        var bodyTimeout: Int
        var idleTimeout: Int
        /// Peek at streaming sockets every this many sweeps (seconds).
        var streamCheckInterval = 5
    }

    private struct Tracked: ~Copyable {
        var all: [ObjectIdentifier: TrackedConnection] = [:]
        var perClient: [String: Int] = [:]
    }

    /// Connections accepted beyond `connectionLimit` only to be told 429; beyond these, accept closes at once.
    var overflowSlots: Int { min(256, max(16, limits.connectionLimit / 10)) }
    /// The value for `MHD_OPTION_CONNECTION_LIMIT`: high enough that libmicrohttpd never stops accepting.
    var daemonConnectionLimit: Int { limits.connectionLimit + 2 * overflowSlots }

    init(limits: Limits, logger: Logger) {
        self.limits = limits
        self.logger = logger
    }

    /// Starts the once-a-second sweep.
    func start() {
        let made = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "serviceplane.http.connection-guard"))
        made.schedule(deadline: .now() + 1, repeating: 1.0, leeway: .milliseconds(200))
        made.setEventHandler { [weak self] in self?.sweep() }
        made.resume()
        timer = made
    }

    /// Stops the sweep (before the daemon stops).
    func stop() {
        timer?.cancel()
    }

    /// The accept policy: false once even the overflow slots are taken.
    func admits() -> Bool {
        open.load(ordering: .relaxed) < limits.connectionLimit + overflowSlots
    }

    /// A connection was accepted: tracks it and decides whether it is over a limit.
    func connectionStarted(fd: Int32, client: String) -> TrackedConnection {
        let total = open.add(1, ordering: .relaxed).newValue
        let tracked = connections.withLock { state -> TrackedConnection in
            let fromClient = state.perClient[client, default: 0] + 1
            state.perClient[client] = fromClient
            let refused = total > limits.connectionLimit || (limits.perClientLimit > 0 && fromClient > limits.perClientLimit)
            let connection = TrackedConnection(fd: fd, client: client, refused: refused)
            state.all[ObjectIdentifier(connection)] = connection
            return connection
        }
        if tracked.refused { refused.add(1, ordering: .relaxed) }
        // A refused connection gets a few seconds to send the request it will be refused, not the full timeout.
        tracked.arm(seconds: tracked.refused ? min(max(1, limits.headerTimeout), 5) : limits.headerTimeout)
        return tracked
    }

    /// The connection is closing (its socket is still open): forgets it.
    func connectionClosed(_ connection: TrackedConnection) {
        open.subtract(1, ordering: .relaxed)
        connections.withLock { state in
            state.all.removeValue(forKey: ObjectIdentifier(connection))
            let remaining = state.perClient[connection.client, default: 1] - 1
            state.perClient[connection.client] = remaining > 0 ? remaining : nil
            connection.stream = nil
        }
    }

    /// Request headers are complete: the body must follow within `bodyTimeout`.
    @inline(__always)
    func headersReceived(_ connection: TrackedConnection) {
        connection.arm(seconds: limits.bodyTimeout)
    }

    /// The handler runs (or a stream opens): no deadline until the response is done.
    @inline(__always)
    func handlerStarted(_ connection: TrackedConnection) {
        connection.disarm()
    }

    /// A stream opened on `connection`: the sweep will check that its client is still there.
    func streamOpened(_ stream: HTTPStream, on connection: TrackedConnection) {
        connections.withLock { _ in connection.stream = stream }
    }

    /// A response finished (a stream's too, when `hadStream`); the connection may stay open for the next request.
    func requestCompleted(_ connection: TrackedConnection, hadStream: Bool) {
        if hadStream { connections.withLock { _ in connection.stream = nil } }
        connection.arm(seconds: limits.headerTimeout > 0 ? limits.idleTimeout + limits.headerTimeout : 0)
    }

    /// Closes connections past their deadline and aborts streams whose client has gone.
    func sweep() {
        let now = coarseMonotonicNanoseconds()
        let checkStreams = sweeps.add(1, ordering: .relaxed).newValue % max(1, limits.streamCheckInterval) == 0
        var expired = 0
        var departed: [HTTPStream] = []
        connections.withLock { state in
            for connection in state.all.values {
                let deadline = connection.deadline.load(ordering: .relaxed)
                if deadline != 0 && deadline < now {
                    connection.disarm()
                    shutdown(connection.fd, Int32(SHUT_RDWR))
                    expired += 1
                } else if let stream = connection.stream {
                    if stream.isAborted {
                        // An aborted stream whose socket is full (its client stopped reading) is never read from
                        // again by libmicrohttpd, which would keep the connection until the idle timeout, if any.
                        shutdown(connection.fd, Int32(SHUT_RDWR))
                        expired += 1
                    } else if checkStreams && Self.peerHasLeft(connection.fd) {
                        departed.append(stream)
                    }
                }
            }
        }
        for stream in departed { stream.abort() }
        if expired > 0 || !departed.isEmpty {
            logger.debug(
                "closed stalled connections",
                metadata: ["pastDeadline": "\(expired)", "departedStreams": "\(departed.count)"])
        }
    }

    /// True when the peer has closed its end (or the socket failed). `poll` for POLLRDHUP rather than a peek for
    /// end of file: a TLS client sends a close_notify record before its FIN, and a peek would see that unread
    /// byte, not the FIN behind it, on every sweep.
    private static func peerHasLeft(_ fd: Int32) -> Bool {
        var entry = pollfd(fd: fd, events: Self.peerClosedWriting, revents: 0)
        guard poll(&entry, 1, 0) > 0 else { return false }
        return entry.revents & (Self.peerClosedWriting | Int16(POLLHUP) | Int16(POLLERR) | Int16(POLLNVAL)) != 0
    }

    /// Linux's POLLRDHUP (0x2000; the Glibc module does not export it without _GNU_SOURCE).
    private static let peerClosedWriting: Int16 = 0x2000

    /// The part of a peer address the per-client limit counts: the IP, without the port.
    static func clientKey(_ address: UnsafePointer<sockaddr>?) -> String {
        switch PeerAddress(address) {
        case .ipv4(let address, _):
            return String(address)
        case .text(let text):
            guard let colon = text.lastIndex(of: ":") else { return text }
            return String(text[..<colon])
        }
    }
}
