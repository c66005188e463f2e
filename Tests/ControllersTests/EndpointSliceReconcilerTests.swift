import JSON
import Testing

@testable import Controllers

/// Table tests of the pure EndpointSlice reconciler (reference §12.2-§12.4; `k8s.io/endpointslice/reconciler.go`,
/// `utils.go`): a Service, the Pods it selects and its existing slices in, a plan of creates/updates/deletes out.
@Suite("EndpointSliceReconciler")
struct EndpointSliceReconcilerTests {
    // MARK: - Builders

    static let serviceUID = "11111111-2222-3333-4444-555555555555"

    static func service(
        name: String = "web", namespace: String = "default", uid: String = serviceUID,
        labels: JSON = ["app": "web", "tier": "front"], ports: JSON = [["port": 80, "targetPort": 8080, "protocol": "TCP"]],
        ipFamilies: [String] = ["IPv4"], clusterIP: String = "10.96.0.10", publishNotReady: Bool? = nil
    ) -> JSON {
        var spec: JSON = ["selector": ["app": "web"], "ports": ports, "clusterIP": .string(clusterIP),
                          "ipFamilies": .array(ipFamilies.map { .string($0) })]
        if let publishNotReady { spec["publishNotReadyAddresses"] = .bool(publishNotReady) }
        return ["apiVersion": "v1", "kind": "Service",
                "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid), "labels": labels],
                "spec": spec]
    }

