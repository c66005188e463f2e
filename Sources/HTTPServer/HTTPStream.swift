import CMicroHTTPD
import Synchronization

/// A chunked streaming response body (a Kubernetes watch): chunks written from any thread are sent in order.
///
/// While nothing is queued the connection is suspended in libmicrohttpd, so an idle stream holds no thread;
/// `write` and `finish` resume it. A slow reader cannot grow memory without bound: once more than
/// `maxBufferedBytes` are waiting, the stream is aborted (the connection closes without a terminator).
///
/// Disconnects: libmicrohttpd does not watch a suspended connection, so a client that goes away while the
/// stream is idle would be noticed only at the next `write`; `ConnectionGuard` peeks at every streaming socket
/// every few seconds and aborts the streams whose client has gone.
///
/// `@unchecked Sendable`: all mutable state is the `StreamState` inside `state`, a `Mutex`; `maxBufferedBytes`
/// is immutable. libmicrohttpd is only called (resume, suspend) and callbacks only run after the lock is left.
public final class HTTPStream: @unchecked Sendable {
    /// The most bytes that may wait to be sent before the stream is aborted.
    public let maxBufferedBytes: Int
    private let state = Mutex(StreamState())

    /// Creates an open stream that buffers at most `maxBufferedBytes` unsent bytes.
    public init(maxBufferedBytes: Int = 8 << 20) {
        self.maxBufferedBytes = maxBufferedBytes
    }

    /// Queues one chunk and wakes the connection. Returns false if the stream is closed, or if the chunk would
    /// exceed `maxBufferedBytes` (the stream is then aborted). An empty chunk is accepted and sends nothing.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        let limit = maxBufferedBytes
        let (accepted, wake) = state.withLock { $0.append(bytes, limit: limit) }
        if let wake { MHD_resume_connection(wake.pointer) }
        return accepted
    }

    /// Ends the stream cleanly: queued chunks are sent, then the chunked terminator. Later writes return false.
    public func finish() {
        let wake = state.withLock { $0.finish() }
        if let wake { MHD_resume_connection(wake.pointer) }
    }

    /// True once the stream accepts no more writes (finished, aborted, client gone or server shut down).
    public var isClosed: Bool {
        state.withLock { $0.phase != .open }
    }

    /// True once the stream was aborted (too far behind, or its client gone).
    var isAborted: Bool {
        state.withLock { $0.aborted }
    }

    /// The number of bytes queued and not yet handed to the connection.
    public var bufferedBytes: Int {
        state.withLock { $0.bufferedBytes }
    }

    /// Registers `callback` to run exactly once when the stream's connection ends for any reason: terminator
    /// sent after `finish()`, abort, client gone, or server shutdown. It runs on a server thread; if the
    /// stream has already ended it runs immediately on the caller's thread.
    public func onClose(_ callback: @escaping @Sendable () -> Void) {
        let registered = state.withLock { $0.addCloseCallback(callback) }
        if !registered { callback() }
    }

    /// Aborts the stream: drops queued data and closes the connection without a terminator.
    func abort() {
        let wake = state.withLock { $0.abort() }
        if let wake { MHD_resume_connection(wake.pointer) }
    }

    /// Binds the stream to the connection its response is queued on.
    func attach(_ connection: MHDConnection) {
        state.withLock { $0.attach(connection) }
    }

    /// Serves libmicrohttpd's content-reader callback: fills `buffer` or decides how to end or wait.
    /// Suspending happens here, after the lock; a resume racing ahead of it is absorbed by libmicrohttpd
    /// (`MHD_suspend_connection` returns at once when a resume is already pending).
    func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        switch state.withLock({ $0.read(into: buffer) }) {
        case .bytes(let count):
            return count
        case .endOfStream:
            return streamEndOfStream
        case .abort:
            return streamEndWithError
        case .suspend(let connection):
            MHD_suspend_connection(connection.pointer)
            return 0
        }
    }

    /// Called from the request-completed callback: the connection is gone; runs the close callbacks.
    func connectionDidEnd() {
        let callbacks = state.withLock { $0.connectionDidEnd() }
        for callback in callbacks { callback() }
    }
}

/// `MHD_CONTENT_READER_END_OF_STREAM` (a macro Swift does not import because of its cast).
let streamEndOfStream = -1
/// `MHD_CONTENT_READER_END_WITH_ERROR`.
let streamEndWithError = -2
