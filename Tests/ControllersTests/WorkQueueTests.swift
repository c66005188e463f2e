import Dispatch
import Synchronization
import Testing

@testable import Controllers

@Suite struct WorkQueueTests {
    /// A regression test for the processor closure getting re-wrapped on every read (each sync one thunk layer
    /// deeper than the last, until the stack overflowed): 50,000 syncs must run within the deadline (the thunk chain made that quadratic: ~90 s), and the last ones as fast as
    /// the first ones.
    @Test func theCostOfASyncDoesNotGrowWithTheNumberOfSyncs() {
        let queue = WorkQueue(label: "test.workqueue")
        let processed = Mutex(0)
        let done = DispatchSemaphore(value: 0)
        let total = 50_000
        queue.setProcessor { _ in
            let count = processed.withLock { count -> Int in
                count += 1
                return count
            }
            if count == total { done.signal() }
            return true
        }
        for index in 0..<total { queue.add("key-\(index)") }
        #expect(done.wait(timeout: .now() + 45) == .success)
        #expect(processed.withLock { $0 } == total)
    }
}
