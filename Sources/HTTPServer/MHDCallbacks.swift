import CMicroHTTPD
import Logging

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The C callbacks handed to libmicrohttpd. They capture nothing: each recovers its Swift object from the
// context pointer it is given (the daemon's `ConnectionDispatcher`, a request's `RequestContext`, or a
// response's `HTTPStream`). Retains and releases are paired here:
//   RequestContext: passRetained in mhdRequestStarted  <-> release in mhdRequestCompleted
//   HTTPStream:     passRetained in ConnectionDispatcher.queue(_:status:headers:on:) <-> mhdStreamResponseFreed
//   ResponseBody:   passRetained in ResponseBody.makeResponse <-> mhdResponseBodyFreed
//   TrackedConnection: passRetained in mhdConnectionNotify(STARTED) <-> release in mhdConnectionNotify(CLOSED)
// (The dispatcher itself is retained by HTTPServer.start and released after MHD_stop_daemon.)

/// Runs `body` with the daemon's dispatcher without retaining it: the dispatcher is shared by every pool
/// thread, and a retain/release pair per callback made its reference count bounce between CPU cores.
/// Safe because `RunningDaemon` keeps it retained until `MHD_stop_daemon` has returned.
@inline(__always)
private func withDispatcher<Result>(_ cls: UnsafeMutableRawPointer, _ body: (ConnectionDispatcher) -> Result) -> Result
{
    Unmanaged<ConnectionDispatcher>.fromOpaque(cls)._withUnsafeGuaranteedRef(body)
}

/// MHD_OPTION_URI_LOG_CALLBACK: a request line arrived. Creates the request's context and decodes the query
/// from the raw target, before libmicrohttpd unescapes its copy in place.
func mhdRequestStarted(
    cls: UnsafeMutableRawPointer?, uri: UnsafePointer<CChar>?, connection: OpaquePointer?
) -> UnsafeMutableRawPointer? {
    guard let cls else { return nil }
    let context = RequestContext()
    if let connection, let tracked = sp_mhd_socket_context(connection) {
        context.connection = Unmanaged<TrackedConnection>.fromOpaque(tracked).takeUnretainedValue()
    }
    if let uri {
        let question = strchr(uri, Int32(UInt8(ascii: "?")))
        if let question {
            let query = UnsafePointer(question) + 1
            context.query = FormURLDecoding.parameters(UnsafeRawBufferPointer(start: query, count: strlen(query)))
        }
        let pathLength = question.map { UnsafePointer($0) - uri } ?? strlen(uri)
        let path = UnsafeRawBufferPointer(start: uri, count: pathLength)
        if RequestContext.hasEncodedNUL(path) { context.decodedPath = FormURLDecoding.decodePath(path) }
    }
    withDispatcher(cls) { $0.requestsInFlight.add(1) }
    return Unmanaged.passRetained(context).toOpaque()  // released in mhdRequestCompleted
}

/// MHD_OPTION_NOTIFY_COMPLETED: the request is over (response sent, client gone, or daemon stopping).
func mhdRequestCompleted(
    cls: UnsafeMutableRawPointer?, connection: OpaquePointer?,
    requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?, reason: MHD_RequestTerminationCode
) {
    guard let cls, let slot = requestContext, let raw = slot.pointee else { return }
    slot.pointee = nil
    let context = Unmanaged<RequestContext>.fromOpaque(raw).takeRetainedValue()  // from mhdRequestStarted
    withDispatcher(cls) { $0.requestDidEnd(context) }
}

/// The accept policy: once shutdown has begun, or when even `ConnectionGuard`'s overflow slots are taken, new
/// connections are closed as soon as they are accepted.
func mhdAcceptPolicy(cls: UnsafeMutableRawPointer?, address: UnsafePointer<sockaddr>?, length: socklen_t) -> MHD_Result
{
    guard let cls else { return .YES }
    return withDispatcher(cls) { !$0.shuttingDown.load(ordering: .relaxed) && $0.connectionGuard.admits() } ? .YES : .NO
}

