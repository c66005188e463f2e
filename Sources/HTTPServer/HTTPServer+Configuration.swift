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
        /// The most simultaneous connections; more are refused at accept.
        public var connectionLimit: Int
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
            tls: TLSCredentials? = nil
        ) {
            self.tls = tls
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
