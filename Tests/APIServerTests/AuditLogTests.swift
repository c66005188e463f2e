import JSON
import Logging
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@testable import APIServer

/// The audit log's line format and its background writer.
@Suite struct AuditLogTests {
    @Test func aLineIsOneJSONObjectWithTheRequestFields() throws {
        let attributes = RequestAttributes(method: "PUT", path: "/api/v1/namespaces/d/services/s")
        let bytes = AuditLog.line(attributes, user: "alice", code: 200, latency: .microseconds(1500),
                                  sourceAddress: "127.0.0.1:5000", timestamp: "2026-01-02T03:04:05.000006Z")
        #expect(bytes.last == UInt8(ascii: "\n"))
        #expect(bytes.filter { $0 == UInt8(ascii: "\n") }.count == 1)
        let text = String(decoding: bytes.dropLast(), as: UTF8.self)
        #expect(text == #"{"timestamp":"2026-01-02T03:04:05.000006Z","user":"alice","sourceAddress":"127.0.0.1:5000","verb":"update","apiGroup":"","resource":"services","subresource":"","namespace":"d","name":"s","requestURI":"/api/v1/namespaces/d/services/s","code":200,"latencySeconds":0.0015}"#)
    }

    @Test func timestampsAreRFC3339WithMicroseconds() {
        let stamp = AuditLog.timestamp()
        #expect(stamp.utf8.count == 27)
        #expect(stamp.hasSuffix("Z"))
        #expect(Array(stamp.utf8)[10] == UInt8(ascii: "T"))
    }

    @Test func recordedLinesReachTheFileInOrder() throws {
        let path = "/tmp/serviceplane-audit-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).log"
        defer { unlink(path) }
        let log = try AuditLog(path: path, logger: Logger(label: "test"))
        for index in 0..<500 {
            log.record(RequestAttributes(method: "GET", path: "/api/v1/namespaces/d/pods/p\(index)"), user: "u",
                       code: 200, latency: .zero, sourceAddress: "")
        }
        log.drain()
        let file = try #require(fopen(path, "r"))
        defer { fclose(file) }
        var lines: [String] = []
        var buffer = [CChar](repeating: 0, count: 4096)
        while fgets(&buffer, Int32(buffer.count), file) != nil {
            lines.append(buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) })
        }
        #expect(lines.count == 500)
        #expect(lines.first?.contains(#""name":"p0""#) == true)
        #expect(lines.last?.contains(#""name":"p499""#) == true)
    }
}
