import Foundation
import JSON
import Logging
import Testing

@testable import Store

/// A store on a fresh temporary database file, removed at deinit.
final class TemporaryStore {
    let directory: String
    var path: String { directory + "/store.db" }

    init() {
        directory = NSTemporaryDirectory() + "storetests-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    /// A window of -1 s makes every event old enough to drop, so only the count bound applies.
    func open(eventLogCapacity: Int = 1000) throws -> Store {
        try Store(path: path, history: .init(events: eventLogCapacity, windowSeconds: -1), logger: Logger(label: "test"))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }
}

func pod(_ name: String, namespace: String = "default", label: String = "a") -> JSON {
    ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": .string(name), "namespace": .string(namespace),
                                                     "labels": ["app": .string(label)]]]
}

@Suite struct StoreTests {
    @Test func createStampsConsecutiveResourceVersions() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        let first = try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
        let second = try store.commit([.create(resource: "pods", namespace: "default", name: "b", object: pod("b"))])
        #expect(first[0].resourceVersion == 1)
        #expect(second[0].resourceVersion == 2)
        #expect(store.get(resource: "pods", namespace: "default", name: "a")?.object["metadata"]?["resourceVersion"] == "1")
        #expect(store.currentResourceVersion == 2)
    }

    @Test func createOfExistingKeyIsAlreadyExists() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
        #expect(throws: StoreError.self) {
            try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
        }
        #expect(store.currentResourceVersion == 1)
    }

    @Test func updateWithStaleResourceVersionIsConflictAndChangesNothing() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
        try store.commit([.update(resource: "pods", namespace: "default", name: "a", object: pod("a", label: "b"),
                                  expectedResourceVersion: 1)])
        do {
            try store.commit([.update(resource: "pods", namespace: "default", name: "a", object: pod("a", label: "c"),
                                      expectedResourceVersion: 1)])
            Issue.record("expected a conflict")
        } catch {
            guard case .conflict(_, _, _, let current) = error else { Issue.record("wrong error \(error)"); return }
            #expect(current.resourceVersion == 2)
        }
        #expect(store.get(resource: "pods", namespace: "default", name: "a")?.object["metadata"]?["labels"]?["app"] == "b")
    }

    @Test func batchIsAllOrNothing() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
        #expect(throws: StoreError.self) {
            try store.commit([.create(resource: "pods", namespace: "default", name: "b", object: pod("b")),
                              .create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
        }
        #expect(store.get(resource: "pods", namespace: "default", name: "b") == nil)
        #expect(store.currentResourceVersion == 1)
    }

    @Test func everythingSurvivesReopenAndResourceVersionsKeepGrowing() throws {
        let temporary = TemporaryStore()
        do {
            let store = try temporary.open()
            try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
            try store.commit([.create(resource: "pods", namespace: "default", name: "b", object: pod("b"))])
            try store.commit([.delete(resource: "pods", namespace: "default", name: "b", expectedResourceVersion: 2)])
        }
        let reopened = try temporary.open()
        #expect(reopened.currentResourceVersion == 3)
        #expect(reopened.get(resource: "pods", namespace: "default", name: "a")?.resourceVersion == 1)
        #expect(reopened.get(resource: "pods", namespace: "default", name: "b") == nil)
        let next = try reopened.commit([.create(resource: "pods", namespace: "default", name: "c", object: pod("c"))])
        #expect(next[0].resourceVersion == 4)
    }

    @Test func historyReloadedFromDiskReadsOnlyTheBodiesItNeeds() throws {
        let temporary = TemporaryStore()
        do {
            let store = try temporary.open()
            try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
            try store.commit([.create(resource: "pods", namespace: "default", name: "b", object: pod("b"))])
            try store.commit([.update(resource: "pods", namespace: "default", name: "a", object: pod("a", label: "z"),
                                      expectedResourceVersion: 1)])
            try store.commit([.update(resource: "pods", namespace: "default", name: "a", object: pod("a", label: "y"),
                                      expectedResourceVersion: 3)])
            try store.commit([.delete(resource: "pods", namespace: "default", name: "b", expectedResourceVersion: 2)])
        }
        let reopened = try temporary.open()
        #expect(reopened.get(resource: "pods", namespace: "default", name: "a")?.object["metadata"]?["labels"]?["app"] == "y")
        // Rewinding needs the bodies of versions that are no longer current: read back by resourceVersion.
        let atTwo = try #require(reopened.list(resource: "pods", namespace: "default", at: 2))
        #expect(atTwo.objects.map(\.name) == ["a", "b"])
        #expect(atTwo.objects[0].object["metadata"]?["labels"]?["app"] == "a")
        #expect(atTwo.objects[0].object["metadata"]?["resourceVersion"] == "1")
        let atThree = try #require(reopened.list(resource: "pods", namespace: "default", at: 3))
        #expect(atThree.objects[0].object["metadata"]?["labels"]?["app"] == "z")
        let deletion = try #require(reopened.list(resource: "pods", namespace: nil, at: 4))
        #expect(deletion.objects.map(\.name) == ["a", "b"])
    }

    @Test func listIsOrderedByNamespaceThenName() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        for (namespace, name) in [("b", "x"), ("a", "z"), ("ab", "a"), ("a", "y")] {
            try store.commit([.create(resource: "pods", namespace: namespace, name: name, object: pod(name, namespace: namespace))])
        }
        let all = try #require(store.list(resource: "pods", namespace: nil))
        #expect(all.objects.map(\.key) == ["a/y", "a/z", "ab/a", "b/x"])
        let inA = try #require(store.list(resource: "pods", namespace: "a"))
        #expect(inA.objects.map(\.name) == ["y", "z"])
        let afterY = try #require(store.list(resource: "pods", namespace: nil, afterKey: "a/y"))
        #expect(afterY.objects.map(\.key) == ["a/z", "ab/a", "b/x"])
    }

    @Test func listAtAnOlderResourceVersionRewindsChanges() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
        try store.commit([.create(resource: "pods", namespace: "default", name: "b", object: pod("b"))])
        // After rv 2: create c, modify a, delete b.
        try store.commit([.create(resource: "pods", namespace: "default", name: "c", object: pod("c"))])
        try store.commit([.update(resource: "pods", namespace: "default", name: "a", object: pod("a", label: "z"),
                                  expectedResourceVersion: 1)])
        try store.commit([.delete(resource: "pods", namespace: "default", name: "b", expectedResourceVersion: 2)])
        let snapshot = try #require(store.list(resource: "pods", namespace: "default", at: 2))
        #expect(snapshot.resourceVersion == 2)
        #expect(snapshot.objects.map(\.name) == ["a", "b"])
        #expect(snapshot.objects[0].object["metadata"]?["labels"]?["app"] == "a")
    }

    @Test func listOlderThanTheEventLogIsNil() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open(eventLogCapacity: 2)
        for name in ["a", "b", "c", "d"] {
            try store.commit([.create(resource: "pods", namespace: "default", name: name, object: pod(name))])
        }
        #expect(store.list(resource: "pods", namespace: "default", at: 1) == nil)
        #expect(store.list(resource: "pods", namespace: "default", at: 2)?.objects.count == 2)
    }

    @Test func embeddedMigrationsMatchTheMigrationsDirectory() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let directory = root.appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.count == EmbeddedMigrations.all.count, "run scripts/embed-migrations.sh")
        for (file, migration) in zip(files, EmbeddedMigrations.all) {
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            #expect(migration.sql == sql.trimmingCharacters(in: .newlines), "run scripts/embed-migrations.sh (\(file))")
            #expect(file.hasPrefix(String(format: "%04d_", migration.version)))
        }
    }
}
