import JSON
import Synchronization
import Testing

@testable import Store

/// Collects what a subscription receives.
final class Received: Sendable {
    let events = Mutex<[StoreEvent]>([])
    func append(_ event: StoreEvent) -> Bool {
        events.withLock { $0.append(event) }
        return true
    }
    var resourceVersions: [Int64] { events.withLock { $0.map(\.resourceVersion) } }
}

@Suite struct StoreWatchTests {
    @Test func subscriptionFromNowStartsWithSnapshotThenLiveEventsInOrder() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
        let received = Received()
        var snapshot: [String] = []
        let subscription = try store.subscribe(resource: "pods", namespace: nil, from: nil, begin: { start in
            if case .snapshot(let objects, let resourceVersion) = start {
                snapshot = objects.map(\.name)
                #expect(resourceVersion == 1)
            }
        }, deliver: received.append)
        try store.commit([.create(resource: "pods", namespace: "default", name: "b", object: pod("b"))])
        try store.commit([.create(resource: "services", namespace: "default", name: "s", object: pod("s"))])
        try store.commit([.delete(resource: "pods", namespace: "default", name: "a", expectedResourceVersion: 1)])
        _ = store.deliveredResourceVersion()  // delivery runs on the fan-out thread
        #expect(snapshot == ["a"])
        #expect(received.resourceVersions == [2, 4])
        subscription.cancel()
        try store.commit([.create(resource: "pods", namespace: "default", name: "c", object: pod("c"))])
        _ = store.deliveredResourceVersion()
        #expect(received.resourceVersions == [2, 4])
        #expect(store.subscriptionCount == 0)
    }

    @Test func subscriptionFromAResourceVersionReplaysExactlyTheLaterEvents() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        for name in ["a", "b", "c"] {
            try store.commit([.create(resource: "pods", namespace: "default", name: name, object: pod(name))])
        }
        var replayed: [Int64] = []
        _ = try store.subscribe(resource: "pods", namespace: nil, from: 1, begin: { start in
            if case .replay(let events) = start { replayed = events.map(\.resourceVersion) }
        }, deliver: { _ in true })
        #expect(replayed == [2, 3])
    }

    @Test func namespaceSubscriptionSeesOnlyItsNamespace() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        let received = Received()
        _ = try store.subscribe(resource: "pods", namespace: "a", from: nil, begin: { _ in }, deliver: received.append)
        try store.commit([.create(resource: "pods", namespace: "a", name: "x", object: pod("x", namespace: "a"))])
        try store.commit([.create(resource: "pods", namespace: "b", name: "x", object: pod("x", namespace: "b"))])
        _ = store.deliveredResourceVersion()
        #expect(received.resourceVersions == [1])
    }

    @Test func expiredAndTooLargeStartsAreRefused() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open(eventLogCapacity: 2)
        for name in ["a", "b", "c", "d"] {
            try store.commit([.create(resource: "pods", namespace: "default", name: name, object: pod(name))])
        }
        #expect(throws: Store.SubscribeError.self) {
            try store.subscribe(resource: "pods", namespace: nil, from: 1, begin: { _ in }, deliver: { _ in true })
        }
        #expect(throws: Store.SubscribeError.self) {
            try store.subscribe(resource: "pods", namespace: nil, from: 99, begin: { _ in }, deliver: { _ in true })
        }
    }

    @Test func decliningSubscriberIsRemoved() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        _ = try store.subscribe(resource: "pods", namespace: nil, from: nil, begin: { _ in }, deliver: { _ in false })
        #expect(store.subscriptionCount == 1)
        try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
        _ = store.deliveredResourceVersion()
        #expect(store.subscriptionCount == 0)
    }

    @Test func eventHistorySurvivesRestartWithPreviousVersions() throws {
        let temporary = TemporaryStore()
        do {
            let store = try temporary.open()
            try store.commit([.create(resource: "pods", namespace: "default", name: "a", object: pod("a"))])
            try store.commit([.update(resource: "pods", namespace: "default", name: "a", object: pod("a", label: "b"),
                                      expectedResourceVersion: 1)])
            try store.commit([.delete(resource: "pods", namespace: "default", name: "a", expectedResourceVersion: 2)])
        }
        let reopened = try temporary.open()
        var replayed: [StoreEvent] = []
        _ = try reopened.subscribe(resource: "pods", namespace: nil, from: 0 + 1, begin: { start in
            if case .replay(let events) = start { replayed = events }
        }, deliver: { _ in true })
        #expect(replayed.map(\.type) == [.modified, .deleted])
        #expect(replayed[0].previous?.object["metadata"]?["labels"]?["app"] == "a")
        #expect(replayed[1].previous?.resourceVersion == 2)
        // A list rewound to before the deletion, after the restart.
        #expect(reopened.list(resource: "pods", namespace: nil, at: 2)?.objects.map(\.name) == ["a"])
    }
}
