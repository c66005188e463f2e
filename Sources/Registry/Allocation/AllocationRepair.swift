import JSON
import Logging
import Store
import Synchronization

/// The allocator repair loop (`ipallocator/controller/repair.go`, `portallocator/controller/repair.go`):
/// compares what every Service uses with what the claim table records. Claims are committed with their
/// Service, so mismatches mean outside interference; they are logged as the upstream Events would be, and a
/// claim whose owner is gone is released once it has been seen leaked on 3 consecutive runs (protecting
/// in-flight creates, `numRepairsBeforeLeakCleanup`).
public final class AllocationRepair: Sendable {
    static let runsBeforeLeakCleanup = 3
    let store: Store
    let network: ServiceNetwork
    let logger: Logger
    /// Claims seen without a live owner, and on how many consecutive runs.
    private let suspectedLeaks = Mutex<[Claim: Int]>([:])

    public init(registry: Registry) {
        self.store = registry.store
        self.network = registry.network
        self.logger = registry.logger
    }

    /// One repair pass; returns the claims released as leaks.
    @discardableResult
    public func run() -> [Claim] {
        var users: [Claim: [String]] = [:]
        for service in store.list(resource: "services", namespace: nil)?.objects ?? [] {
            let expected = Self.claims(of: service.object, network: network)
            for claim in expected { users[claim, default: []].append(service.key) }
            let recorded = store.claims(resource: "services", namespace: service.namespace, name: service.name)
            for claim in expected.subtracting(recorded) {
                logger.warning("ClusterIPNotAllocated: \(claim) used by service \(service.key) is not recorded")
            }
        }
        for (claim, keys) in users where keys.count > 1 {
            logger.warning("AlreadyAllocated: \(claim) is used by several services: \(keys.joined(separator: ", "))")
        }
        var leaked: [Claim] = []
        for pool in [ServiceNetwork.clusterIPPool, ServiceNetwork.nodePortPool, ServiceNetwork.loadBalancerPoolName] {
            for (claim, resource, key) in store.claims(pool: pool) {
                let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                if parts.count == 2, store.get(resource: resource, namespace: parts[0], name: parts[1]) == nil {
                    leaked.append(claim)
                }
            }
        }
        let due = suspectedLeaks.withLock { counts -> [Claim] in
            var next: [Claim: Int] = [:]
            for claim in leaked { next[claim] = (counts[claim] ?? 0) + 1 }
            counts = next
            return next.filter { $0.value >= Self.runsBeforeLeakCleanup }.map(\.key)
        }
        guard !due.isEmpty else { return [] }
        let released = store.releaseOrphanedClaims(due)
        for claim in released { logger.warning("released leaked allocation \(claim)") }
        return released
    }

    /// The claims a stored Service's spec and status say it uses.
    static func claims(of service: JSON, network: ServiceNetwork) -> Set<Claim> {
        var claims: Set<Claim> = []
        let spec = service["spec"]
        for ip in (spec?["clusterIPs"]?.arrayValue ?? []).compactMap(\.stringValue) where ip != "None" && !ip.isEmpty {
            claims.insert(Claim(pool: ServiceNetwork.clusterIPPool, value: IPAddress(ip)?.description ?? ip))
        }
        for port in spec?["ports"]?.arrayValue ?? [] {
            if let nodePort = port["nodePort"]?.intValue, nodePort != 0 {
                claims.insert(Claim(pool: ServiceNetwork.nodePortPool, value: String(nodePort)))
            }
        }
        if let port = spec?["healthCheckNodePort"]?.intValue, port != 0 {
            claims.insert(Claim(pool: ServiceNetwork.nodePortPool, value: String(port)))
        }
        if spec?["type"]?.stringValue == "LoadBalancer", let pool = network.loadBalancerPool,
           let ip = (service["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"]?.stringValue).flatMap(IPAddress.init),
           pool.contains(ip) {
            claims.insert(Claim(pool: ServiceNetwork.loadBalancerPoolName, value: ip.description))
        }
        return claims
    }
}
