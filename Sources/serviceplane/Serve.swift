import APIServer
import ArgumentParser
import HTTPServer
import Logging
import Registry
import Store

#if canImport(Glibc)
import Glibc
#endif

/// `serviceplane serve`: open the store, start the API server, print `READY http://HOST:PORT`, and run
/// until SIGINT or SIGTERM, then shut down gracefully.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Serve the Kubernetes API.")

    @Option(help: "Address to listen on.")
    var bindAddress = "127.0.0.1"

    @Option(help: "Port to listen on; 0 picks a free port.")
    var port: UInt16 = 8080

    @Option(help: "SQLite database path; ':memory:' for a throwaway store.")
    var db = "./serviceplane.db"

    @Option(help: "Where to write a kubeconfig pointing at this server; '' to skip.")
    var kubeconfigOut = "./kubeconfig"

    @Option(help: "trace, debug, info, notice, warning, error or critical.")
    var logLevel: String = "info"

    @Option(help: "normal (survives a process crash) or full (also survives power loss).")
    var durability: String = "normal"

    @Option(help: "Worker threads serving HTTP requests.")
    var threads: Int = 2

    @Option(help: "Service cluster IP range: one CIDR, or two (IPv4 and IPv6, comma-separated) for dual stack.")
    var serviceClusterIPRange = "10.96.0.0/12"

    @Option(help: "Node port range for NodePort and LoadBalancer Services.")
    var serviceNodePortRange = "30000-32767"

    @Option(help: "Addresses given to LoadBalancer Services (a CIDR or first-last); 'none' leaves them pending.")
    var loadBalancerIPRange = "172.18.255.200-172.18.255.250"

    @Option(help: "Most simultaneous client connections (watches included); stay below the open-files limit.")
    var maxConnections: Int = 15_000

    @Option(help: "Keep at least this many past events for watches and paginated lists.")
    var watchHistory: Int = 100_000

    @Option(help: "Keep at least this much event history, in seconds (with --watch-history, whichever keeps more).")
    var watchHistoryWindow: Int64 = 300

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard Store.Durability(rawValue: durability) != nil else {
            throw ValidationError("--durability must be normal or full")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard watchHistory >= 1, watchHistoryWindow >= 0 else {
            throw ValidationError("--watch-history must be positive and --watch-history-window not negative")
        }
    }

    func run() throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "serviceplane")
        // Block the shutdown signals before any thread starts, so every thread inherits the mask and
        // only `sigwait` below receives them.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let store = try Store(path: db, durability: Store.Durability(rawValue: durability) ?? .normal,
                              history: .init(events: watchHistory, windowSeconds: watchHistoryWindow), logger: logger)
        let network: ServiceNetwork
        do {
            network = try ServiceNetwork(clusterIPRange: serviceClusterIPRange, nodePortRange: serviceNodePortRange,
                                         loadBalancerRange: loadBalancerIPRange)
        } catch {
            throw ValidationError(error.description)
        }
        let registry = Registry(store: store, network: network, logger: logger)
        try registry.bootstrap()
        let repair = AllocationRepair(registry: registry)
        repair.run()

        let handler = APIHandlerBox()
        let server = HTTPServer(
            configuration: .init(bindAddress: bindAddress, port: port, threadPoolSize: threads,
                                 connectionLimit: maxConnections),
            handler: handler, logger: logger)
        let boundPort = try server.start()
        let address = "\(bindAddress):\(boundPort)"
        registry.reconcileKubernetesService(host: bindAddress, port: Int(boundPort))
        handler.install(APIHandler(registry: registry, serverAddress: address, logger: logger))
        let maintenance = Maintenance(every: 10) {
            registry.reconcileKubernetesService(host: bindAddress, port: Int(boundPort))
        }
        let repairLoop = Maintenance(every: 180) { repair.run() }  // RepairServicesInterval
        defer {
            maintenance.stop()
            repairLoop.stop()
        }
        if !kubeconfigOut.isEmpty {
            try Kubeconfig.write(server: "http://\(address)", to: kubeconfigOut)
        }
        print("READY http://\(address)")
        fflush(nil)  // flushes every stream; `stdout` itself is not concurrency-safe to name in Swift 6
        logger.info("serving", metadata: ["address": "\(address)", "db": "\(db)"])

        var received: Int32 = 0
        sigwait(&signals, &received)
        logger.info("shutting down", metadata: ["signal": "\(received)"])
        server.shutdown(timeout: 5)
        logger.info("stopped")
    }
}
