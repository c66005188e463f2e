import JSON
import KubeAPI
import Logging
import Store
import Testing

@testable import Registry

// Service address allocation (issue 4; reference §11.3, §11.4, §11.6): the bitmap arithmetic of
// `ipallocator/bitmap.go` and `portallocator/allocator.go`, and ServiceAllocator driven through a Registry.

// MARK: - Helpers

/// A Registry on an in-memory store with the given service networking flags.
func makeAllocationRegistry(clusterIPRange: String = "10.96.0.0/12", nodePortRange: String = "30000-32767",
                            loadBalancerRange: String = "172.18.255.200-172.18.255.250") throws -> Registry {
    let network = try ServiceNetwork(clusterIPRange: clusterIPRange, nodePortRange: nodePortRange,
                                     loadBalancerRange: loadBalancerRange)
    let registry = Registry(store: try Store(path: ":memory:", logger: Logger(label: "test")), network: network,
                            logger: Logger(label: "test"))
    try registry.bootstrap()
    return registry
}

/// A Service manifest with `spec` merged over `{selector: {app: web}, ports: [{port: 80}]}`.
func allocationService(_ name: String, _ spec: JSONObject = JSONObject()) -> JSON {
    var base: JSON = ["selector": ["app": "web"], "ports": [["port": 80]]]
    for (key, value) in spec { base[key] = value }
    return ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name)], "spec": base]
}

extension Registry {
    @discardableResult
    func createService(_ object: JSON, dryRun: Bool = false) throws(StatusError) -> JSON {
        try create(services, namespace: "default", object: object, options: WriteOptions(dryRun: dryRun)).object.object
    }

    func serviceError(_ object: JSON) -> StatusError? {
        do {
            _ = try createService(object)
            return nil
        } catch {
            return error
        }
    }

    func deleteService(_ name: String) throws(StatusError) {
        _ = try delete(services, namespace: "default", name: name, options: DeleteOptions())
    }

    func mergePatchService(_ name: String, _ body: JSON) throws(StatusError) -> JSON {
        try patch(services, namespace: "default", name: name, patch: Patch(type: .merge, body: body),
                  options: WriteOptions()).object.object
    }
}

func ip(_ text: String) -> IPAddress { IPAddress(text)! }

// MARK: - Ranges, bands and formatting

@Suite struct ServiceAllocationRangeTests {
    @Test(arguments: [
        ("10.96.0.0/12", 256), ("10.0.0.0/24", 16), ("10.0.0.0/28", 0), ("10.0.0.0/27", 16),
        ("10.0.0.0/22", 64), ("10.0.0.0/20", 256), ("10.0.0.0/8", 256), ("fd00:10:96::/112", 256), ("fd00::/64", 256),
        ("fd00::/124", 0),
    ])
    func clusterIPBandOffsetIsMinMax16SizeOver16And256(cidr: String, offset: Int) throws {
        let range = try #require(ServiceIPRange(cidr))
        #expect(range.bandOffset == offset)
    }

    @Test(arguments: [("30000-32767", 86), ("30000-30015", 0), ("30000-30099", 16), ("1-65535", 128), ("30000-30511", 16),
                      ("30000-31023", 32)])
    func nodePortBandOffsetIsMinMax16SizeOver32And128(range: String, offset: Int) throws {
        let ports = try #require(PortRange(range))
        #expect(ports.bandOffset == offset)
    }

    @Test func defaultNodePortRangeIs30000To32767() throws {
        let ports = try #require(PortRange("30000-32767"))
        #expect(ports.base == 30000)
        #expect(ports.size == 2768)
        #expect(ports.contains(30000) && ports.contains(32767))
        #expect(!ports.contains(29999) && !ports.contains(32768))
        #expect(ports.description == "30000-32767")
    }

    @Test(arguments: ["", "30000", "32767-30000", "0-100", "30000-70000", "a-b", "30000-32767-1"])
    func malformedNodePortRangesAreRejected(text: String) {
        #expect(PortRange(text) == nil)
    }

