import Dispatch
import HTTPServer
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Streaming (watch-style) responses: ordering, termination, disconnects, shutdown, and not holding threads.
@Suite struct StreamTests {
    /// A server whose `/watch` requests get a fresh stream (collected for the test) and everything else "ok".
    static func watchHandler(
        _ streams: Collected<HTTPStream>, maxBufferedBytes: Int = 8 << 20
    ) -> @Sendable (HTTPRequest) -> HTTPReply {
        { request in
            guard request.path == "/watch" else { return textReply(200, "ok") }
            let stream = HTTPStream(maxBufferedBytes: maxBufferedBytes)
            streams.append(stream)
            return .stream(status: 200, headers: [(name: "Content-Type", value: "application/json")], stream)
        }
    }

    @Test("chunks written from another thread arrive in order and finish() sends the chunked terminator")
    func chunksInOrder() throws {
        let streams = Collected<HTTPStream>()
        try withServer(handler: Self.watchHandler(streams)) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.request("GET", "/watch")
            let head = try client.readHead()
            #expect(head.status == 200)
            #expect(head.header("transfer-encoding")?.lowercased() == "chunked")
            let stream = try #require(streams.wait(for: 1).first)
            // The writer waits until the client has read each line before writing the next, so the test
            // proves each write is flushed on its own (not held back until finish()) without relying on
            // sleeps, which a loaded machine stretches.
            let received = DispatchSemaphore(value: 0)
            let lines = ["one\n", "two\n", "three\n"]
            DispatchQueue.global().async {
                for line in lines {
                    stream.write(Array(line.utf8))
                    received.wait()
                }
                stream.finish()
            }
            var chunks: [String] = []
            while let chunk = try client.readChunk() {
                chunks.append(String(decoding: chunk, as: UTF8.self))
                received.signal()
            }
            #expect(chunks == lines)
            #expect(stream.isClosed)
            #expect(stream.write(Array("late".utf8)) == false)
        }
    }

    @Test("data written before the response is queued, and a finish() right after, still arrive")
    func writeBeforeSuspend() throws {
        try withServer(handler: { _ in
            let stream = HTTPStream()
            stream.write(Array("early\n".utf8))
            stream.finish()
            return .stream(status: 200, headers: [], stream)
        }) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.request("GET", "/watch")
            let response = try client.readResponse()
            #expect(response.text == "early\n")
            // The connection stays usable after a finished stream.
            try client.request("GET", "/watch")
            #expect(try client.readResponse().text == "early\n")
        }
    }

    @Test("a stream whose client disconnects fires onClose (noticed at the next write)")
    func clientDisconnectFiresOnClose() throws {
        let streams = Collected<HTTPStream>()
        let closes = Collected<Int>()
        try withServer(handler: Self.watchHandler(streams)) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.request("GET", "/watch")
            _ = try client.readHead()
            let stream = try #require(streams.wait(for: 1).first)
            stream.onClose { closes.append(1) }
            client.close()
            let closed = eventually(seconds: 5) {
                stream.write(Array("{\"type\":\"BOOKMARK\"}\n".utf8))
                return !closes.all.isEmpty
            }
            #expect(closed)
            #expect(stream.isClosed)
            usleep(50_000)
            #expect(closes.all.count == 1)
        }
    }

    @Test("shutdown() ends an open stream cleanly (terminator sent) within 1 s")
    func shutdownEndsStreams() throws {
        let streams = Collected<HTTPStream>()
        let closes = Collected<Int>()
        var configuration = HTTPServer.Configuration(port: 0)
        configuration.port = 0
        let server = HTTPServer(configuration: configuration, handler: ClosureHandler(Self.watchHandler(streams)))
        let port = try server.start()
        let client = try RawHTTPClient(port: port)
        try client.request("GET", "/watch")
        _ = try client.readHead()
        let stream = try #require(streams.wait(for: 1).first)
        stream.onClose { closes.append(1) }
        stream.write(Array("event\n".utf8))
        #expect(try client.readChunk() == Array("event\n".utf8))

        let started = ContinuousClock.now
        DispatchQueue.global().async { server.shutdown(timeout: 5) }
        #expect(try client.readChunk() == nil)  // the terminator
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(eventually(seconds: 1) { closes.all.count == 1 })
        #expect(client.readsEndOfFile())
        server.shutdown()  // idempotent
    }

    @Test("200 idle streams do not block a normal GET (suspended streams hold no thread)")
    func idleStreamsHoldNoThreads() throws {
        let streams = Collected<HTTPStream>()
        try withServer(.init(threadPoolSize: 2), handler: Self.watchHandler(streams)) { _, port in
            var watchers: [RawHTTPClient] = []
            for _ in 0..<200 {
                let watcher = try RawHTTPClient(port: port)
                try watcher.request("GET", "/watch")
                watchers.append(watcher)
            }
            for watcher in watchers { #expect(try watcher.readHead().status == 200) }
            #expect(streams.wait(for: 200).count == 200)

            let started = ContinuousClock.now
            let client = try RawHTTPClient(port: port)
            try client.request("GET", "/healthz")
            #expect(try client.readResponse().text == "ok")
            #expect(ContinuousClock.now - started < .seconds(1))

            // And every stream is still live.
            for stream in streams.all { stream.write(Array("tick\n".utf8)) }
            for watcher in watchers { #expect(try watcher.readChunk() == Array("tick\n".utf8)) }
        }
    }

    @Test("a stream idle longer than the connection timeout still delivers (suspended connections do not time out)")
    func idleStreamOutlivesConnectionTimeout() throws {
        let streams = Collected<HTTPStream>()
        try withServer(.init(connectionTimeoutSeconds: 1), handler: Self.watchHandler(streams)) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.request("GET", "/watch")
            _ = try client.readHead()
            let stream = try #require(streams.wait(for: 1).first)
            usleep(2_500_000)
            #expect(stream.write(Array("late event\n".utf8)))
            #expect(try client.readChunk() == Array("late event\n".utf8))
        }
    }

    @Test("exceeding maxBufferedBytes aborts the stream: write returns false and onClose fires")
    func bufferBoundAborts() throws {
        let streams = Collected<HTTPStream>()
        let closes = Collected<Int>()
        try withServer(handler: Self.watchHandler(streams, maxBufferedBytes: 16)) { _, port in
            let client = try RawHTTPClient(port: port)
            try client.request("GET", "/watch")
            _ = try client.readHead()
            let stream = try #require(streams.wait(for: 1).first)
            stream.onClose { closes.append(1) }
            #expect(stream.write([UInt8](repeating: 65, count: 17)) == false)
            #expect(stream.isClosed)
            #expect(eventually(seconds: 2) { closes.all.count == 1 })
            #expect(throws: RawHTTPClient.Failure.self) { _ = try client.readChunk() }  // closed without terminator
        }
    }
}
