import Dispatch
import HTTPServer
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Graceful shutdown of buffered traffic (streams are covered in StreamTests).
@Suite struct ShutdownTests {
    @Test("shutdown lets an in-flight request finish and turns away new connections")
    func inFlightFinishesNewRefused() throws {
        let started = Collected<Int>()
        let server = HTTPServer(
            configuration: .init(port: 0),
            handler: ClosureHandler { request in
                if request.path == "/slow" {
                    started.append(1)
                    usleep(1_500_000)  // long enough for shutdown to begin even on a loaded machine
                }
                return textReply(200, "done \(request.path)")
            })
        let port = try server.start()
        let slow = try RawHTTPClient(port: port)
        try slow.request("GET", "/slow")
        #expect(started.wait(for: 1).count == 1)

        let stopping = Collected<Int>()
        let stopped = Collected<Int>()
        DispatchQueue.global().async {
            stopping.append(1)
            server.shutdown(timeout: 5)
            stopped.append(1)
        }
        #expect(stopping.wait(for: 1).count == 1)
        usleep(100_000)  // shutdown() marks itself first thing; then it only waits for /slow
        // A connection made during shutdown gets no answer: refused outright or closed at once.
        if let late = try? RawHTTPClient(port: port, timeoutSeconds: 2) {
            try? late.request("GET", "/late")
            #expect(late.readsEndOfFile())
        }
        let response = try slow.readResponse()
        #expect(response.text == "done /slow")
        #expect(response.head.header("connection")?.lowercased() == "close")
        #expect(stopped.wait(for: 1, seconds: 3).count == 1)
    }

    @Test("shutdown without start, and twice, is harmless")
    func idempotent() throws {
        let idle = HTTPServer(configuration: .init(port: 0), handler: ClosureHandler { _ in textReply(200, "") })
        idle.shutdown()
        let server = HTTPServer(configuration: .init(port: 0), handler: ClosureHandler { _ in textReply(200, "") })
        _ = try server.start()
        server.shutdown()
        server.shutdown()
        #expect(throws: HTTPServerError.self) { try server.start() }
    }
}
