import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What `ConnectionGuard` knows about one open TCP connection: its socket, its client, whether it is over a
/// connection limit, the moment by which it must make progress, and the stream it is serving, if any.
///
/// Created by the connection-notify callback (STARTED) and kept as libmicrohttpd's socket context until the
/// CLOSED notification. `@unchecked Sendable`: `fd`, `client` and `refused` are immutable; `deadline` is atomic;
/// `stream` is guarded by `ConnectionGuard`'s lock (it is written under it and read under it).
final class TrackedConnection: @unchecked Sendable {
    /// The connection's socket. Valid until the CLOSED notification, which libmicrohttpd sends before close(2).
    let fd: Int32
    /// The client's address without the port ("" when unknown): what the per-client limit counts.
    let client: String
    /// True when the connection was accepted over a limit: its first request is answered 429 and it closes.
    let refused: Bool
    /// Monotonic nanoseconds (`coarseMonotonicNanoseconds`) by which the current phase must end; 0 = none.
    let deadline = Atomic<Int64>(0)
    /// The watch (or other stream) this connection is serving; set while the stream is open.
    var stream: HTTPStream?

    init(fd: Int32, client: String, refused: Bool) {
        self.fd = fd
        self.client = client
        self.refused = refused
    }

    /// Arms the deadline `seconds` from now; 0 or less disarms it.
    @inline(__always)
    func arm(seconds: Int) {
        deadline.store(seconds > 0 ? coarseMonotonicNanoseconds() + Int64(seconds) * 1_000_000_000 : 0,
                       ordering: .relaxed)
    }

    /// No deadline while the handler runs or a stream is open.
    @inline(__always)
    func disarm() {
        deadline.store(0, ordering: .relaxed)
    }
}

/// A monotonic clock with a few milliseconds' resolution, cheap enough to read on every request
/// (CLOCK_MONOTONIC_COARSE is read from the vDSO without a syscall).
@inline(__always)
func coarseMonotonicNanoseconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
    return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
}
