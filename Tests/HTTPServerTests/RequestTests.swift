import HTTPServer
import Logging
import Testing

/// Buffered request/response behaviour: decoding, bodies, keep-alive, limits, methods.
@Suite struct RequestTests {
    /// One query-decoding case: the raw request target and what the handler must see.
    struct QueryCase: Sendable, CustomTestStringConvertible {
        let target: String
        let path: String
        let query: [String]  // "name=value"
        var testDescription: String { target }
    }

    static let queryCases: [QueryCase] = [
        QueryCase(
            target: "/api/v1/pods?labelSelector=app+in+(a%2Cb)&watch=true",
            path: "/api/v1/pods", query: ["labelSelector=app in (a,b)", "watch=true"]),
        QueryCase(target: "/x?a=1&a=2&b&&c=%3D%26%2B", path: "/x", query: ["a=1", "a=2", "b=", "c==&+"]),
        QueryCase(
            target: "/api/v1/namespaces/my%20ns/pods?fieldSelector=spec.nodeName%3Dnode-1",
            path: "/api/v1/namespaces/my ns/pods", query: ["fieldSelector=spec.nodeName=node-1"]),
        QueryCase(
            target: "/plus+stays+in+path?q=%E2%9C%93+ok&bad=%zz", path: "/plus+stays+in+path",
            query: ["q=\u{2713} ok", "bad=%zz"]),
        QueryCase(target: "/healthz", path: "/healthz", query: []),
        // An encoded NUL must not end the path: `/services/%00` is not the collection `/services/`.
        QueryCase(target: "/api/v1/namespaces/default/services/%00", path: "/api/v1/namespaces/default/services/\u{0}",
                  query: []),
        QueryCase(target: "/services/a%00b+c%2F?x=%00", path: "/services/a\u{0}b+c/", query: ["x=\u{0}"]),
    ]

    @Test("GET decodes the path and form-decodes the raw query ('+' is a space, %XX a byte)", arguments: queryCases)
    func queryDecoding(_ testCase: QueryCase) throws {
        let seen = Collected<HTTPRequest>()
        try withServer(handler: {
            seen.append($0)
            return textReply(200, "ok")
        }) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.request("GET", testCase.target)
            #expect(try client.readResponse().status == 200)
        }
        let request = try #require(seen.all.first)
        #expect(request.method == "GET")
        #expect(request.path == testCase.path)
        #expect(request.query.map { "\($0.name)=\($0.value)" } == testCase.query)
        if let first = testCase.query.first {
            let name = String(first.split(separator: "=", maxSplits: 1)[0])
            #expect(request.queryValue(name) != nil)
        }
    }

    @Test("headers arrive lower-cased, header() is case-insensitive, remote address is ip:port")
    func headers() throws {
        let seen = Collected<HTTPRequest>()
        try withServer(handler: {
            seen.append($0)
            return textReply(200, "ok")
        }) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.request("GET", "/", headers: ["X-Custom-Thing: Value One", "Accept: application/json"])
            #expect(try client.readResponse().status == 200)
        }
        let request = try #require(seen.all.first)
        #expect(request.headers.contains { $0.name == "x-custom-thing" && $0.value == "Value One" })
        #expect(request.header("X-CUSTOM-thing") == "Value One")
        #expect(request.header("accept") == "application/json")
        #expect(request.header("missing") == nil)
        #expect(request.remoteAddress.hasPrefix("127.0.0.1:"))
    }

    @Test("POST body reaches the handler whole and is echoed back")
    func postEcho() throws {
        let payload = Array((0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        try withServer(handler: { request in
            .buffered(
                HTTPResponse(status: 201, headers: [(name: "X-Method", value: request.method)], body: request.body))
        }) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.request("POST", "/echo", body: payload)
            let response = try client.readResponse()
            #expect(response.status == 201)
            #expect(response.head.header("x-method") == "POST")
            #expect(response.body == payload)
        }
    }

    @Test("keep-alive: two requests on one connection are both answered")
    func keepAlive() throws {
        let seen = Collected<HTTPRequest>()
        try withServer(handler: {
            seen.append($0)
            return textReply(200, $0.path)
        }) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.request("GET", "/first")
            let first = try client.readResponse()
            try client.request("PUT", "/second", body: Array("x".utf8))
            let second = try client.readResponse()
            #expect(first.text == "/first")
            #expect(second.text == "/second")
            #expect(first.head.header("connection")?.lowercased() != "close")
        }
        #expect(Set(seen.all.map(\.remoteAddress)).count == 1)
    }

    @Test("a declared 10 MB body is refused unread: the handler sees bodyTooLarge and answers 413")
    func bodyTooLargeByContentLength() throws {
        let seen = Collected<HTTPRequest>()
        try withServer(handler: { request in
            seen.append(request)
            return request.bodyTooLarge ? textReply(413, "too large") : textReply(200, "ok")
        }) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.send(
                "POST /api/v1/namespaces/default/pods HTTP/1.1\r\nHost: x\r\nContent-Length: 10485760\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 413)
            #expect(response.text == "too large")
        }
        let request = try #require(seen.all.first)
        #expect(request.bodyTooLarge)
        #expect(request.body.isEmpty)
    }

    @Test("a chunked upload over the limit stops being buffered and reaches the handler as bodyTooLarge")
    func bodyTooLargeChunked() throws {
        let seen = Collected<HTTPRequest>()
        try withServer(
            .init(maxBodyBytes: 1024),
            handler: { request in
                seen.append(request)
                return request.bodyTooLarge ? textReply(413, "too large") : textReply(200, "ok")
            }
        ) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.send("POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: 700)
            for _ in 0..<3 { try client.send(Array("2bc\r\n".utf8) + chunk + Array("\r\n".utf8)) }
            try client.send("0\r\n\r\n")
            #expect(try client.readResponse().status == 413)
            // A small chunked upload on the same connection still works.
            try client.send(
                "POST /upload HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
            #expect(try client.readResponse().status == 200)
        }
        #expect(seen.all.map(\.bodyTooLarge) == [true, false])
        #expect(seen.all.last?.body == Array("abc".utf8))
    }

    @Test("unknown methods reach the handler")
    func unknownMethod() throws {
        try withServer(handler: { textReply(200, "method=\($0.method)") }) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.request("FROBNICATE", "/thing")
            #expect(try client.readResponse().text == "method=FROBNICATE")
            try client.request(
                "PATCH", "/thing", headers: ["Content-Type: application/merge-patch+json"],
                body: Array("{}".utf8))
            #expect(try client.readResponse().text == "method=PATCH")
        }
    }

    @Test("handler-set Content-Length is ignored; libmicrohttpd frames the body")
    func framingHeadersIgnored() throws {
        try withServer(handler: { _ in
            .buffered(
                HTTPResponse(status: 200, headers: [(name: "Content-Length", value: "999")], body: Array("abc".utf8)))
        }) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.request("GET", "/")
            let response = try client.readResponse()
            #expect(response.head.header("content-length") == "3")
            #expect(response.text == "abc")
        }
    }

    @Test("starting on a port that is already bound throws HTTPServerError naming the cause")
    func portInUse() throws {
        try withServer(handler: { _ in textReply(200, "ok") }) { _, port in
            var logger = Logger(label: "HTTPServerTests")
            logger.logLevel = .critical
            let second = HTTPServer(
                configuration: .init(port: port), handler: ClosureHandler { _ in textReply(200, "") }, logger: logger)
            let error = #expect(throws: HTTPServerError.self) { try second.start() }
            #expect(error?.message.contains("in use") == true)
        }
    }
}