    /// A running Pod as the simulator leaves it: scheduled, with an IP, Ready as given.
    static func pod(
        _ index: Int, ip: String? = nil, ready: Bool = true, phase: String = "Running", node: String = "node-1",
        ips: [String]? = nil, containerPorts: JSON? = nil, deleting: Bool = false,
        hostname: String? = nil, subdomain: String? = nil
    ) -> JSON {
        let address = ip ?? "10.244.\(index / 250).\(index % 250 + 1)"
        var container: JSON = ["name": "c", "image": "nginx:1.27"]
        if let containerPorts { container["ports"] = containerPorts }
        var spec: JSON = ["containers": [container], "nodeName": .string(node)]
        if let hostname { spec["hostname"] = .string(hostname) }
        if let subdomain { spec["subdomain"] = .string(subdomain) }
        var metadata: JSON = ["name": .string("pod-\(index)"), "namespace": "default", "uid": .string("uid-pod-\(index)"),
                              "labels": ["app": "web"]]
        if deleting { metadata["deletionTimestamp"] = "2026-01-01T00:00:30Z" }
        var status: JSON = ["phase": .string(phase),
                            "conditions": [["type": "Ready", "status": .string(ready ? "True" : "False")]]]
        let podIPs = ips ?? (address.isEmpty ? [] : [address])
        if let first = podIPs.first {
            status["podIP"] = .string(first)
            status["podIPs"] = .array(podIPs.map { ["ip": .string($0)] })
        }
        return ["apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec, "status": status]
    }

    static func pods(_ range: Range<Int>) -> [JSON] { range.map { pod($0) } }

    /// What the API server would store for a planned create: a name, uid and resourceVersion added.
    static func stored(_ slice: JSON, name: String, resourceVersion: Int = 10) -> JSON {
        var slice = slice
        slice["metadata"]?["name"] = .string(name)
        slice["metadata"]?["uid"] = .string("uid-\(name)")
        slice["metadata"]?["resourceVersion"] = .string("\(resourceVersion)")
        slice["metadata"]?["generation"] = 1
        slice["metadata"]?["creationTimestamp"] = "2026-01-01T00:00:00Z"
        return slice
    }

    /// Plans from nothing and "stores" the creates, named `<svc>-s0`, `<svc>-s1`, ...
    static func converged(_ reconciler: EndpointSliceReconciler, service: JSON, pods: [JSON]) -> [JSON] {
        let plan = reconciler.plan(service: service, pods: pods, existing: [])
        #expect(plan.updates.isEmpty && plan.deletes.isEmpty)
        return plan.creates.enumerated().map { stored($1, name: "web-s\($0)") }
    }

    static func endpoints(_ slice: JSON) -> [JSON] { slice["endpoints"]?.arrayValue ?? [] }
    static func addresses(_ slice: JSON) -> [String] { endpoints(slice).compactMap { $0["addresses"]?[0]?.stringValue } }
    static func endpoint(_ slice: JSON, _ address: String) -> JSON? {
        endpoints(slice).first { $0["addresses"]?[0]?.stringValue == address }
    }
    static func name(_ slice: JSON) -> String { slice["metadata"]?["name"]?.stringValue ?? "" }

    let reconciler = EndpointSliceReconciler(maxEndpointsPerSlice: 100)

    // MARK: - Creating

    @Test func threeReadyPodsGiveOneCreateWithThreeEndpoints() throws {
        let plan = reconciler.plan(service: Self.service(), pods: Self.pods(0..<3), existing: [])
        #expect(plan.updates.isEmpty)
        #expect(plan.deletes.isEmpty)
        try #require(plan.creates.count == 1)
        let slice = plan.creates[0]
        #expect(slice["apiVersion"] == "discovery.k8s.io/v1")
        #expect(slice["kind"] == "EndpointSlice")
        #expect(slice["addressType"] == "IPv4")
        #expect(slice["metadata"]?["generateName"] == "web-")
        #expect(slice["metadata"]?["name"] == nil)
        #expect(slice["metadata"]?["namespace"] == "default")
        #expect(slice["metadata"]?["labels"] == [
            "app": "web", "tier": "front", "kubernetes.io/service-name": "web",
            "endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
        ])
        #expect(slice["metadata"]?["ownerReferences"] == [[
            "apiVersion": "v1", "kind": "Service", "name": "web", "uid": .string(Self.serviceUID),
            "controller": true, "blockOwnerDeletion": true,
        ]])
        #expect(Set(Self.addresses(slice)) == ["10.244.0.1", "10.244.0.2", "10.244.0.3"])
        for endpoint in Self.endpoints(slice) {
            #expect(endpoint["conditions"] == ["ready": true, "serving": true, "terminating": false])
            #expect(endpoint["nodeName"] == "node-1")
            #expect(endpoint["hostname"] == nil)
        }
        #expect(Self.endpoint(slice, "10.244.0.2")?["targetRef"] == [
            "kind": "Pod", "namespace": "default", "name": "pod-1", "uid": "uid-pod-1",
        ])
        // An unnamed service port still carries `name: ""` (kubectl describe dereferences it, §12.3).
        #expect(slice["ports"] == [["name": "", "protocol": "TCP", "port": 8080]])
    }

    @Test func namedServicePortsAndAppProtocolAreCopied() throws {
        let ports: JSON = [["name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP", "appProtocol": "http"],
                           ["name": "dns", "port": 53, "protocol": "UDP"]]
        let plan = reconciler.plan(service: Self.service(ports: ports), pods: Self.pods(0..<1), existing: [])
        try #require(plan.creates.count == 1)
        #expect(plan.creates[0]["ports"] == [
            ["name": "http", "protocol": "TCP", "port": 8080, "appProtocol": "http"],
            ["name": "dns", "protocol": "UDP", "port": 53],  // no targetPort: the port itself
        ])
    }

    @Test func headlessServiceSlicesCarryTheHeadlessLabel() throws {
        let plan = reconciler.plan(service: Self.service(clusterIP: "None"), pods: Self.pods(0..<1), existing: [])
        try #require(plan.creates.count == 1)
        #expect(plan.creates[0]["metadata"]?["labels"]?["service.kubernetes.io/headless"] == "")
    }

    @Test func noPodsGiveOnePlaceholder() throws {
        let plan = reconciler.plan(service: Self.service(), pods: [], existing: [])
        #expect(plan.updates.isEmpty && plan.deletes.isEmpty)
        try #require(plan.creates.count == 1)
        #expect(plan.creates[0]["endpoints"] == [])
        #expect(plan.creates[0]["ports"] == [])
        #expect(plan.creates[0]["addressType"] == "IPv4")
        #expect(plan.creates[0]["metadata"]?["generateName"] == "web-")
    }

    @Test func existingPlaceholderIsKept() {
        let existing = Self.converged(reconciler, service: Self.service(), pods: [])
        #expect(reconciler.plan(service: Self.service(), pods: [], existing: existing).isEmpty)
    }

    @Test func lastPodGoingTurnsItsSliceIntoThePlaceholder() throws {
        let existing = Self.converged(reconciler, service: Self.service(), pods: Self.pods(0..<2))
        let plan = reconciler.plan(service: Self.service(), pods: [], existing: existing)
        #expect(plan.creates.isEmpty && plan.deletes.isEmpty)
        try #require(plan.updates.count == 1)
        #expect(Self.name(plan.updates[0]) == "web-s0")
        #expect(plan.updates[0]["endpoints"] == [])
        #expect(plan.updates[0]["ports"] == [])
    }

    @Test func firstPodReplacesThePlaceholderWithoutANewSlice() throws {
        let existing = Self.converged(reconciler, service: Self.service(), pods: [])
        let plan = reconciler.plan(service: Self.service(), pods: Self.pods(0..<1), existing: existing)
        // Kubernetes turns the pending create into an update of the placeholder that would be deleted.
        #expect(plan.creates.isEmpty && plan.deletes.isEmpty)
        try #require(plan.updates.count == 1)
        #expect(Self.addresses(plan.updates[0]) == ["10.244.0.1"])
        #expect(plan.updates[0]["ports"] == [["name": "", "protocol": "TCP", "port": 8080]])
    }

    // MARK: - Minimal churn and updates

    @Test func unchangedSliceGivesAnEmptyPlan() {
        let existing = Self.converged(reconciler, service: Self.service(), pods: Self.pods(0..<3))
        #expect(reconciler.plan(service: Self.service(), pods: Self.pods(0..<3), existing: existing).isEmpty)
        // Pod order does not matter either.
        #expect(reconciler.plan(service: Self.service(), pods: Self.pods(0..<3).reversed(), existing: existing).isEmpty)
    }

    @Test func podBecomingNotReadyGivesOneUpdate() throws {
        let existing = Self.converged(reconciler, service: Self.service(), pods: Self.pods(0..<3))
        var pods = Self.pods(0..<3)
        pods[1] = Self.pod(1, ready: false)
        let plan = reconciler.plan(service: Self.service(), pods: pods, existing: existing)
        #expect(plan.creates.isEmpty && plan.deletes.isEmpty)
        try #require(plan.updates.count == 1)
        let slice = plan.updates[0]
        #expect(Self.name(slice) == "web-s0")
        #expect(slice["metadata"]?["resourceVersion"] == "10", "updates carry the resourceVersion they were read at")
        #expect(Self.endpoint(slice, "10.244.0.2")?["conditions"] == ["ready": false, "serving": false, "terminating": false])
        #expect(Self.endpoint(slice, "10.244.0.1")?["conditions"] == ["ready": true, "serving": true, "terminating": false])
        #expect(Self.endpoints(slice).count == 3)
    }

    @Test func serviceLabelChangeIsPropagated() throws {
        let existing = Self.converged(reconciler, service: Self.service(), pods: Self.pods(0..<1))
        let relabelled = Self.service(labels: ["app": "web", "tier": "back"])
        let plan = reconciler.plan(service: relabelled, pods: Self.pods(0..<1), existing: existing)
        try #require(plan.updates.count == 1)
        #expect(plan.updates[0]["metadata"]?["labels"]?["tier"] == "back")
    }

    // MARK: - Endpoint conditions

    @Test(arguments: [true, false])
    func terminatingPodIsNotReadyServingAsItsReadyCondition(ready: Bool) throws {
        let pods = [Self.pod(0), Self.pod(1, ready: ready, deleting: true)]
        let plan = reconciler.plan(service: Self.service(), pods: pods, existing: [])
        try #require(plan.creates.count == 1)
        #expect(Self.endpoint(plan.creates[0], "10.244.0.2")?["conditions"] ==
                ["ready": false, "serving": .bool(ready), "terminating": true])
    }

    @Test func publishNotReadyAddressesMakesEveryEndpointReady() throws {
        let pods = [Self.pod(0, ready: false), Self.pod(1, deleting: true)]
        let plan = reconciler.plan(service: Self.service(publishNotReady: true), pods: pods, existing: [])
        try #require(plan.creates.count == 1)
        #expect(Self.endpoint(plan.creates[0], "10.244.0.1")?["conditions"] == ["ready": true, "serving": false, "terminating": false])
        #expect(Self.endpoint(plan.creates[0], "10.244.0.2")?["conditions"] == ["ready": true, "serving": true, "terminating": true])
    }

    @Test func podsWithoutIPOrFinishedAreSkipped() throws {
        var pending = Self.pod(1, ip: "", phase: "Pending")
        pending["status"]?["podIP"] = nil
        let pods = [Self.pod(0), pending, Self.pod(2, phase: "Succeeded"), Self.pod(3, phase: "Failed")]
        let plan = reconciler.plan(service: Self.service(), pods: pods, existing: [])
        try #require(plan.creates.count == 1)
        #expect(Self.addresses(plan.creates[0]) == ["10.244.0.1"])
    }

    @Test func podWithOnlyLegacyPodIPIsAnEndpoint() throws {
        var legacy = Self.pod(0)
        legacy["status"]?["podIPs"] = nil
        let plan = reconciler.plan(service: Self.service(), pods: [legacy], existing: [])
        try #require(plan.creates.count == 1)
        #expect(Self.addresses(plan.creates[0]) == ["10.244.0.1"])
    }

    @Test func onlyPodsNotReadyAndNotScheduledStillGetEndpointsWithoutNodeName() throws {
        var unscheduled = Self.pod(0, ready: false)
        unscheduled["spec"]?["nodeName"] = nil
        let plan = reconciler.plan(service: Self.service(), pods: [unscheduled], existing: [])
        try #require(plan.creates.count == 1)
        let endpoint = try #require(Self.endpoint(plan.creates[0], "10.244.0.1"))
        #expect(endpoint["nodeName"] == nil)
        #expect(endpoint["conditions"]?["ready"] == false)
    }

    // MARK: - Named target ports

    static let namedPortService = service(ports: [["name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"]])

    @Test func namedTargetPortIsResolvedByNameAndProtocol() throws {
        let pods = [
            Self.pod(0, containerPorts: [["name": "web", "containerPort": 8080, "protocol": "TCP"]]),
            // Same name, other protocol: not a match, so no port for this pod.
            Self.pod(1, containerPorts: [["name": "web", "containerPort": 9090, "protocol": "UDP"]]),
            // Protocol defaulted (absent) counts as TCP.
            Self.pod(2, containerPorts: [["name": "web", "containerPort": 8080]]),
        ]
        let plan = reconciler.plan(service: Self.namedPortService, pods: pods, existing: [])
        #expect(plan.updates.isEmpty && plan.deletes.isEmpty)
        try #require(plan.creates.count == 2)
        let resolved = try #require(plan.creates.first { $0["ports"] == [["name": "http", "protocol": "TCP", "port": 8080]] })
        #expect(Set(Self.addresses(resolved)) == ["10.244.0.1", "10.244.0.3"])
        let unresolved = try #require(plan.creates.first { $0["ports"] == [] })
        #expect(Self.addresses(unresolved) == ["10.244.0.2"])
    }

    @Test func podsResolvingANamedPortDifferentlyGetSeparateSlices() throws {
        let pods = [
            Self.pod(0, containerPorts: [["name": "web", "containerPort": 8080, "protocol": "TCP"]]),
            Self.pod(1, containerPorts: [["name": "web", "containerPort": 8081, "protocol": "TCP"]]),
            Self.pod(2),  // declares no ports at all
            Self.pod(3, containerPorts: [["name": "web", "containerPort": 8080, "protocol": "TCP"]]),
        ]
        let plan = reconciler.plan(service: Self.namedPortService, pods: pods, existing: [])
        try #require(plan.creates.count == 3)
        var byPort: [String: Set<String>] = [:]
        for slice in plan.creates {
            let port = slice["ports"]?[0]?["port"]?.intValue.map { "\($0)" } ?? "none"
            byPort[port] = Set(Self.addresses(slice))
        }
        #expect(byPort == ["8080": ["10.244.0.1", "10.244.0.4"], "8081": ["10.244.0.2"], "none": ["10.244.0.3"]])
    }

    @Test func multiPortServiceOmitsOnlyTheUnresolvedPort() throws {
        let service = Self.service(ports: [["name": "http", "port": 80, "targetPort": "web", "protocol": "TCP"],
                                           ["name": "metrics", "port": 9100, "targetPort": 9100, "protocol": "TCP"]])
        let plan = reconciler.plan(service: service, pods: [Self.pod(0)], existing: [])
        try #require(plan.creates.count == 1)
        #expect(plan.creates[0]["ports"] == [["name": "metrics", "protocol": "TCP", "port": 9100]])
    }

    // MARK: - Packing

    @Test func twoHundredFiftyPodsWithMax100GiveThreeSlices() {
        let plan = reconciler.plan(service: Self.service(), pods: Self.pods(0..<250), existing: [])
        #expect(plan.updates.isEmpty && plan.deletes.isEmpty)
        #expect(plan.creates.count == 3)
        #expect(plan.creates.map { Self.endpoints($0).count }.sorted() == [50, 100, 100])
        let all = plan.creates.flatMap(Self.addresses)
        #expect(all.count == 250 && Set(all).count == 250)
    }

    @Test func twoHundredFiftyPodsWithMax10GiveTwentyFiveSlices() {
        let small = EndpointSliceReconciler(maxEndpointsPerSlice: 10)
        let plan = small.plan(service: Self.service(), pods: Self.pods(0..<250), existing: [])
        #expect(plan.creates.count == 25)
        #expect(plan.creates.allSatisfy { Self.endpoints($0).count == 10 })
    }

    @Test func convergedLargeServiceIsStable() {
        let existing = Self.converged(reconciler, service: Self.service(), pods: Self.pods(0..<250))
        #expect(reconciler.plan(service: Self.service(), pods: Self.pods(0..<250), existing: existing).isEmpty)
    }

    @Test func removingPodsFromAFullSliceThenAddingRefillsIt() throws {
        let existing = Self.converged(reconciler, service: Self.service(), pods: Self.pods(0..<150))
        let full = try #require(existing.first { Self.endpoints($0).count == 100 })
        let removed = Set(Self.addresses(full).prefix(10))
        let pods = Self.pods(0..<160).filter { !removed.contains($0["status"]?["podIP"]?.stringValue ?? "") }
        let plan = reconciler.plan(service: Self.service(), pods: pods, existing: existing)
        // The 10 new endpoints go into the slice that is being updated anyway; no new slice, nothing else touched.
        #expect(plan.creates.isEmpty && plan.deletes.isEmpty)
        try #require(plan.updates.count == 1)
        #expect(Self.name(plan.updates[0]) == Self.name(full))
        #expect(Self.endpoints(plan.updates[0]).count == 100)
        #expect(removed.isDisjoint(with: Self.addresses(plan.updates[0])))
    }

    @Test func newPodsFillTheClosestFittingUnchangedSlice() throws {
        let existing = Self.converged(reconciler, service: Self.service(), pods: Self.pods(0..<150))
        let plan = reconciler.plan(service: Self.service(), pods: Self.pods(0..<170), existing: existing)
        #expect(plan.creates.isEmpty && plan.deletes.isEmpty)
        try #require(plan.updates.count == 1)
        #expect(Self.endpoints(plan.updates[0]).count == 70)
    }

    @Test func overflowBeyondEveryExistingSliceCreatesOnlyWhatIsNeeded() {
        let existing = Self.converged(reconciler, service: Self.service(), pods: Self.pods(0..<100))
        let plan = reconciler.plan(service: Self.service(), pods: Self.pods(0..<130), existing: existing)
        #expect(plan.updates.isEmpty && plan.deletes.isEmpty)
        #expect(plan.creates.count == 1)
        #expect(plan.creates.map { Self.endpoints($0).count } == [30])
    }

    @Test func replacingEveryPodReusesTheSliceName() throws {
        let existing = Self.converged(reconciler, service: Self.service(), pods: Self.pods(0..<3))
        let plan = reconciler.plan(service: Self.service(), pods: Self.pods(10..<13), existing: existing)
        #expect(plan.creates.isEmpty && plan.deletes.isEmpty)
        try #require(plan.updates.count == 1)
        #expect(Self.name(plan.updates[0]) == "web-s0")
        #expect(Set(Self.addresses(plan.updates[0])) == ["10.244.0.11", "10.244.0.12", "10.244.0.13"])
    }

    @Test func shrinkingDeletesEmptiedSlices() throws {
        let existing = Self.converged(reconciler, service: Self.service(), pods: Self.pods(0..<250))
        let keep = existing.first { Self.endpoints($0).count == 100 }!
        let pods = Self.pods(0..<250).filter { Self.addresses(keep).contains($0["status"]?["podIP"]?.stringValue ?? "") }
        let plan = reconciler.plan(service: Self.service(), pods: pods, existing: existing)
        #expect(plan.creates.isEmpty && plan.updates.isEmpty)
        #expect(Set(plan.deletes.map(Self.name)) == Set(existing.map(Self.name)).subtracting([Self.name(keep)]))
    }

    // MARK: - Ownership and address types

    @Test func sliceNotOwnedByTheServiceUIDIsDeleted() throws {
        let stale = Self.converged(reconciler, service: Self.service(uid: "old-uid"), pods: Self.pods(0..<3))
        let plan = reconciler.plan(service: Self.service(), pods: Self.pods(0..<3), existing: stale)
        #expect(plan.deletes.map(Self.name) == ["web-s0"])
        #expect(plan.updates.isEmpty)
        try #require(plan.creates.count == 1)
        #expect(plan.creates[0]["metadata"]?["ownerReferences"]?[0]?["uid"] == .string(Self.serviceUID))
    }

    @Test func dualStackServiceGetsOneSlicePerAddressType() throws {
        let pods = (0..<3).map { Self.pod($0, ips: ["10.244.0.\($0 + 1)", "fd00:10:244::\($0 + 1)"]) }
        let plan = reconciler.plan(service: Self.service(ipFamilies: ["IPv4", "IPv6"]), pods: pods, existing: [])
        #expect(plan.updates.isEmpty && plan.deletes.isEmpty)
        try #require(plan.creates.count == 2)
        let v4 = try #require(plan.creates.first { $0["addressType"] == "IPv4" })
        let v6 = try #require(plan.creates.first { $0["addressType"] == "IPv6" })
        #expect(Set(Self.addresses(v4)) == ["10.244.0.1", "10.244.0.2", "10.244.0.3"])
        #expect(Set(Self.addresses(v6)) == ["fd00:10:244::1", "fd00:10:244::2", "fd00:10:244::3"])
    }

    @Test func dualStackWithSingleStackPodsGivesAnIPv6Placeholder() throws {
        let plan = reconciler.plan(service: Self.service(ipFamilies: ["IPv4", "IPv6"]), pods: Self.pods(0..<2), existing: [])
        try #require(plan.creates.count == 2)
        let v6 = try #require(plan.creates.first { $0["addressType"] == "IPv6" })
        #expect(v6["endpoints"] == [] && v6["ports"] == [])
    }

    @Test func slicesOfAnAddressTypeTheServiceNoLongerHasAreDeleted() {
        let pods = (0..<2).map { Self.pod($0, ips: ["10.244.0.\($0 + 1)", "fd00:10:244::\($0 + 1)"]) }
        let dual = Self.service(ipFamilies: ["IPv4", "IPv6"])
        let existing = Self.converged(reconciler, service: dual, pods: pods)
        let plan = reconciler.plan(service: Self.service(ipFamilies: ["IPv4"]), pods: pods, existing: existing)
        #expect(plan.creates.isEmpty && plan.updates.isEmpty)
        #expect(plan.deletes.map { $0["addressType"] } == ["IPv6"])
    }

    @Test func hostnameOnlyWhenSubdomainIsTheServiceName() throws {
        let pods = [Self.pod(0, hostname: "h0", subdomain: "web"), Self.pod(1, hostname: "h1", subdomain: "other"),
                    Self.pod(2, hostname: "h2")]
        let plan = reconciler.plan(service: Self.service(), pods: pods, existing: [])
        try #require(plan.creates.count == 1)
        #expect(Self.endpoint(plan.creates[0], "10.244.0.1")?["hostname"] == "h0")
        #expect(Self.endpoint(plan.creates[0], "10.244.0.2")?["hostname"] == nil)
        #expect(Self.endpoint(plan.creates[0], "10.244.0.3")?["hostname"] == nil)
    }
}
