/// What the server accumulates for one request between libmicrohttpd callbacks: decoded query, headers,
/// body so far, and the stream answering it, if any.
///
/// Not thread-safe, and needs not be: libmicrohttpd calls back for one connection on one worker thread.
/// Created (and retained) by the URI-log callback, released by the request-completed callback.
final class RequestContext {
    /// Query parameters decoded from the raw request target.
    var query: [(name: String, value: String)] = []
    /// Request headers, names lower-cased.
    var headers: [(name: String, value: String)] = []
    /// True once headers were collected (the first access-handler call).
    var headersRead = false
    /// The declared `Content-Length`, if any.
    var declaredLength: Int?
    /// The body received so far.
    var body: [UInt8] = []
    /// True once the body exceeded the limit; from then on upload data is discarded.
    var bodyTooLarge = false
    /// The stream answering this request, so its connection's end can be reported to it.
    var stream: HTTPStream?
    /// The connection's `ConnectionGuard` record (nil only if libmicrohttpd gave none).
    var connection: TrackedConnection?
    /// The path as the server decoded it from the raw target, when libmicrohttpd's C-string copy cannot be trusted
    /// (it contains an encoded NUL, see `FormURLDecoding.decodePath`); nil otherwise.
    var decodedPath: String?

    /// Whether a raw path contains `%00`, which libmicrohttpd would decode into a string terminator.
    static func hasEncodedNUL(_ path: UnsafeRawBufferPointer) -> Bool {
        guard path.count >= 3 else { return false }
        for index in 0..<(path.count - 2)
        where path[index] == UInt8(ascii: "%") && path[index + 1] == UInt8(ascii: "0") && path[index + 2] == UInt8(ascii: "0") {
            return true
        }
        return false
    }

    /// Creates an empty context.
    init() {}

    /// Appends an upload chunk unless that would exceed `limit`; past the limit the body is dropped and
    /// later chunks are ignored.
    func receive(_ chunk: UnsafeRawBufferPointer, limit: Int) {
        guard !bodyTooLarge else { return }
        if body.count + chunk.count > limit {
            bodyTooLarge = true
            body = []
            return
        }
        body.append(contentsOf: chunk)
    }

    /// Records one header, lower-casing the name, and notes a declared `Content-Length`.
    func addHeader(name: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) {
        let lowered = String(unsafeUninitializedCapacity: name.count) { buffer in
            for index in 0..<name.count { buffer[index] = asciiLowercased(name[index]) }
            return name.count
        }
        let text = String(decoding: value, as: UTF8.self)
        if name.count == 14 && lowered == "content-length" {
            declaredLength = Int(text.trimmingASCIISpaces())
        }
        headers.append((name: lowered, value: text))
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs.
    fileprivate func trimmingASCIISpaces() -> Substring {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return slice
    }
}