/// MHD_OPTION_NOTIFY_CONNECTION: a connection opened (its `TrackedConnection` becomes the socket context) or is
/// closing (its socket is still open; the record is dropped).
func mhdConnectionNotify(
    cls: UnsafeMutableRawPointer?, connection: OpaquePointer?, socketContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?,
    code: MHD_ConnectionNotificationCode
) {
    guard let cls, let socketContext else { return }
    withDispatcher(cls) { dispatcher in
        if code.rawValue == 0 {  // MHD_CONNECTION_NOTIFY_STARTED (CLOSED is 1)
            guard let connection else { return }
            let tracked = dispatcher.connectionGuard.connectionStarted(
                fd: sp_mhd_connection_fd(connection),
                client: ConnectionGuard.clientKey(sp_mhd_client_address(connection)))
            socketContext.pointee = Unmanaged.passRetained(tracked).toOpaque()  // released below, at CLOSED
        } else if let raw = socketContext.pointee {
            socketContext.pointee = nil
            let tracked = Unmanaged<TrackedConnection>.fromOpaque(raw).takeRetainedValue()  // from STARTED
            dispatcher.connectionGuard.connectionClosed(tracked)
        }
    }
}

/// The access handler: libmicrohttpd calls it once for the headers, once per upload chunk, and once more at
/// the end of the body.
func mhdAccessHandler(
    cls: UnsafeMutableRawPointer?, connection: OpaquePointer?, url: UnsafePointer<CChar>?,
    method: UnsafePointer<CChar>?, version: UnsafePointer<CChar>?, upload: UnsafePointer<CChar>?,
    uploadSize: UnsafeMutablePointer<Int>?, requestContext: UnsafeMutablePointer<UnsafeMutableRawPointer?>?
) -> MHD_Result {
    guard let cls, let connection, let url, let method, let uploadSize,
        let raw = requestContext?.pointee
    else { return .NO }
    let context = Unmanaged<RequestContext>.fromOpaque(raw).takeUnretainedValue()
    return withDispatcher(cls) { dispatcher in
        dispatcher.serve(
            connection: connection, url: url, method: method, upload: upload, uploadSize: uploadSize, context: context)
    }
}

/// MHD_get_connection_values_n iterator: appends one client header to the `RequestContext` in `cls`.
func mhdCollectHeader(
    cls: UnsafeMutableRawPointer?, kind: MHD_ValueKind, key: UnsafePointer<CChar>?, keySize: Int,
    value: UnsafePointer<CChar>?, valueSize: Int
) -> MHD_Result {
    guard let cls, let key else { return .YES }
    let context = Unmanaged<RequestContext>.fromOpaque(cls).takeUnretainedValue()
    context.addHeader(
        name: UnsafeRawBufferPointer(start: key, count: keySize),
        value: UnsafeRawBufferPointer(start: value, count: value == nil ? 0 : valueSize))
    return .YES
}

/// The content reader of a stream response: copies queued chunks, ends the response, or suspends the
/// connection and returns 0 when there is nothing to send yet.
func mhdStreamRead(cls: UnsafeMutableRawPointer?, position: UInt64, buffer: UnsafeMutablePointer<CChar>?, max: Int)
    -> Int
{
    guard let cls, let buffer else { return streamEndWithError }
    let stream = Unmanaged<HTTPStream>.fromOpaque(cls).takeUnretainedValue()
    return stream.read(into: UnsafeMutableRawBufferPointer(start: buffer, count: max))
}

/// Frees a stream response: drops the reference the response held on its stream.
func mhdStreamResponseFreed(cls: UnsafeMutableRawPointer?) {
    guard let cls else { return }
    Unmanaged<HTTPStream>.fromOpaque(cls).release()  // from ConnectionDispatcher.queue(_:status:headers:on:)
}

/// libmicrohttpd is done with a zero-copy response: drop the box that kept its body alive.
func mhdResponseBodyFreed(cls: UnsafeMutableRawPointer?) {
    guard let cls else { return }
    Unmanaged<ResponseBody>.fromOpaque(cls).release()  // from ResponseBody.makeResponse
}

/// MHD_OPTION_EXTERNAL_LOGGER (through the shim's formatter): one libmicrohttpd diagnostic line.
func mhdLogLine(cls: UnsafeMutableRawPointer?, line: UnsafePointer<CChar>?) {
    guard let cls, let line else { return }
    let text = String(cString: line)
    withDispatcher(cls) { $0.diagnose(text) }
}
