import APIServer
import ArgumentParser
import Controllers
import Foundation
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

    /// 4 on 2 cores: a write holds its thread until its commit is durable, so group commit can only share an fsync
    /// among as many writers as there are threads (see Store+Commit.swift); but each libmicrohttpd worker is an
    /// epoll loop of its own, and 16 of them on 2 cores cut GET throughput to 0.22x the C anchor (4: 0.89x, 2: 0.81x)
    /// while lifting concurrent FULL-durability creates only from 0.62x to 0.78x etcd (docs/PERFORMANCE.md).
    @Option(help: "Worker threads serving HTTP requests (writes wait on them for their commit; more threads let more concurrent writes share one).")
    var threads: Int = 4

    @Option(help: "Service cluster IP range: one CIDR, or two (IPv4 and IPv6, comma-separated) for dual stack.")
    var serviceClusterIPRange = "10.96.0.0/12"

    @Option(help: "Node port range for NodePort and LoadBalancer Services.")
    var serviceNodePortRange = "30000-32767"

    @Option(help: "Addresses given to LoadBalancer Services (a CIDR or first-last); 'none' leaves them pending.")
    var loadBalancerIPRange = "172.18.255.200-172.18.255.250"

    @Option(help: "Controllers to run, comma-separated (endpointslice, podsimulator, garbagecollector, namespace), or '*'.")
    var controllers = "*"

    @Option(help: "Simulate the scheduler and kubelet for Pods (bind, IP, Running, Ready, graceful removal).")
    var simulatePods = true

    @Option(help: "Virtual node names Pods are bound to, comma-separated.")
    var nodes = "node-1,node-2,node-3"

    @Option(help: "Pod IPs are given from this IPv4 CIDR.")
    var podCIDR = "10.244.0.0/16"

    @Option(help: "Seconds a simulated Pod stays Pending (ContainerCreating) before it runs.")
    var podReadyDelay: Double = 0

    @Option(help: "Most endpoints in one EndpointSlice (1-1000).")
    var maxEndpointsPerSlice: Int = 100

    @Option(help: "Most simultaneous client connections (watches included); stay below the open-files limit.")
    var maxConnections: Int = 15_000

    @Option(help: "Most simultaneous connections from one client IP address (0: no limit); more are answered 429.")
    var maxConnectionsPerClient: Int = 12_000

    @Option(help: "Seconds a client has to send complete request headers (defeats slowloris); 0 disables.")
    var requestHeaderTimeout: Int = 30

    @Option(help: "Seconds a client has to send a request body after its headers; 0 disables.")
    var requestBodyTimeout: Int = 60

    @Option(help: "Seconds an idle connection (no request, no bytes moving) stays open; 0 disables.")
    var idleConnectionTimeout: Int = 120

    @Option(help: "Seconds between checks that truncate a -wal file grown past 16 MiB; 0 never truncates it.")
    var walCheckpointInterval: Double = 30

    @Option(help: "Keep at least this many past events for watches and paginated lists.")
    var watchHistory: Int = 100_000

    @Option(help: "Keep at least this much event history, in seconds (with --watch-history, whichever keeps more).")
    var watchHistoryWindow: Int64 = 300

    @Option(help: ArgumentHelp("Bearer tokens, in kube-apiserver's static token CSV format: token,user,uid[,\"group,...\"]. "
        + "Turns on authentication; tokens in group \(ReadOnlyAuthorization.readOnlyGroup) may only read.",
        valueName: "path"))
    var tokenAuthFile: String?

    @Option(help: "With --token-auth-file: let requests without a token reach /healthz, /livez, /readyz and /version.")
    var anonymousHealth = true

    @Option(help: ArgumentHelp("Serve HTTPS with this PEM certificate (chain); needs --tls-private-key-file.", valueName: "path"))
    var tlsCertFile: String?

    @Option(help: ArgumentHelp("The PEM private key of --tls-cert-file.", valueName: "path"))
    var tlsPrivateKeyFile: String?

    @Flag(help: "Serve HTTPS with a CA and serving certificate generated at startup; the CA goes into the kubeconfig.")
    var tlsSelfSigned = false

    @Option(help: ArgumentHelp("Append one JSON line per request to this file.", valueName: "path"))
    var auditLog: String?

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of: \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard Store.Durability(rawValue: durability) != nil else {
            throw ValidationError("--durability must be normal or full")
        }
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1") }
        guard (1...1000).contains(maxEndpointsPerSlice) else { throw ValidationError("--max-endpoints-per-slice must be 1-1000") }
        guard podReadyDelay >= 0 else { throw ValidationError("--pod-ready-delay must not be negative") }
        for name in controllerNames where !ControllerManager.allNames.contains(name) {
            throw ValidationError("unknown controller \(name); known: \(ControllerManager.allNames.joined(separator: ", "))")
        }
        guard (tlsCertFile == nil) == (tlsPrivateKeyFile == nil) else {
            throw ValidationError("--tls-cert-file and --tls-private-key-file must be given together")
        }
        guard !(tlsSelfSigned && tlsCertFile != nil) else {
            throw ValidationError("--tls-self-signed and --tls-cert-file exclude each other")
        }
        guard maxConnections >= 1, maxConnectionsPerClient >= 0, requestHeaderTimeout >= 0, requestBodyTimeout >= 0,
              idleConnectionTimeout >= 0, walCheckpointInterval >= 0 else {
            throw ValidationError("connection limits must be positive and timeouts not negative")
        }
        guard watchHistory >= 1, watchHistoryWindow >= 0 else {
            throw ValidationError("--watch-history must be positive and --watch-history-window not negative")
        }
    }

    /// The controllers selected by `--controllers` and `--simulate-pods`.
    var controllerNames: [String] {
        let names = controllers == "*" ? ControllerManager.allNames
            : controllers.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return simulatePods ? names : names.filter { $0 != "podsimulator" }
    }

    func makeControllers(_ registry: Registry, logger: Logger) throws -> [any Controller] {
        var made: [any Controller] = []
        for name in controllerNames {
            switch name {
            case "endpointslice":
                made.append(EndpointSliceController(registry: registry, maxEndpointsPerSlice: maxEndpointsPerSlice, logger: logger))
            case "podsimulator":
                let names = nodes.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
                do {
                    made.append(try PodSimulator(registry: registry, configuration: .init(
                        nodes: names, podCIDR: podCIDR, readyDelay: podReadyDelay), logger: logger))
                } catch {
                    throw ValidationError(error.message)
                }
            case "garbagecollector": made.append(GarbageCollector(registry: registry, logger: logger))
            case "namespace": made.append(NamespaceController(registry: registry, logger: logger))
            default: break
            }
        }
        return made
    }

    /// The HTTP server's limits and timeouts from the flags.
    var httpConfiguration: HTTPServer.Configuration {
        HTTPServer.Configuration(
            bindAddress: bindAddress, port: port, threadPoolSize: threads, connectionTimeoutSeconds: idleConnectionTimeout,
            connectionLimit: maxConnections, perClientConnectionLimit: maxConnectionsPerClient,
            requestHeaderTimeoutSeconds: requestHeaderTimeout, requestBodyTimeoutSeconds: requestBodyTimeout,
            refusalResponse: ConnectionRefusal.response)
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

        let security = try ServeSecurity(self, logger: logger)  // bad files stop startup before the store opens
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

        if db != ":memory:" { try store.limitWALSize() }

        let handler = APIHandlerBox()
        var configuration = httpConfiguration
        configuration.tls = security.tls
        let server = HTTPServer(configuration: configuration, handler: handler, logger: logger)
        let boundPort = try server.start()
        let address = "\(bindAddress):\(boundPort)"
        let url = "\(security.tls == nil ? "http" : "https")://\(address)"
        registry.reconcileKubernetesService(host: bindAddress, port: Int(boundPort))
        let manager = ControllerManager(registry: registry, controllers: try makeControllers(registry, logger: logger),
                                        logger: logger)
        try manager.start()
        defer { manager.stop() }
        let exposition = MetricsExposition(store: store, databasePath: db, server: server)
        let apiHandler = APIHandler(registry: registry, serverAddress: address,
                                    controllerSync: { timeout in manager.waitForSync(timeout: timeout) },
                                    metrics: APIMetrics(factory: exposition.factory),
                                    metricsExposition: { exposition.render() },
                                    authenticator: security.authenticator, auditLog: security.auditLog, logger: logger)
        handler.install(MeteredHandler(apiHandler))
        let maintenance = Maintenance(every: 10) {
            registry.reconcileKubernetesService(host: bindAddress, port: Int(boundPort))
        }
        let repairLoop = Maintenance(every: 180) { repair.run() }  // RepairServicesInterval
        let checkpoints = db == ":memory:" || walCheckpointInterval == 0
            ? nil : Maintenance(every: walCheckpointInterval) {
                // Only a log that outgrew the limit (a reader such as a backup kept SQLite from rewinding it) is
                // truncated: the Store's own checkpointer keeps a normal log bounded, and a TRUNCATE would also
                // drop the log the Store preallocates at --durability full to keep its fsyncs cheap.
                let wal = (try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int) ?? 0
                if wal > Store.walSizeLimitBytes { store.checkpointWAL() }
            }
        defer {
            maintenance.stop()
            repairLoop.stop()
            checkpoints?.stop()
        }
        if !kubeconfigOut.isEmpty {
            try Kubeconfig.write(server: url, certificateAuthorityPEM: security.certificateAuthorityPEM,
                                 token: security.kubeconfigToken, to: kubeconfigOut)
        }
        print("READY \(url)")
        fflush(nil)  // flushes every stream; `stdout` itself is not concurrency-safe to name in Swift 6
        logger.info("serving", metadata: ["address": "\(address)", "db": "\(db)"])

        var received: Int32 = 0
        sigwait(&signals, &received)
        logger.info("shutting down", metadata: ["signal": "\(received)"])
        server.shutdown(timeout: 5)
        security.auditLog?.drain()
        logger.info("stopped")
    }
}