    @Test(arguments: [
        ("10.0.0.0/24", 254), ("10.96.0.0/12", 1_048_574), ("10.0.0.0/28", 14), ("10.0.0.0/29", 6),
        // IPv6: only the network address is excluded, no broadcast ...
        ("fd00::/120", 255),
        // ... and the bitmap is capped at 65536 addresses, then the network address is excluded (bitmap.go `New`).
        ("fd00:10:96::/112", 65_535), ("fd00::/64", 65_535), ("fd00::/100", 65_535),
    ])
    func usableAddressCountsExcludeNetworkAndBroadcastAndCapIPv6(cidr: String, count: Int) throws {
        let range = try #require(ServiceIPRange(cidr))
        #expect(range.count == count)
    }

    @Test func offsetsCountFromNetworkPlusOne() throws {
        let range = try #require(ServiceIPRange("10.0.0.0/24"))
        #expect(range.offset(of: ip("10.0.0.1")) == 0)
        #expect(range.offset(of: ip("10.0.0.10")) == 9)
        #expect(range.offset(of: ip("10.0.0.254")) == 253)
        #expect(range.address(at: 0) == ip("10.0.0.1"))
        #expect(range.address(at: 253) == ip("10.0.0.254"))
        let big = try #require(ServiceIPRange("10.96.0.0/12"))
        #expect(big.address(at: 0).description == "10.96.0.1")
        #expect(big.offset(of: ip("10.111.255.254")) == 1_048_573)
    }

    @Test(arguments: [
        ("10.0.0.0/24", "10.0.0.0"), ("10.0.0.0/24", "10.0.0.255"), ("10.96.0.0/12", "10.96.0.0"),
        ("10.96.0.0/12", "10.111.255.255"), ("10.0.0.0/24", "10.0.1.1"), ("10.0.0.0/24", "9.255.255.255"),
        ("10.0.0.0/24", "fd00::1"), ("fd00:10:96::/112", "fd00:10:96::"), ("fd00:10:96::/112", "fd00:10:97::1"),
        ("fd00:10:96::/112", "10.0.0.1"),
    ])
    func networkBroadcastAndForeignAddressesHaveNoOffset(cidr: String, address: String) throws {
        let range = try #require(ServiceIPRange(cidr))
        #expect(range.offset(of: ip(address)) == nil)
    }

    @Test func ipv6OffsetsStopAtTheCap() throws {
        let range = try #require(ServiceIPRange("fd00::/64"))
        #expect(range.offset(of: ip("fd00::1")) == 0)
        #expect(range.offset(of: ip("fd00::ffff")) == 65_534)
        // Upstream: max = 65536 - 1 usable, offsets 0..<65535, so fd00::1:0 (offset 65535) is outside.
        #expect(range.offset(of: ip("fd00::1:0")) == nil)
        #expect(range.offset(of: ip("fd00::2:0")) == nil)
        let exact = try #require(ServiceIPRange("fd00:10:96::/112"))
        #expect(exact.offset(of: ip("fd00:10:96::ffff")) == 65_534)
    }

    @Test(arguments: [(100, 16), (254, 16), (14, 0), (30, 16), (7, 16), (2768, 86), (1, 0)])
    func randomScanOrderVisitsEveryOffsetOnceUpperBandFirst(count: Int, bandOffset: Int) {
        for _ in 0..<20 {  // the starts are random: several draws
            let order = RandomScanOrder(count: count, bandOffset: bandOffset)
            let visited = (0..<count).map { order.offset($0) }
            #expect(Set(visited).count == count, "an offset visited twice: \(visited)")
            #expect(visited.allSatisfy { (0..<count).contains($0) })
            let band = min(bandOffset, count)
            let upper = count - band
            #expect(visited.prefix(upper).allSatisfy { $0 >= band }, "upper band not first: \(visited)")
            #expect(visited.suffix(band).allSatisfy { $0 < band }, "lower band not last: \(visited)")
            if upper > 0 {  // forward scan with wrap-around inside the band
                for index in 1..<upper {
                    let step = (visited[index] - band) - (visited[index - 1] - band)
                    #expect(step == 1 || step == 1 - upper)
                }
            }
        }
    }

