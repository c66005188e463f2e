import CMicroHTTPD

/// The address of a libmicrohttpd connection, passed between threads only to resume it.
///
/// `@unchecked Sendable`: it is an opaque address that Swift never dereferences; the only call made on it from
/// another thread is `MHD_resume_connection`, which libmicrohttpd documents as thread-safe, and the owning
/// `HTTPStream` stops handing it out (under its lock) once the connection has completed.
struct MHDConnection: @unchecked Sendable {
    /// The `struct MHD_Connection *`.
    let pointer: OpaquePointer
}

/// The state machine of one `HTTPStream`: queued chunks, whether the connection is suspended, how it ends.
///
/// Not thread-safe; `HTTPStream` keeps it in a `Mutex`. Mutating methods return what the caller must do after
/// leaving the lock (resume the connection, suspend it, run close callbacks), so no call leaves under the lock.
struct StreamState {
    /// Where the stream is in its life.
    enum Phase {
        /// Accepting writes.
        case open
        /// `finish()` was called: send what is queued, then the chunked terminator.
        case finishing
        /// Nothing more will be sent: the terminator went out, or the stream was aborted.
        case ended
    }

    /// What the content-reader callback must do.
    enum ReadAction {
        /// Send this many bytes now (they were copied into MHD's buffer).
        case bytes(Int)
        /// Send the chunked terminator and complete the response.
        case endOfStream
        /// Close the connection without a terminator (aborted stream).
        case abort
        /// Nothing to send yet: suspend this connection and return 0.
        case suspend(MHDConnection)
    }

    private(set) var phase = Phase.open
    private(set) var aborted = false
    private var chunks: [[UInt8]] = []
    private var head = 0
    private var headOffset = 0
    private(set) var bufferedBytes = 0
    private var connection: MHDConnection?
    private var suspended = false
    private var connectionEnded = false
    private var closeCallbacks: [@Sendable () -> Void] = []

    /// Queues `bytes`; returns whether they were accepted and a connection to resume if it was waiting.
    /// Exceeding `limit` buffered bytes aborts the stream instead.
    mutating func append(_ bytes: [UInt8], limit: Int) -> (accepted: Bool, wake: MHDConnection?) {
        guard phase == .open else { return (false, nil) }
        if bufferedBytes + bytes.count > limit {
            return (false, abort())
        }
        if bytes.isEmpty { return (true, nil) }
        chunks.append(bytes)
        bufferedBytes += bytes.count
        return (true, takeWake())
    }

    /// Moves to `.finishing`; returns a connection to resume if it was waiting.
    mutating func finish() -> MHDConnection? {
        guard phase == .open else { return nil }
        phase = .finishing
        return takeWake()
    }

    /// Drops queued data and ends the stream with an error; returns a connection to resume if it was waiting.
    mutating func abort() -> MHDConnection? {
        guard phase != .ended else { return nil }
        phase = .ended
        aborted = true
        chunks = []
        head = 0
        headOffset = 0
        bufferedBytes = 0
        return takeWake()
    }

    /// Records the connection the stream is sent on (once, when the server queues the response).
    mutating func attach(_ connection: MHDConnection) {
        if !connectionEnded { self.connection = connection }
    }

    /// Fills `buffer` from the queue, or says how the response ends, or asks to suspend until woken.
    mutating func read(into buffer: UnsafeMutableRawBufferPointer) -> ReadAction {
        if aborted { return .abort }
        var written = 0
        while written < buffer.count && head < chunks.count {
            let chunk = chunks[head]
            let take = min(chunk.count - headOffset, buffer.count - written)
            chunk.withUnsafeBytes { source in
                let from = UnsafeRawBufferPointer(rebasing: source[headOffset..<(headOffset + take)])
                UnsafeMutableRawBufferPointer(rebasing: buffer[written..<(written + take)]).copyMemory(from: from)
            }
            written += take
            headOffset += take
            if headOffset == chunk.count {
                head += 1
                headOffset = 0
            }
        }
        if written > 0 {
            bufferedBytes -= written
            compactQueue()
            return .bytes(written)
        }
        switch phase {
        case .open:
            guard let connection else { return .abort }
            suspended = true
            return .suspend(connection)
        case .finishing:
            phase = .ended
            return .endOfStream
        case .ended:
            return .endOfStream
        }
    }

    /// The connection completed (terminator sent, client gone, or daemon stopped): forget it, end the stream,
    /// and hand back the close callbacks to run, each exactly once.
    mutating func connectionDidEnd() -> [@Sendable () -> Void] {
        connectionEnded = true
        connection = nil
        suspended = false
        if phase != .ended {
            phase = .ended
            aborted = true
        }
        chunks = []
        head = 0
        headOffset = 0
        bufferedBytes = 0
        let callbacks = closeCallbacks
        closeCallbacks = []
        return callbacks
    }

    /// Registers a close callback; returns false (caller runs it now) when the connection already ended.
    mutating func addCloseCallback(_ callback: @escaping @Sendable () -> Void) -> Bool {
        guard !connectionEnded else { return false }
        closeCallbacks.append(callback)
        return true
    }

    /// If the connection is suspended, clears the flag and returns it so the caller resumes it exactly once.
    /// A wake while not suspended needs no memory beyond the queue/phase itself: the reader checks both
    /// before it suspends, under the same lock.
    private mutating func takeWake() -> MHDConnection? {
        guard suspended, let connection else { return nil }
        suspended = false
        return connection
    }

    /// Drops sent chunks so the queue does not grow without bound on a long-lived stream.
    private mutating func compactQueue() {
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: chunks.capacity <= 64)
            head = 0
        } else if head >= 32 && head * 2 >= chunks.count {
            chunks.removeFirst(head)
            head = 0
        }
    }
}
