import CMicroHTTPD
import Logging
import Synchronization

/// The per-daemon state libmicrohttpd's callbacks reach through their context pointer: the handler, limits,
/// the open streams (so shutdown can finish them) and the number of requests in flight.
///
/// Thread-safe: immutable configuration plus `Mutex`/`Atomic` fields, shared by all pool threads.
final class ConnectionDispatcher: Sendable {
    /// Answers requests.
    let handler: any HTTPHandler
    /// Bodies larger than this are not buffered.
    let maxBodyBytes: Int
    /// Receives libmicrohttpd diagnostics and handler mistakes (never per-request logging).
    let logger: Logger
    /// Connection limits, per-phase deadlines and departed-watcher detection.
    let connectionGuard: ConnectionGuard
    /// The answer to a request on a connection over a limit (429 with `Retry-After`, then close).
    let refusal: HTTPResponse
    /// Requests between the URI-log and request-completed callbacks (includes open streams).
    let requestsInFlight = StripedCounter()
    /// Set when shutdown starts: new connections are refused, new streams are finished at once, responses say
    /// `Connection: close`.
    let shuttingDown = Atomic<Bool>(false)
    /// Streams whose connection has not completed yet, by identity.
    private let streams = Mutex<[ObjectIdentifier: HTTPStream]>([:])
    /// The last libmicrohttpd diagnostic, quoted when the daemon fails to start.
    private let lastDiagnostic = Mutex<String?>(nil)

    /// Creates a dispatcher for one daemon.
    init(handler: any HTTPHandler, maxBodyBytes: Int, connectionGuard: ConnectionGuard, refusal: HTTPResponse,
         logger: Logger) {
        self.handler = handler
        self.maxBodyBytes = maxBodyBytes
        self.connectionGuard = connectionGuard
        self.refusal = refusal
        self.logger = logger
    }

    /// Handles one access-handler call: collects headers on the first call, accumulates upload data on the
    /// following ones, and runs the handler once the body is complete — or at once when the declared body is
    /// too large (libmicrohttpd then skips the body and closes the connection after replying).
    func serve(
        connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>,
        upload: UnsafePointer<CChar>?, uploadSize: UnsafeMutablePointer<Int>, context: RequestContext
    ) -> MHD_Result {
        if !context.headersRead {
            context.headersRead = true
            if let tracked = context.connection {
                // Over a limit: answer at once; libmicrohttpd closes a connection answered before its body.
                if tracked.refused { return queue(refusal, on: connection) }
                connectionGuard.headersReceived(tracked)
            }
            collectHeaders(connection: connection, into: context)
            if let declared = context.declaredLength, declared > maxBodyBytes {
                context.bodyTooLarge = true
                return respond(connection: connection, url: url, method: method, context: context)
            }
            // Answering now would make libmicrohttpd 0.9.75 close the connection (it treats any reply queued
            // before the body phase as "early"), so even body-less requests are answered on the next call.
            if let declared = context.declaredLength, declared > 0 {
                context.body.reserveCapacity(min(declared, 1 << 20))  // trickled uploads must not pin memory
            }
            return .YES
        }
        if uploadSize.pointee > 0 {
            context.receive(UnsafeRawBufferPointer(start: upload, count: uploadSize.pointee), limit: maxBodyBytes)
            uploadSize.pointee = 0
            return .YES
        }
        return respond(connection: connection, url: url, method: method, context: context)
    }

    /// Builds the `HTTPRequest`, runs the handler and queues its reply.
    private func respond(
        connection: OpaquePointer, url: UnsafePointer<CChar>, method: UnsafePointer<CChar>, context: RequestContext
    ) -> MHD_Result {
        let request = HTTPRequest(
            method: String(cString: method),
            path: context.decodedPath ?? String(cString: url),
            query: context.query,
            headers: context.headers,
            body: context.body,
            bodyTooLarge: context.bodyTooLarge,
            peer: PeerAddress(sp_mhd_client_address(connection))
        )
        context.body = []
        if let tracked = context.connection { connectionGuard.handlerStarted(tracked) }
        switch handler.handle(request) {
        case .buffered(let response):
            return queue(response, on: connection)
        case .stream(let status, let headers, let stream):
            context.stream = stream
            if let tracked = context.connection { connectionGuard.streamOpened(stream, on: tracked) }
            return queue(stream, status: status, headers: headers, on: connection)
        }
    }

