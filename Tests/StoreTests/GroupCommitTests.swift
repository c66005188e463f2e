import Dispatch
import Foundation
import JSON
import Synchronization
import Testing

@testable import Store

/// Group commit: concurrent writers share one transaction, each still succeeds or fails on its own.
@Suite(.serialized) struct GroupCommitTests {
    /// Starts `count` writers while the writer lock is held, so the first leads a group of one and waits for the
    /// lock, and every other writer queues behind it: they all end up in the second group. Returns each
    /// writer's outcome, by index.
    static func commitAsOneGroup(_ store: Store, count: Int,
                                 mutations: @escaping @Sendable (Int) -> [StoreMutation]) -> [Result<[StoreEvent], StoreError>] {
        let outcomes = Mutex<[Int: Result<[StoreEvent], StoreError>]>([:])
        let done = DispatchGroup()
        store.writer.withLock { _ in
            for index in 0..<count {
                done.enter()
                // Own threads, not the dispatch pool: blocked writers must not wait for the pool to grow.
                Thread.detachNewThread {
                    let outcome = Result { () throws(StoreError) in try store.commit(mutations(index)) }
                    outcomes.withLock { $0[index] = outcome }
                    done.leave()
                }
                // Arrival order decides the order inside the group: let each writer queue before the next. Writer 0
                // leads: it has taken itself off the queue and waits for the lock held here.
                while !store.commitQueue.withLock({ $0.leaderActive && $0.waiting.count == index }) {
                    Thread.sleep(forTimeInterval: 0.0001)
                }
            }
        }
        done.wait()
        return outcomes.withLock { all in (0..<count).map { all[$0]! } }
    }

    @Test func concurrentWritersShareAGroupAndEachFailsAlone() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        try store.commit([.create(resource: "pods", namespace: "default", name: "taken", object: pod("taken"))])
        // Writer 0 leads alone; 1...5 form one group in which 3 collides with an existing object and 4 updates
        // with a stale resourceVersion: only they fail.
        let outcomes = Self.commitAsOneGroup(store, count: 6) { index in
            switch index {
            case 3: return [.create(resource: "pods", namespace: "default", name: "taken", object: pod("taken"))]
            case 4: return [.update(resource: "pods", namespace: "default", name: "taken", object: pod("taken", label: "x"),
                                    expectedResourceVersion: 99)]
            default: return [.create(resource: "pods", namespace: "default", name: "p\(index)", object: pod("p\(index)"))]
            }
        }
        let versions = outcomes.compactMap { try? $0.get()[0].resourceVersion }
        #expect(versions == [2, 3, 4, 5], "the successful writers get consecutive resourceVersions in arrival order")
        guard case .failure(.alreadyExists) = outcomes[3] else { Issue.record("writer 3: \(outcomes[3])"); return }
        guard case .failure(.conflict) = outcomes[4] else { Issue.record("writer 4: \(outcomes[4])"); return }
        #expect(store.currentResourceVersion == 5)
        #expect(store.get(resource: "pods", namespace: "default", name: "taken")?.resourceVersion == 1)
        let reopened = try temporary.open()
        #expect(reopened.list(resource: "pods", namespace: "default")?.objects.map(\.name) == ["p0", "p1", "p2", "p5", "taken"])
        #expect(reopened.currentResourceVersion == 5)
    }

    @Test func laterWritersInAGroupSeeEarlierOnes() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open()
        let ip = Claim(pool: "cluster-ip", value: "10.96.0.10")
        // 1 creates "a" holding the claim, 2 updates "a" (sees version 2), 3 wants the same claim for "b":
        // taken by 1 within the group, so 3 alone fails.
        let outcomes = Self.commitAsOneGroup(store, count: 4) { index in
            switch index {
            case 0: return [.create(resource: "pods", namespace: "default", name: "first", object: pod("first"))]
            case 1: return [.create(resource: "services", namespace: "default", name: "a", object: pod("a"), claims: [ip])]
            case 2: return [.update(resource: "services", namespace: "default", name: "a", object: pod("a", label: "b"),
                                    expectedResourceVersion: 2, claims: [ip])]
            default: return [.create(resource: "services", namespace: "default", name: "b", object: pod("b"), claims: [ip])]
            }
        }
        #expect((try? outcomes[2].get()[0].resourceVersion) == 3)
        guard case .failure(.claimTaken(_, let owner)) = outcomes[3] else { Issue.record("writer 3: \(outcomes[3])"); return }
        #expect(owner == "services/default/a")
        let reopened = try temporary.open()
        #expect(reopened.owner(of: ip)?.key == "default/a")
        #expect(reopened.get(resource: "services", namespace: "default", name: "a")?.resourceVersion == 3)
    }

    @Test func manyConcurrentWritersKeepOneOrderedHistory() throws {
        let temporary = TemporaryStore()
        let store = try temporary.open(eventLogCapacity: 10_000)
        let seen = Mutex<[Int64]>([])
        let subscription = try store.subscribe(resource: "pods", namespace: nil, from: nil, begin: { _ in }) { event in
            seen.withLock { $0.append(event.resourceVersion) }
            return true
        }
        defer { subscription.cancel() }
        let writers = 16
        let perWriter = 50
        let done = DispatchGroup()
        for writer in 0..<writers {
            done.enter()
            Thread.detachNewThread {
                for index in 0..<perWriter {
                    let name = "w\(writer)-\(index % 40)"  // 10 of each writer's 50 collide with its own earlier ones
                    _ = try? store.commit([.create(resource: "pods", namespace: "default", name: name, object: pod(name))])
                }
                done.leave()
            }
        }
        done.wait()
        let expected = writers * 40
        #expect(store.currentResourceVersion == Int64(expected))
        _ = store.deliveredResourceVersion()
        #expect(seen.withLock { $0 } == Array(1...Int64(expected)), "every event once, in resourceVersion order")
        let reopened = try temporary.open()
        #expect(reopened.list(resource: "pods", namespace: nil)?.objects.count == expected)
    }
}