    @Test func randomScanOrderStartsAtRandomPlacesInTheUpperBand() {
        let starts = Set((0..<200).map { _ in RandomScanOrder(count: 254, bandOffset: 16).offset(0) })
        #expect(starts.count > 20)
        #expect(starts.allSatisfy { $0 >= 16 })
    }

    @Test(arguments: [
        ("fd00:10:96::1", "fd00:10:96::1"), ("FD00:0010:0096:0000:0000:0000:0000:0001", "fd00:10:96::1"),
        ("::", "::"), ("::1", "::1"), ("fe80::", "fe80::"), ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"), ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
        ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"), ("2001:DB8::AB", "2001:db8::ab"), ("1:0:0:0:0:0:0:0", "1::"),
        ("0:0:0:0:0:0:0:2", "::2"), ("10.96.0.1", "10.96.0.1"), ("::ffff:10.0.0.1", "10.0.0.1"),
    ])
    func addressesAreFormattedPerRFC5952(input: String, expected: String) throws {
        let address = try #require(IPAddress(input))
        #expect(address.description == expected)
    }

    @Test func ipv6RangeAddressesAreCanonical() throws {
        let range = try #require(ServiceIPRange("fd00:10:96::/112"))
        #expect(range.address(at: 0).description == "fd00:10:96::1")
        #expect(range.address(at: 0xfffe).description == "fd00:10:96::ffff")
        #expect(range.description == "fd00:10:96::/112")
        #expect(range.family == "IPv6")
    }

    @Test(arguments: ["10.0.0.0", "10.0.0.0/33", "10.0.0.0/-1", "fd00::/129", "abc/8", "10.0.0.0/8/1", "10.0.0/8",
                      "/24", "10.0.0.0/", "10.0.0.256/24", "10.0.0.0/x", ""])
    func malformedCIDRsAreRejected(text: String) {
        #expect(CIDR(text) == nil)
        #expect(ServiceIPRange(text) == nil)
    }

    @Test func cidrHostBitsAreMasked() throws {
        let cidr = try #require(CIDR("10.96.3.4/12"))
        #expect(cidr.description == "10.96.0.0/12")
        #expect(cidr.size == 1 << 20)
        let v6 = try #require(CIDR("fd00:10:96::17/112"))
        #expect(v6.description == "fd00:10:96::/112")
    }

