import JSON
import Logging
import Registry
import Store
import Testing

@testable import Controllers

/// The pod simulator starting on a database that already holds Pods, as after a restart.
@Suite struct PodSimulatorRestartTests {
    static let runningCount = 3_000

    /// 10.244.0.0/16 plus `offset`, as `PodAddressPool` numbers addresses.
    static func address(offset: Int) -> String { "10.244.\(offset >> 8).\(offset & 255)" }

    /// A Running, Ready Pod holding `ip`, written straight into the store (the simulator has nothing to do for it).
    static func runningPod(_ name: String, ip: String) -> JSON {
        ["apiVersion": "v1", "kind": "Pod",
         "metadata": ["name": .string(name), "namespace": "default", "uid": .string("uid-\(name)")],
         "spec": ["nodeName": "node-1", "containers": [["name": "c", "image": "nginx"]]],
         "status": ["phase": "Running", "podIP": .string(ip), "podIPs": [["ip": .string(ip)]],
                    "conditions": [["type": "Ready", "status": "True"], ["type": "ContainersReady", "status": "True"]]]]
    }

    /// The simulator learns which IPs are in use from its watch's initial state. A bound Pod still waiting for an IP
    /// (the server stopped between binding and starting it) must not be started before that state is fully read,
    /// or it can be given an address a Pod later in the initial list holds. Here the waiting Pod sorts first and
    /// the holder of the lowest address last, so starting it early would reuse 10.244.0.1.
    @Test func podWaitingForAnIPAtStartupGetsOneNoOtherPodHolds() async throws {
        let logger = Logger(label: "test")
        let store = try Store(path: ":memory:", logger: logger)
        let registry = Registry(store: store, network: try ServiceNetwork(), logger: logger)
        try registry.bootstrap()
        let pods = registry.resource(group: "", version: "v1", resource: "pods")!
        let waiting: JSON = ["metadata": ["name": "a-waiting"], "spec": ["containers": [["name": "c", "image": "nginx"]]]]
        _ = try registry.create(pods, namespace: "default", object: waiting, options: WriteOptions())
        _ = try registry.bindPod(namespace: "default", name: "a-waiting", nodeName: "node-1")
        let count = Self.runningCount
        try store.commit((0..<count).map { index in
            let digits = String(index)
            let name = "z-" + String(repeating: "0", count: 5 - digits.count) + digits
            return .create(resource: pods.storageKey, namespace: "default", name: name,
                           object: Self.runningPod(name, ip: Self.address(offset: count - index)))
        })

        let simulator = try PodSimulator(registry: registry, configuration: .init(), logger: logger)
        try simulator.start()
        defer { simulator.stop() }
        var ip = ""
        for _ in 0..<1_000 where ip.isEmpty {
            try await Task.sleep(for: .milliseconds(10))
            ip = try registry.get(pods, namespace: "default", name: "a-waiting").object["status"]?["podIP"]?.stringValue ?? ""
        }
        #expect(ip == Self.address(offset: count + 1), "the lowest address no Pod holds")
    }
}
