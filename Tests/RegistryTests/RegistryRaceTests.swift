import Dispatch
import JSON
import KubeAPI
import Synchronization
import Testing

@testable import Registry

/// Writers losing the optimistic-concurrency race: who retries, who gets 409.
@Suite struct RegistryRaceTests {
    /// Runs `guaranteedUpdate` whose first transform lets another writer commit in between (the lost race).
    func raceOnce(_ registry: Registry, transform: @escaping (JSON) -> JSON) throws(StatusError) -> JSON {
        var raced = false
        return try registry.guaranteedUpdate(registry.services, namespace: "default", name: "web", subresource: nil,
                                             options: WriteOptions(), createIfMissing: false) { current throws(StatusError) -> JSON in
            let object = transform(current!.object)
            if !raced {
                raced = true
                _ = try registry.patch(registry.services, namespace: "default", name: "web",
                                       patch: Patch(type: .merge, body: ["metadata": ["labels": ["other": "1"]]]),
                                       options: WriteOptions())
            }
            return object
        }.object.object
    }

    @Test func patchWithoutResourceVersionIsReappliedAfterALostRace() throws {
        let registry = try makeRegistry()
        _ = try registry.create(registry.services, namespace: "default", object: service("web", labels: ["app": "web"]),
                                options: WriteOptions())
        // A patched object carries the resourceVersion it was applied to, like this transform's result.
        let stored = try raceOnce(registry) { current in
            var object = current
            object["metadata"]?["labels"]?["mine"] = "1"
            return object
        }
        #expect(stored["metadata"]?["labels"] == ["app": "web", "other": "1", "mine": "1"])
    }

    @Test func putWithTheResourceVersionItReadIsConflictAfterALostRace() throws {
        let registry = try makeRegistry()
        var read = try registry.create(registry.services, namespace: "default", object: service("web"), options: WriteOptions())
            .object.object
        read["metadata"]?["labels"] = ["mine": "1"]
        #expect(throws: StatusError.self) { try raceOnce(registry) { _ in read } }
        let stored = try registry.get(registry.services, namespace: "default", name: "web").object
        #expect(stored["metadata"]?["labels"] == ["other": "1"])
    }

    @Test func concurrentUnconditionalPatchesAllLand() throws {
        let registry = try makeRegistry()
        _ = try registry.create(registry.services, namespace: "default", object: service("web"), options: WriteOptions())
        let failures = Mutex<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 64) { index in
            do {
                _ = try registry.patch(registry.services, namespace: "default", name: "web",
                                       patch: Patch(type: .merge, body: ["metadata": ["annotations": ["c\(index)": "1"]]]),
                                       options: WriteOptions())
            } catch {
                failures.withLock { $0.append("\(index): \(error)") }
            }
        }
        #expect(failures.withLock { $0 } == [])
        let annotations = try registry.get(registry.services, namespace: "default", name: "web").object["metadata"]?["annotations"]
        #expect(annotations?.objectValue?.count == 64)
    }
}