    @Test(arguments: [
        ("10.0.0.0/30", "the service cluster IP range must be at least 8 IP addresses (10.0.0.0/30)"),
        ("10.0.0.0/32", "the service cluster IP range must be at least 8 IP addresses (10.0.0.0/32)"),
        ("nonsense", "invalid CIDR nonsense"),
        ("10.96.0.0/12,10.97.0.0/16", "--service-cluster-ip-range: the two CIDRs must be of different IP families"),
        ("10.96.0.0/12,fd00::/112,fd01::/112", "--service-cluster-ip-range takes one CIDR, or two of different IP families"),
    ])
    func badClusterIPRangeFlagsAreRejectedWithAMessage(flag: String, message: String) {
        do {
            _ = try ServiceNetwork(clusterIPRange: flag)
            Issue.record("expected \(flag) to be rejected")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func smallestAcceptedRangesHaveEightAddresses() throws {
        _ = try ServiceNetwork(clusterIPRange: "10.0.0.0/29")
        _ = try ServiceNetwork(clusterIPRange: "fd00::/125")
    }

    @Test func dualStackNetworkPutsThePrimaryFamilyFirst() throws {
        let network = try ServiceNetwork(clusterIPRange: "10.96.0.0/16, fd00:10:96::/112")
        #expect(network.isDualStack)
        #expect(network.primaryFamily == "IPv4")
        #expect(network.kubernetesServiceIP == "10.96.0.1")
        #expect(network.range(for: "IPv6")?.description == "fd00:10:96::/112")
        let v6First = try ServiceNetwork(clusterIPRange: "fd00:10:96::/112,10.96.0.0/16")
        #expect(v6First.primaryFamily == "IPv6")
        #expect(v6First.kubernetesServiceIP == "fd00:10:96::1")
    }

    @Test func loadBalancerPoolParsesFirstLastRanges() throws {
        let pool = try #require(LoadBalancerPool("172.18.255.200-172.18.255.250"))
        #expect(pool.first == ip("172.18.255.200"))
        #expect(pool.count == 51)
        #expect(pool.contains(ip("172.18.255.200")) && pool.contains(ip("172.18.255.250")))
        #expect(!pool.contains(ip("172.18.255.199")) && !pool.contains(ip("172.18.255.251")))
        #expect(!pool.contains(ip("fd00::1")))
        let single = try #require(LoadBalancerPool("10.0.0.5-10.0.0.5"))
        #expect(single.count == 1)
    }

    @Test func loadBalancerPoolParsesCIDRsSkippingNetworkAndBroadcast() throws {
        let pool = try #require(LoadBalancerPool("192.168.1.0/24"))
        #expect(pool.first == ip("192.168.1.1"))
        #expect(pool.count == 254)
        #expect(!pool.contains(ip("192.168.1.0")) && !pool.contains(ip("192.168.1.255")))
        let pair = try #require(LoadBalancerPool("192.168.1.0/31"))
        #expect(pair.first == ip("192.168.1.0") && pair.count == 2)
        let v6 = try #require(LoadBalancerPool("fd00:1::/120"))
        #expect(v6.first == ip("fd00:1::") && v6.count == 256)
    }

    @Test(arguments: ["172.18.255.250-172.18.255.200", "10.0.0.1-fd00::1", "garbage", "10.0.0.1-", "fd00::/48",
                      "10.0.0.0-10.1.0.0", "10.0.0.0/33"])
    func malformedLoadBalancerPoolsAreRejected(text: String) {
        #expect(LoadBalancerPool(text) == nil)
    }

    @Test func loadBalancerRangeNoneDisablesThePool() throws {
        #expect(try ServiceNetwork(loadBalancerRange: "none").loadBalancerPool == nil)
        #expect(try ServiceNetwork().loadBalancerPool?.description == "172.18.255.200-172.18.255.250")
        #expect(throws: ServiceNetworkError.self) { try ServiceNetwork(loadBalancerRange: "bogus") }
    }
}

// MARK: - ServiceAllocator through the Registry

@Suite struct ServiceAllocatorTests {
    @Test func exhaustingASlash28IsRangeIsFull() throws {
        let registry = try makeAllocationRegistry(clusterIPRange: "10.0.0.0/28")
        var ips: Set<String> = []
        for index in 0..<14 {
            let created = try registry.createService(allocationService("s\(index)"))
            ips.insert(try #require(created["spec"]?["clusterIP"]?.stringValue))
        }
        #expect(ips == Set((1...14).map { "10.0.0.\($0)" }))
        let error = try #require(registry.serviceError(allocationService("full")))
        #expect(error.code == 500)
        #expect(error.reason == "InternalError")
        #expect(error.message == "Internal error occurred: failed to allocate a serviceIP: range is full")
        #expect(registry.store.claimCount(pool: ServiceNetwork.clusterIPPool) == 14)
        // Delete → that address is the only free one, and the next create gets it.
        try registry.deleteService("s3")
        let again = try registry.createService(allocationService("again"))
        let freed = Set((1...14).map { "10.0.0.\($0)" }).subtracting(ips.subtracting([again["spec"]?["clusterIP"]?.stringValue ?? ""]))
        #expect(freed.count == 1)
        #expect(registry.serviceError(allocationService("full2"))?.code == 500)
    }

    @Test func dynamicAllocationFillsTheUpperBandBeforeTheLower() throws {
        // /27: 30 usable, band offset 16 → upper band is 10.0.0.17–10.0.0.30 (14 addresses).
        let registry = try makeAllocationRegistry(clusterIPRange: "10.0.0.0/27")
        var lastOctets: [Int] = []
        for index in 0..<30 {
            let created = try registry.createService(allocationService("s\(index)"))
            let address = try #require(created["spec"]?["clusterIP"]?.stringValue)
            lastOctets.append(try #require(Int(address.split(separator: ".").last ?? "")))
        }
        #expect(lastOctets.prefix(14).allSatisfy { (17...30).contains($0) }, "\(lastOctets)")
        #expect(lastOctets.suffix(16).allSatisfy { (1...16).contains($0) }, "\(lastOctets)")
        #expect(Set(lastOctets).count == 30)
        #expect(registry.serviceError(allocationService("full"))?.message
            == "Internal error occurred: failed to allocate a serviceIP: range is full")
    }

    @Test func staticAllocationMayUseTheLowerBand() throws {
        let registry = try makeAllocationRegistry()
        let created = try registry.createService(allocationService("dns", ["clusterIP": "10.96.0.10"]))
        #expect(created["spec"]?["clusterIP"] == "10.96.0.10")
        #expect(created["spec"]?["clusterIPs"] == ["10.96.0.10"])
    }

    @Test func requestedIPAlreadyAllocatedIs422() throws {
        let registry = try makeAllocationRegistry()
        try registry.createService(allocationService("first", ["clusterIP": "10.96.0.10"]))
        let error = try #require(registry.serviceError(allocationService("web", ["clusterIP": "10.96.0.10"])))
        #expect(error.code == 422)
        #expect(error.reason == "Invalid")
        #expect(error.message == "Service \"web\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.96.0.10\"}: failed to allocate IP 10.96.0.10: provided IP is already allocated")
        #expect(error.details?.causes.first?.field == "spec.clusterIPs")
        #expect(error.details?.causes.first?.reason == "FieldValueInvalid")
    }

    @Test(arguments: ["1.1.1.1", "10.96.0.0", "10.111.255.255", "10.112.0.1"])
    func requestedIPOutOfRangeIs422(address: String) throws {
        let registry = try makeAllocationRegistry()
        let error = try #require(registry.serviceError(allocationService("web", ["clusterIP": .string(address)])))
        #expect(error.code == 422)
        #expect(error.message == "Service \"web\" is invalid: spec.clusterIPs: Invalid value: []string{\"\(address)\"}: failed to allocate IP \(address): the provided IP (\(address)) is not in the valid range. The range of valid IPs is 10.96.0.0/12")
    }

    @Test func failedCreateAllocatesNothing() throws {
        let registry = try makeAllocationRegistry()
        let before = registry.store.claimCount(pool: ServiceNetwork.nodePortPool)
        // The cluster IP is fine, the second node port is not: nothing may stay claimed.
        let object = allocationService("web", ["type": "NodePort", "clusterIP": "10.96.0.20",
                                               "ports": [["name": "a", "port": 80, "nodePort": 30080],
                                                         ["name": "b", "port": 81, "nodePort": 80]]])
        #expect(registry.serviceError(object)?.code == 422)
        #expect(registry.store.claimCount(pool: ServiceNetwork.clusterIPPool) == 0)
        #expect(registry.store.claimCount(pool: ServiceNetwork.nodePortPool) == before)
        let ok = try registry.createService(allocationService("ok", ["type": "NodePort", "clusterIP": "10.96.0.20",
                                                                     "ports": [["port": 80, "nodePort": 30080]]]))
        #expect(ok["spec"]?["clusterIP"] == "10.96.0.20")
    }

    @Test func nodePortOutOfRangeIs422() throws {
        let registry = try makeAllocationRegistry()
        let error = try #require(registry.serviceError(
            allocationService("web", ["type": "NodePort", "ports": [["port": 80, "nodePort": 80]]])))
        #expect(error.code == 422)
        #expect(error.message == "Service \"web\" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767")
    }

    @Test func nodePortAlreadyAllocatedIs422() throws {
        let registry = try makeAllocationRegistry()
        try registry.createService(allocationService("first", ["type": "NodePort", "ports": [["port": 80, "nodePort": 30080]]]))
        let error = try #require(registry.serviceError(
            allocationService("web", ["type": "NodePort", "ports": [["port": 80, "nodePort": 30080]]])))
        #expect(error.code == 422)
        #expect(error.message == "Service \"web\" is invalid: spec.ports[0].nodePort: Invalid value: 30080: provided port is already allocated")
    }

    @Test func dynamicNodePortsPreferTheUpperBandAndPortsSharingANumberShareOne() throws {
        let registry = try makeAllocationRegistry()
        var seen: Set<Int64> = []
        for index in 0..<50 {
            let created = try registry.createService(allocationService("s\(index)", [
                "type": "NodePort",
                "ports": [["name": "dns-tcp", "port": 53, "protocol": "TCP"], ["name": "dns-udp", "port": 53, "protocol": "UDP"],
                          ["name": "http", "port": 80]],
            ]))
            let ports = try #require(created["spec"]?["ports"]?.arrayValue)
            let tcp = try #require(ports[0]["nodePort"]?.intValue)
            let udp = try #require(ports[1]["nodePort"]?.intValue)
            let http = try #require(ports[2]["nodePort"]?.intValue)
            #expect(tcp == udp)
            #expect(tcp != http)
            #expect((30086...32767).contains(tcp) && (30086...32767).contains(http))
            #expect(!seen.contains(tcp) && !seen.contains(http))
            seen.formUnion([tcp, http])
        }
    }

    @Test func exhaustingTheNodePortRangeIsRangeIsFull() throws {
        let registry = try makeAllocationRegistry(nodePortRange: "30000-30004")
        for index in 0..<5 {
            try registry.createService(allocationService("s\(index)", ["type": "NodePort"]))
        }
        let error = try #require(registry.serviceError(allocationService("full", ["type": "NodePort"])))
        #expect(error.code == 500)
        #expect(error.message == "Internal error occurred: failed to allocate a nodePort: range is full")
        #expect(registry.store.claimCount(pool: ServiceNetwork.clusterIPPool) == 5)  // no IP leaked by the failure
    }

    @Test func localLoadBalancerGetsAHealthCheckNodePort() throws {
        let registry = try makeAllocationRegistry()
        let created = try registry.createService(allocationService("lb", ["type": "LoadBalancer", "externalTrafficPolicy": "Local"]))
        let health = try #require(created["spec"]?["healthCheckNodePort"]?.intValue)
        let nodePort = try #require(created["spec"]?["ports"]?[0]?["nodePort"]?.intValue)
        #expect((30000...32767).contains(health))
        #expect(health != nodePort)
        #expect(registry.store.claimCount(pool: ServiceNetwork.nodePortPool) == 2)
    }

    @Test func loadBalancerWithoutNodePortAllocationGetsNone() throws {
        let registry = try makeAllocationRegistry()
        let created = try registry.createService(allocationService("lb", ["type": "LoadBalancer",
                                                                          "allocateLoadBalancerNodePorts": false]))
        #expect(created["spec"]?["ports"]?[0]?["nodePort"] == nil)
        #expect(created["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"] == "172.18.255.200")
    }

    @Test func loadBalancerAddressesAreLowestFirstAndHonourLoadBalancerIP() throws {
        let registry = try makeAllocationRegistry()
        let first = try registry.createService(allocationService("a", ["type": "LoadBalancer"]))
        #expect(first["status"] == ["loadBalancer": ["ingress": [["ip": "172.18.255.200", "ipMode": "VIP"]]]])
        let requested = try registry.createService(allocationService("b", ["type": "LoadBalancer", "loadBalancerIP": "172.18.255.240"]))
        #expect(requested["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"] == "172.18.255.240")
        let second = try registry.createService(allocationService("c", ["type": "LoadBalancer"]))
        #expect(second["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"] == "172.18.255.201")
        let foreign = try registry.createService(allocationService("d", ["type": "LoadBalancer",
                                                                         "loadBalancerClass": "example.com/other"]))
        #expect(foreign["status"] == ["loadBalancer": [:]])
        #expect(registry.store.claimCount(pool: ServiceNetwork.loadBalancerPoolName) == 3)
    }

    @Test func preferDualStackOnTwoRangesGetsTwoIPs() throws {
        let registry = try makeAllocationRegistry(clusterIPRange: "10.96.0.0/16,fd00:10:96::/112")
        let created = try registry.createService(allocationService("web", ["ipFamilyPolicy": "PreferDualStack"]))
        let spec = try #require(created["spec"])
        #expect(spec["ipFamilies"] == ["IPv4", "IPv6"])
        let ips = (spec["clusterIPs"]?.arrayValue ?? []).compactMap { $0.stringValue }
        #expect(ips.count == 2)
        #expect(spec["clusterIP"]?.stringValue == ips[0])
        let v4 = try #require(ServiceIPRange("10.96.0.0/16"))
        let v6 = try #require(ServiceIPRange("fd00:10:96::/112"))
        #expect(v4.offset(of: ip(ips[0])) != nil)
        #expect(v6.offset(of: ip(ips[1])) != nil)
        #expect(ip(ips[1]).description == ips[1])  // canonical text
        #expect(registry.store.claimCount(pool: ServiceNetwork.clusterIPPool) == 2)
    }

    @Test func dualStackFamiliesFollowTheRequestedOrder() throws {
        let registry = try makeAllocationRegistry(clusterIPRange: "10.96.0.0/16,fd00:10:96::/112")
        let v6First = try registry.createService(allocationService("v6first", ["ipFamilyPolicy": "RequireDualStack",
                                                                               "ipFamilies": ["IPv6", "IPv4"]]))
        #expect(v6First["spec"]?["ipFamilies"] == ["IPv6", "IPv4"])
        #expect(v6First["spec"]?["clusterIP"]?.stringValue?.hasPrefix("fd00:10:96::") == true)
        let single = try registry.createService(allocationService("single", ["ipFamilies": ["IPv6"]]))
        #expect(single["spec"]?["ipFamilyPolicy"] == "SingleStack")
        #expect(single["spec"]?["clusterIPs"]?.arrayValue?.count == 1)
        let statik = try registry.createService(allocationService("static", ["ipFamilyPolicy": "PreferDualStack",
                                                                             "clusterIPs": ["10.96.5.5", "fd00:10:96::5"]]))
        #expect(statik["spec"]?["clusterIPs"] == ["10.96.5.5", "fd00:10:96::5"])
        #expect(statik["spec"]?["ipFamilies"] == ["IPv4", "IPv6"])
    }

    @Test func requireDualStackOnSingleStackIs422() throws {
        let registry = try makeAllocationRegistry()
        let error = try #require(registry.serviceError(allocationService("web", ["ipFamilyPolicy": "RequireDualStack"])))
        #expect(error.code == 422)
        #expect(error.message == "Service \"web\" is invalid: spec.ipFamilyPolicy: Invalid value: \"RequireDualStack\": this cluster is not configured for dual-stack services")
    }

    @Test func preferDualStackOnSingleStackGetsOneIP() throws {
        let registry = try makeAllocationRegistry()
        let created = try registry.createService(allocationService("web", ["ipFamilyPolicy": "PreferDualStack"]))
        #expect(created["spec"]?["ipFamilies"] == ["IPv4"])
        #expect(created["spec"]?["clusterIPs"]?.arrayValue?.count == 1)
    }

    @Test func unservedFamilyIs422() throws {
        let registry = try makeAllocationRegistry()
        let error = try #require(registry.serviceError(allocationService("web", ["ipFamilies": ["IPv6"]])))
        #expect(error.code == 422)
        #expect(error.message == "Service \"web\" is invalid: spec.ipFamilies[0]: Invalid value: \"IPv6\": not configured on this cluster")
    }

    @Test func headlessAndExternalNameServicesHoldNoAddress() throws {
        let registry = try makeAllocationRegistry()
        let headless = try registry.createService(allocationService("headless", ["clusterIP": "None"]))
        #expect(headless["spec"]?["clusterIPs"] == ["None"])
        #expect(headless["spec"]?["ipFamilyPolicy"] == "SingleStack")
        let external = try registry.createService(allocationService("ext", ["type": "ExternalName",
                                                                            "externalName": "db.example.com"]))
        #expect(external["spec"]?["clusterIP"] == nil)
        #expect(external["spec"]?["clusterIPs"] == nil)
        #expect(registry.store.claimCount(pool: ServiceNetwork.clusterIPPool) == 0)
    }

    @Test func typeChangesAllocateAndRelease() throws {
        let registry = try makeAllocationRegistry()
        let created = try registry.createService(allocationService("web"))
        let clusterIP = try #require(created["spec"]?["clusterIP"])
        let nodePortService = try registry.mergePatchService("web", ["spec": ["type": "NodePort"]])
        let nodePort = try #require(nodePortService["spec"]?["ports"]?[0]?["nodePort"]?.intValue)
        #expect(registry.store.claimCount(pool: ServiceNetwork.nodePortPool) == 1)
        let lb = try registry.mergePatchService("web", ["spec": ["type": "LoadBalancer"]])
        #expect(lb["spec"]?["ports"]?[0]?["nodePort"]?.intValue == nodePort)
        #expect(lb["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"] == "172.18.255.200")
        let back = try registry.mergePatchService("web", ["spec": ["type": "ClusterIP"]])
        #expect(back["spec"]?["clusterIP"] == clusterIP)
        #expect(back["spec"]?["ports"]?[0]?["nodePort"] == nil)
        #expect(back["status"] == ["loadBalancer": [:]])
        #expect(registry.store.claimCount(pool: ServiceNetwork.nodePortPool) == 0)
        #expect(registry.store.claimCount(pool: ServiceNetwork.loadBalancerPoolName) == 0)
        let external = try registry.mergePatchService("web", ["spec": ["type": "ExternalName", "externalName": "x.example.com"]])
        #expect(external["spec"]?["clusterIP"] == nil)
        #expect(registry.store.claimCount(pool: ServiceNetwork.clusterIPPool) == 0)
        // The released node port can be requested again.
        try registry.createService(allocationService("other", ["type": "NodePort", "ports": [["port": 80, "nodePort": .int(nodePort)]]]))
    }

    @Test func dryRunCreateReturnsTheNetworkAddressAndAllocatesNothing() throws {
        let registry = try makeAllocationRegistry()
        let preview = try registry.createService(allocationService("web", ["type": "LoadBalancer"]), dryRun: true)
        #expect(preview["spec"]?["clusterIP"] == "10.96.0.0")
        #expect(preview["spec"]?["clusterIPs"] == ["10.96.0.0"])
        #expect(registry.store.claimCount(pool: ServiceNetwork.clusterIPPool) == 0)
        #expect(registry.store.claimCount(pool: ServiceNetwork.nodePortPool) == 0)
        #expect(registry.store.claimCount(pool: ServiceNetwork.loadBalancerPoolName) == 0)
        let statik = try registry.createService(allocationService("web", ["clusterIP": "10.96.0.10"]), dryRun: true)
        #expect(statik["spec"]?["clusterIP"] == "10.96.0.10")
        try registry.createService(allocationService("real", ["clusterIP": "10.96.0.10"]))
    }

    @Test func repairFindsNothingToReleaseInAConsistentStore() throws {
        let registry = try makeAllocationRegistry()
        try registry.createService(allocationService("a", ["type": "LoadBalancer", "externalTrafficPolicy": "Local"]))
        try registry.createService(allocationService("b", ["type": "NodePort"]))
        let repair = AllocationRepair(registry: registry)
        for _ in 0..<4 { #expect(repair.run().isEmpty) }
        let stored = try registry.get(registry.services, namespace: "default", name: "a").object
        let expected = AllocationRepair.claims(of: stored, network: registry.network)
        #expect(expected.count == 4)  // cluster IP, node port, health-check node port, load-balancer IP
        #expect(registry.store.claims(resource: "services", namespace: "default", name: "a") == expected)
    }

    @Test func kubernetesServiceGetsTheFirstAddress() throws {
        let registry = try makeAllocationRegistry()
        registry.reconcileKubernetesService(host: "127.0.0.1", port: 6443)
        let kubernetes = try registry.get(registry.services, namespace: "default", name: "kubernetes").object
        #expect(kubernetes["spec"]?["clusterIP"] == "10.96.0.1")
        #expect(kubernetes["spec"]?["ports"] == [["name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443]])
        #expect(kubernetes["metadata"]?["labels"] == ["component": "apiserver", "provider": "kubernetes"])
        let error = try #require(registry.serviceError(allocationService("web", ["clusterIP": "10.96.0.1"])))
        #expect(error.message.hasSuffix("provided IP is already allocated"))
    }
}
