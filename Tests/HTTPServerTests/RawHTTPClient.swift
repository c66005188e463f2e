#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A blocking HTTP/1.1 client over a raw TCP socket, so tests control exactly what goes on the wire
/// (missing bodies, keep-alive, chunked reads, abrupt closes). Not thread-safe; one per test connection.
final class RawHTTPClient {
    /// A failure talking to the server.
    struct Failure: Error, CustomStringConvertible {
        let description: String
        /// The `errno` of the failed call, when there was one.
        var code: Int32 = 0
    }

    /// A parsed response head.
    struct Head {
        let status: Int
        let headers: [(name: String, value: String)]

        /// The first header called `name`, case-insensitively.
        func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// A complete response.
    struct Response {
        let head: Head
        let body: [UInt8]
        var status: Int { head.status }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    private var socket: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; reads time out after `timeoutSeconds`.
    init(port: UInt16, timeoutSeconds: Int = 5) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw Failure(description: "socket() failed") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(socket)
            throw Failure(description: "connect() failed: errno \(errno)")
        }
    }

    deinit {
        close()
    }

    /// Closes the connection (idempotent).
    func close() {
        if socket >= 0 {
            Glibc.close(socket)
            socket = -1
        }
    }

    /// Sends raw bytes.
    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes {
                Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard sent > 0 else { throw Failure(description: "send() failed: errno \(errno)") }
            offset += sent
        }
    }

    /// Sends raw text.
    func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    /// Sends a request with an optional body (Content-Length framing).
    func request(_ method: String, _ target: String, headers: [String] = [], body: [UInt8]? = nil) throws {
        var text = "\(method) \(target) HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        for header in headers { text += header + "\r\n" }
        if let body { text += "Content-Length: \(body.count)\r\n" }
        text += "\r\n"
        try send(Array(text.utf8) + (body ?? []))
    }

    /// Reads a status line and headers.
    func readHead() throws -> Head {
        let line = try readLine()
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw Failure(description: "bad status line: \(line)")
        }
        var headers: [(name: String, value: String)] = []
        while true {
            let header = try readLine()
            if header.isEmpty { break }
            guard let colon = header.firstIndex(of: ":") else { throw Failure(description: "bad header: \(header)") }
            let value = header[header.index(after: colon)...].drop { $0 == " " }
            headers.append((name: String(header[..<colon]), value: String(value)))
        }
        return Head(status: status, headers: headers)
    }

    /// Reads one whole response, framed by Content-Length or chunked encoding.
    func readResponse() throws -> Response {
        let head = try readHead()
        if head.header("transfer-encoding")?.lowercased() == "chunked" {
            var body: [UInt8] = []
            while let chunk = try readChunk() { body += chunk }
            return Response(head: head, body: body)
        }
        let length = Int(head.header("content-length") ?? "0") ?? 0
        return Response(head: head, body: try readBytes(length))
    }

    /// Reads one chunk of a chunked body; nil at the terminating zero-size chunk (trailers consumed).
    func readChunk() throws -> [UInt8]? {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.split(separator: ";")[0], radix: 16) else {
            throw Failure(description: "bad chunk size: \(sizeLine)")
        }
        if size == 0 {
            while try !readLine().isEmpty {}
            return nil
        }
        let data = try readBytes(size)
        guard try readLine().isEmpty else { throw Failure(description: "chunk not followed by CRLF") }
        return data
    }

    /// True when the server closes the connection (end of file, or a reset because unread request bytes were
    /// discarded) within the read timeout, without sending anything first.
    func readsEndOfFile() -> Bool {
        guard buffer.isEmpty else { return false }
        do {
            return try !fill()
        } catch let failure as Failure {
            return failure.code == ECONNRESET
        } catch {
            return false
        }
    }

    private func readLine() throws -> String {
        while true {
            if let index = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<index])
                buffer.removeFirst(index + 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else { throw Failure(description: "connection closed mid-line") }
        }
    }

    private func readBytes(_ count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() else { throw Failure(description: "connection closed mid-body") }
        }
        let bytes = Array(buffer[..<count])
        buffer.removeFirst(count)
        return bytes
    }

    /// Reads more bytes into the buffer; false at end of file.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let received = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
        if received == 0 { return false }
        guard received > 0 else {
            let code = errno
            throw Failure(description: "recv() failed: errno \(code)", code: code)
        }
        buffer += chunk[..<received]
        return true
    }
}
