extension HTTPServer {
    /// How an `HTTPServer` listens and what it tolerates.
    public struct Configuration: Sendable {
        /// The IPv4 or IPv6 address to bind, e.g. "127.0.0.1", "0.0.0.0" or "::".
        public var bindAddress: String
        /// The TCP port; 0 picks a free port, which `HTTPServer.start()` returns.
        public var port: UInt16
        /// How many libmicrohttpd worker threads poll connections and run handlers (epoll, one per worker).
        public var threadPoolSize: Int
        /// The largest request body buffered for a handler; larger ones reach it with `bodyTooLarge`.
        public var maxBodyBytes: Int
        /// Seconds of inactivity after which a connection (e.g. an idle keep-alive one) is closed.
        /// Streams waiting for data are suspended and do not time out.
        public var connectionTimeoutSeconds: Int
        /// The most simultaneous connections. A few more are accepted only to be answered `refusalResponse`
        /// and closed; past those, new connections are closed at accept (`ConnectionGuard`).
        public var connectionLimit: Int
        /// The most simultaneous connections from one client IP address (0: no per-client limit); more are
        /// answered `refusalResponse`.
        public var perClientConnectionLimit: Int
        /// Seconds a connection has to deliver complete request headers after connecting (after the previous
        /// response plus `connectionTimeoutSeconds` on a kept-alive connection); 0 disables. Defeats slowloris,
        /// which the inactivity timeout alone does not (every trickled byte restarts it).
        public var requestHeaderTimeoutSeconds: Int
        /// Seconds a request has to deliver its complete body after its headers; 0 disables.
        public var requestBodyTimeoutSeconds: Int
        /// The answer to a request on a connection over a limit; the connection closes after it.
        public var refusalResponse: HTTPResponse
        /// libmicrohttpd's per-connection memory pool (request headers, read buffer, the write buffer streams
        /// fill). Its 32 KiB default is what an idle watch costs; 16 KiB holds any request kubectl or client
        /// libraries send and halves the memory of 10,000 open watches.
        public var connectionMemoryLimit: Int
        /// Serve HTTPS with these credentials (libmicrohttpd's GnuTLS support); nil serves plain HTTP.
        public var tls: TLSCredentials?

        /// Creates a configuration; every value has a default suitable for a local API server.
        public init(
            bindAddress: String = "127.0.0.1",
            port: UInt16 = 8080,
            threadPoolSize: Int = 2,
            maxBodyBytes: Int = 3 * 1024 * 1024,
            connectionTimeoutSeconds: Int = 120,
            connectionLimit: Int = 10_000,
            connectionMemoryLimit: Int = 16 * 1024,
            perClientConnectionLimit: Int = 0,
            requestHeaderTimeoutSeconds: Int = 30,
            requestBodyTimeoutSeconds: Int = 60,
            refusalResponse: HTTPResponse = HTTPResponse(
                status: 429, headers: [("Content-Type", "text/plain"), ("Retry-After", "1")],
                body: Array("too many connections\n".utf8)),
            tls: TLSCredentials? = nil
        ) {
            self.tls = tls
            self.perClientConnectionLimit = perClientConnectionLimit
            self.requestHeaderTimeoutSeconds = requestHeaderTimeoutSeconds
            self.requestBodyTimeoutSeconds = requestBodyTimeoutSeconds
            self.refusalResponse = refusalResponse
            self.connectionMemoryLimit = connectionMemoryLimit
            self.bindAddress = bindAddress
            self.port = port
            self.threadPoolSize = threadPoolSize
            self.maxBodyBytes = maxBodyBytes
            self.connectionTimeoutSeconds = connectionTimeoutSeconds
            self.connectionLimit = connectionLimit
        }
    }
}

extension HTTPServer.Configuration {
    /// What `ConnectionGuard` enforces.
    var guardLimits: ConnectionGuard.Limits {
        ConnectionGuard.Limits(
            connectionLimit: max(1, connectionLimit), perClientLimit: max(0, perClientConnectionLimit),
            headerTimeout: max(0, requestHeaderTimeoutSeconds), bodyTimeout: max(0, requestBodyTimeoutSeconds),
            idleTimeout: max(0, connectionTimeoutSeconds))
    }
}
