import JSON
import KubeAPI
import Store

/// Cluster IPs, node ports and load-balancer IPs for Services (`k/k: pkg/registry/core/service/storage/alloc.go`).
///
/// Allocation proposes free values from the store's claim table and returns the claims the Service holds
/// afterwards; the commit that stores the Service takes them in the same transaction, so a value is never
/// handed out twice and never leaks (a lost race surfaces as `StoreError.claimTaken` and the caller retries).
struct ServiceAllocator: Sendable {
    let network: ServiceNetwork
    let store: Store

    /// Fills `spec.clusterIP(s)`, node ports, `healthCheckNodePort` and `status.loadBalancer` as the type needs,
    /// validating requested values (422) and reporting exhaustion (500). Returns every claim the object holds.
    func allocate(_ object: inout JSON, old: JSON?, dryRun: Bool) throws(StatusError) -> Set<Claim> {
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        let owner = ObjectKey.make(namespace: object["metadata"]?["namespace"]?.stringValue ?? "", name: name)
        guard var spec = object["spec"], spec.objectValue != nil else { return [] }
        var context = Context(name: name, owner: owner, dryRun: dryRun)
        let type = spec["type"]?.stringValue ?? "ClusterIP"
        if type != "ExternalName" { try allocateClusterIPs(&spec, &context) }
        if type == "NodePort" || type == "LoadBalancer" { try allocateNodePorts(&spec, &context) }
        object["spec"] = spec
        if type == "LoadBalancer" { assignLoadBalancerIP(&object, old: old, &context) }
        if !context.errors.isEmpty { throw .invalid(kind: "Service", group: "", name: name, errors: context.errors) }
        return context.claims
    }

    /// Claims being collected and field errors found while allocating one Service.
    struct Context {
        let name: String
        let owner: String
        let dryRun: Bool
        var claims: Set<Claim> = []
        var errors: [FieldError] = []
    }

    /// Whether `claim` is free for `owner` (unheld, or already held by it).
    func isAvailable(_ claim: Claim, for owner: String) -> Bool {
        guard let holder = store.owner(of: claim) else { return true }
        return holder.resource == "services" && holder.key == owner
    }

    private func allocateClusterIPs(_ spec: inout JSON, _ context: inout Context) throws(StatusError) {
        let requested = (spec["clusterIPs"]?.arrayValue ?? []).compactMap(\.stringValue)
        let families = (spec["ipFamilies"]?.arrayValue ?? []).compactMap(\.stringValue)
        let policy = spec["ipFamilyPolicy"]?.stringValue ?? "SingleStack"
        if requested.first == "None" { return }  // headless: no address
        if policy == "RequireDualStack", !network.isDualStack {
            context.errors.append(.invalid("spec.ipFamilyPolicy", .string(policy),
                                           "this cluster is not configured for dual-stack services"))
            return
        }
        var ips: [String] = []
        for (index, family) in families.enumerated() {
            guard let range = network.range(for: family) else {
                context.errors.append(.invalid("spec.ipFamilies[\(index)]", .string(family), "not configured on this cluster"))
                return
            }
            let ip: String
            if index < requested.count, !requested[index].isEmpty {
                ip = requested[index]
                let failure = "failed to allocate IP \(ip): "
                guard let address = IPAddress(ip), range.offset(of: address) != nil else {
                    context.errors.append(.invalid("spec.clusterIPs", .array(requested.map { .string($0) }), failure
                        + "the provided IP (\(ip)) is not in the valid range. The range of valid IPs is \(range)"))
                    return
                }
                if !isAvailable(Claim(pool: ServiceNetwork.clusterIPPool, value: address.description), for: context.owner) {
                    context.errors.append(.invalid("spec.clusterIPs", .array(requested.map { .string($0) }),
                                                   failure + "provided IP is already allocated"))
                    return
                }
            } else if context.dryRun {
                // The dry-run allocator answers with the range's network address (`ipallocator/bitmap.go`).
                ip = range.cidr.network.description
            } else {
                let order = RandomScanOrder(count: range.count, bandOffset: range.bandOffset)
                guard let free = store.firstUnclaimed(pool: ServiceNetwork.clusterIPPool, count: range.count, candidate: {
                    range.address(at: order.offset($0)).description
                }) else {
                    throw .internalError("failed to allocate a serviceIP: range is full")
                }
                ip = free
            }
            let canonical = IPAddress(ip)?.description ?? ip
            ips.append(canonical)
            if !context.dryRun { context.claims.insert(Claim(pool: ServiceNetwork.clusterIPPool, value: canonical)) }
        }
        guard !ips.isEmpty else { return }
        spec["clusterIPs"] = .array(ips.map { .string($0) })
        spec["clusterIP"] = .string(ips[0])
    }