    /// Queues a buffered response. Small bodies are copied by libmicrohttpd; large ones are sent from the
    /// array's own storage, which the response keeps alive (a 1 MB copy per request cost ~40% more CPU).
    private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
        let created: OpaquePointer?
        if response.body.count >= zeroCopyBodyBytes {
            created = ResponseBody.makeResponse(response.body)
        } else {
            created = response.body.withUnsafeBytes { bytes in
                MHD_create_response_from_buffer(
                    bytes.count, UnsafeMutableRawPointer(mutating: bytes.baseAddress), .RESPMEM_MUST_COPY)
            }
        }
        guard let mhdResponse = created else {
            logger.error("libmicrohttpd could not create a response", metadata: ["bytes": "\(response.body.count)"])
            return .NO
        }
        defer { MHD_destroy_response(mhdResponse) }
        return finishQueueing(mhdResponse, status: response.status, headers: response.headers, on: connection)
    }

    /// Queues a chunked response read from `stream`; the response holds a strong reference to the stream
    /// until libmicrohttpd frees it.
    private func queue(
        _ stream: HTTPStream, status: Int, headers: [(name: String, value: String)], on connection: OpaquePointer
    ) -> MHD_Result {
        stream.attach(MHDConnection(pointer: connection))
        let retained = Unmanaged.passRetained(stream)  // released in mhdStreamResponseFreed
        guard
            let mhdResponse = MHD_create_response_from_callback(
                UInt64.max, streamBlockSize, mhdStreamRead, retained.toOpaque(), mhdStreamResponseFreed)
        else {
            retained.release()
            logger.error("libmicrohttpd could not create a stream response")
            stream.abort()
            return .NO
        }
        defer { MHD_destroy_response(mhdResponse) }
        register(stream)
        return finishQueueing(mhdResponse, status: status, headers: headers, on: connection)
    }

    /// Adds headers and queues `mhdResponse`; the caller destroys its own reference afterwards.
    private func finishQueueing(
        _ mhdResponse: OpaquePointer, status: Int, headers: [(name: String, value: String)],
        on connection: OpaquePointer
    ) -> MHD_Result {
        for header in headers where !Self.isFramingHeader(header.name) {
            let added = header.name.withCString { name in
                header.value.withCString { value in MHD_add_response_header(mhdResponse, name, value) }
            }
            if added != .YES {
                logger.warning("dropped an invalid response header", metadata: ["header": "\(header.name)"])
            }
        }
        if shuttingDown.load(ordering: .relaxed) {
            _ = MHD_add_response_header(mhdResponse, "Connection", "close")
        }
        guard status >= 100 && status <= 999,
            MHD_queue_response(connection, UInt32(status), mhdResponse) == .YES
        else {
            logger.error("libmicrohttpd refused a response", metadata: ["status": "\(status)"])
            return .NO
        }
        return .YES
    }

    /// The request is over (its completion callback ran): forget its stream and tell the stream.
    func requestDidEnd(_ context: RequestContext) {
        requestsInFlight.add(-1)
        if let tracked = context.connection {
            connectionGuard.requestCompleted(tracked, hadStream: context.stream != nil)
        }
        guard let stream = context.stream else { return }
        context.stream = nil
        _ = streams.withLock { $0.removeValue(forKey: ObjectIdentifier(stream)) }
        stream.connectionDidEnd()
    }

    /// Tracks an open stream; during shutdown it is finished at once instead.
    private func register(_ stream: HTTPStream) {
        streams.withLock { $0[ObjectIdentifier(stream)] = stream }
        if shuttingDown.load(ordering: .acquiring) { stream.finish() }
    }

    /// Starts shutdown: marks it and finishes every open stream (each sends its terminator once drained).
    func beginShutdown() {
        shuttingDown.store(true, ordering: .releasing)
        let open = streams.withLock { Array($0.values) }
        for stream in open { stream.finish() }
    }

    /// Records one libmicrohttpd diagnostic line. Routine ones (a client went away mid-response) are debug
    /// level; resource exhaustion (connection limit, accept or thread failures) is a warning.
    func diagnose(_ line: String) {
        lastDiagnostic.withLock { $0 = line }
        let serious = ["connection limit", "accept", "thread", "bind", "listen", "epoll"]
        let lowered = line.lowercased()
        let level: Logger.Level = serious.contains { lowered.contains($0) } ? .warning : .debug
        logger.log(level: level, "libmicrohttpd diagnostic", metadata: ["detail": "\(line)"])
    }

    /// The most recent libmicrohttpd diagnostic, if any.
    var latestDiagnostic: String? {
        lastDiagnostic.withLock { $0 }
    }

    /// Reads the client headers of `connection` into `context`.
    private func collectHeaders(connection: OpaquePointer, into context: RequestContext) {
        let cls = Unmanaged.passUnretained(context).toOpaque()
        _ = MHD_get_connection_values_n(connection, .HEADER_KIND, mhdCollectHeader, cls)
    }

    /// Headers libmicrohttpd sets itself from the body it sends.
    private static func isFramingHeader(_ name: String) -> Bool {
        switch name.utf8.count {
        case 14: return asciiCaseInsensitiveEquals(name, "content-length")
        case 17: return asciiCaseInsensitiveEquals(name, "transfer-encoding")
        default: return false
        }
    }
}

/// Bodies at least this large are sent without copying (`ResponseBody`).
let zeroCopyBodyBytes = 32 * 1024

/// The block size libmicrohttpd allocates for each stream response.
let streamBlockSize = 16 * 1024
