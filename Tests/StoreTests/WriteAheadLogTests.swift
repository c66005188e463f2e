import Foundation
import JSON
import Logging
import Testing

@testable import Store

/// The WAL stays bounded and cheap to sync: nothing pins it, checkpoints run off the writer, and at `full`
/// durability it is preallocated.
@Suite struct WriteAheadLogTests {
    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? -1
    }

    @Test func noStatementStaysOpenAfterOpenAndCommits() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
        // An open read would pin the WAL: no checkpoint could rewind it and it would grow forever.
        #expect(store.writer.withLock { $0.connection.hasActiveStatements } == false)
    }

    @Test func checkpointsCopyTheLogIntoTheDatabaseWithoutTheWriter() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open(eventLogCapacity: 10)
        let padding = String(repeating: "x", count: 2000)
        // ~2 KB objects plus their events: well past the checkpoint threshold.
        for index in 0..<600 {
            var object = pod("p\(index)")
            object["data"] = .string(padding)
            try store.commit([.create(resource: "pods", namespace: "default", name: "p\(index)", object: object)])
        }
        store.checkpointer?.waitUntilIdle()
        #expect(Self.fileSize(temporary.path) > 1_000_000, "the objects reached the database file")
        #expect(Self.fileSize(temporary.path + "-wal") < Checkpointer.backstopFrames * 4200)
    }

    @Test func fullDurabilityPreallocatesAndKeepsTheLog() throws {
        let temporary = TemporaryStore()
        do {
            let store = try Store(path: temporary.path, durability: .full, logger: Logger(label: "test"))
            #expect(Self.fileSize(temporary.path + "-wal") >= Store.preallocatedWriteAheadLog)
            try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
        }
        #expect(Self.fileSize(temporary.path + "-wal") >= Store.preallocatedWriteAheadLog, "kept across close")
        let reopened = try Store(path: temporary.path, durability: .full, logger: Logger(label: "test"))
        #expect(reopened.get(resource: "pods", namespace: "default", name: "a")?.resourceVersion == 1)
        try reopened.commit([.create(resource: "pods", namespace: "default", name: "b", object: pod("b"))])
        #expect(reopened.currentResourceVersion == 2)
    }
}
