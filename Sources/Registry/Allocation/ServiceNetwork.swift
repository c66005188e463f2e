/// The cluster's service networking configuration: `--service-cluster-ip-range` (one CIDR, or two of different
/// families for dual stack), `--service-node-port-range`, `--load-balancer-ip-range`.
public struct ServiceNetwork: Sendable {
    let clusterIPRanges: [ServiceIPRange]
    let nodePorts: PortRange
    let loadBalancerPool: LoadBalancerPool?

    /// The pools claims are filed under.
    static let clusterIPPool = "cluster-ip"
    static let nodePortPool = "node-port"
    static let loadBalancerPoolName = "load-balancer-ip"

    /// Parses the flag values; the error text is for the command line.
    public init(clusterIPRange: String = "10.96.0.0/12", nodePortRange: String = "30000-32767",
                loadBalancerRange: String = "172.18.255.200-172.18.255.250") throws(ServiceNetworkError) {
        let cidrs = clusterIPRange.split(separator: ",").map { String($0).trimmingWhitespace }
        guard (1...2).contains(cidrs.count) else {
            throw ServiceNetworkError("--service-cluster-ip-range takes one CIDR, or two of different IP families")
        }
        var ranges: [ServiceIPRange] = []
        for text in cidrs {
            guard let range = ServiceIPRange(text) else { throw ServiceNetworkError("invalid CIDR \(text)") }
            guard range.count >= 6 else {
                throw ServiceNetworkError("the service cluster IP range must be at least 8 IP addresses (\(text))")
            }
            ranges.append(range)
        }
        if ranges.count == 2, ranges[0].family == ranges[1].family {
            throw ServiceNetworkError("--service-cluster-ip-range: the two CIDRs must be of different IP families")
        }
        guard let ports = PortRange(nodePortRange) else {
            throw ServiceNetworkError("invalid --service-node-port-range \(nodePortRange) (want e.g. 30000-32767)")
        }
        var pool: LoadBalancerPool? = nil
        if loadBalancerRange != "none" && !loadBalancerRange.isEmpty {
            guard let parsed = LoadBalancerPool(loadBalancerRange) else {
                throw ServiceNetworkError("invalid --load-balancer-ip-range \(loadBalancerRange) (a CIDR, first-last, or none)")
            }
            pool = parsed
        }
        clusterIPRanges = ranges
        nodePorts = ports
        loadBalancerPool = pool
    }

    var isDualStack: Bool { clusterIPRanges.count == 2 }
    var primaryFamily: String { clusterIPRanges[0].family }

    func range(for family: String) -> ServiceIPRange? { clusterIPRanges.first { $0.family == family } }

    /// The first usable address of the primary range: the `kubernetes` Service's cluster IP.
    var kubernetesServiceIP: String { clusterIPRanges[0].address(at: 0).description }
}

/// A service networking flag could not be used.
public struct ServiceNetworkError: Error, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}