    private func allocateNodePorts(_ spec: inout JSON, _ context: inout Context) throws(StatusError) {
        let type = spec["type"]?.stringValue ?? ""
        let allocateAll = type == "NodePort" || spec["allocateLoadBalancerNodePorts"]?.boolValue != false
        guard var ports = spec["ports"]?.arrayValue else { return }
        var byPort: [Int64: Int64] = [:]  // ports with the same number share one node port
        for (index, port) in ports.enumerated() {
            guard let nodePort = port["nodePort"]?.intValue, nodePort != 0 else { continue }
            if checkNodePort(nodePort, field: "spec.ports[\(index)].nodePort", &context),
               let number = port["port"]?.intValue, byPort[number] == nil {
                byPort[number] = nodePort
            }
        }
        for index in ports.indices {
            if let nodePort = ports[index]["nodePort"]?.intValue, nodePort != 0 { continue }
            guard allocateAll, let number = ports[index]["port"]?.intValue else { continue }
            let nodePort: Int64
            if let shared = byPort[number] {
                nodePort = shared
            } else {
                nodePort = try nextNodePort(excluding: Set(byPort.values), &context)
                byPort[number] = nodePort
            }
            ports[index]["nodePort"] = .int(nodePort)
            if !context.dryRun { context.claims.insert(Claim(pool: ServiceNetwork.nodePortPool, value: String(nodePort))) }
        }
        spec["ports"] = .array(ports)
        if type == "LoadBalancer", spec["externalTrafficPolicy"]?.stringValue == "Local" {
            if let requested = spec["healthCheckNodePort"]?.intValue, requested != 0 {
                _ = checkNodePort(requested, field: "spec.healthCheckNodePort", &context)
            } else {
                let nodePort = try nextNodePort(excluding: Set(byPort.values), &context)
                spec["healthCheckNodePort"] = .int(nodePort)
                if !context.dryRun { context.claims.insert(Claim(pool: ServiceNetwork.nodePortPool, value: String(nodePort))) }
            }
        }
    }

    /// Validates a requested node port and records its claim; false (with a field error) when unusable.
    private func checkNodePort(_ nodePort: Int64, field: String, _ context: inout Context) -> Bool {
        guard network.nodePorts.contains(nodePort) else {
            context.errors.append(.invalid(field, .int(nodePort),
                                           "provided port is not in the valid range. The range of valid ports is \(network.nodePorts)"))
            return false
        }
        let claim = Claim(pool: ServiceNetwork.nodePortPool, value: String(nodePort))
        if !isAvailable(claim, for: context.owner), !context.claims.contains(claim) {
            context.errors.append(.invalid(field, .int(nodePort), "provided port is already allocated"))
            return false
        }
        if !context.dryRun { context.claims.insert(claim) }
        return true
    }

    private func nextNodePort(excluding taken: Set<Int64>, _ context: inout Context) throws(StatusError) -> Int64 {
        let range = network.nodePorts
        let order = RandomScanOrder(count: range.size, bandOffset: range.bandOffset)
        let claimed = context.claims
        guard let free = store.firstUnclaimed(pool: ServiceNetwork.nodePortPool, count: range.size, candidate: { index in
            let port = Int64(range.base + order.offset(index))
            if taken.contains(port) || claimed.contains(Claim(pool: ServiceNetwork.nodePortPool, value: String(port))) {
                return nil
            }
            return String(port)
        }), let port = Int64(free) else {
            throw .internalError("failed to allocate a nodePort: range is full")
        }
        return port
    }

    /// MetalLB-style: a LoadBalancer Service of no foreign class gets `status.loadBalancer.ingress[0].ip` from
    /// the pool (its `spec.loadBalancerIP` when that is free), lowest free address first; otherwise it stays pending.
    private func assignLoadBalancerIP(_ object: inout JSON, old: JSON?, _ context: inout Context) {
        guard let pool = network.loadBalancerPool, object["spec"]?["loadBalancerClass"] == nil
            || object["spec"]?["loadBalancerClass"]?.isNull == true else { return }
        let poolName = ServiceNetwork.loadBalancerPoolName
        var chosen: IPAddress? = nil
        let requested = object["spec"]?["loadBalancerIP"]?.stringValue.flatMap(IPAddress.init)
        let held = (old?["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"]?.stringValue).flatMap(IPAddress.init)
        if let requested {
            if pool.contains(requested), isAvailable(Claim(pool: poolName, value: requested.description), for: context.owner) {
                chosen = requested
            }
        } else if let held, pool.contains(held), isAvailable(Claim(pool: poolName, value: held.description), for: context.owner) {
            chosen = held
        } else if let free = store.firstUnclaimed(pool: poolName, count: pool.count, candidate: {
            pool.first.adding(UInt128($0)).description
        }) {
            chosen = IPAddress(free)
        }
        guard let chosen else {
            object["status"] = ["loadBalancer": .object(JSONObject())]
            return
        }
        object["status"] = ["loadBalancer": ["ingress": [["ip": .string(chosen.description), "ipMode": "VIP"]]]]
        if !context.dryRun { context.claims.insert(Claim(pool: poolName, value: chosen.description)) }
    }
}
