extension HTTPServer {
    /// Connections open now (0 when not running), for `/metrics`.
    public var openConnections: Int {
        withRunningDaemon { $0.dispatcher.connectionGuard.open.load(ordering: .relaxed) } ?? 0
    }

    /// Connections refused for a connection limit since the server started, for `/metrics`.
    public var refusedConnections: Int {
        withRunningDaemon { $0.dispatcher.connectionGuard.refused.load(ordering: .relaxed) } ?? 0
    }
}
