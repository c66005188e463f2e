import Dispatch
import Synchronization

/// A deduplicating queue of object keys processed one at a time on a private serial dispatch queue.
///
/// Watch deliveries only `add` keys (cheap, they run under the store's writer lock); the level-triggered
/// sync runs here. A key added while queued is processed once; a failed sync is retried with exponential
/// backoff (10 ms doubling to 5 s). `isIdle` tells the sync endpoint whether anything is queued, running or
/// waiting for a retry. The mutex guards `State`; `process` runs outside it.
final class WorkQueue: Sendable {
    private struct State {
        var pending: [String] = []
        var queued: Set<String> = []
        var draining = false
        var retries: [String: Int] = [:]
        var delayed = 0
    }

    private let state = Mutex(State())
    private let queue: DispatchQueue
    /// Boxed: a closure stored directly in a `Mutex` is re-wrapped in two reabstraction thunks on every
    /// `withLock` that reads it (Swift 6.3), so each sync ran through one more layer than the last: after 10,000
    /// Pods a sync walked ~20,000 thunks (half the server's CPU at 1,000 Services x 10 Pods) and the stack
    /// eventually overflowed. A class reference is not reabstracted.
    private let processor = Mutex<Processor?>(nil)

    private final class Processor: Sendable {
        let process: @Sendable (String) -> Bool
        init(_ process: @escaping @Sendable (String) -> Bool) { self.process = process }
    }

    init(label: String) {
        self.queue = DispatchQueue(label: label)
    }

    /// Sets the sync function (its owner is usually not initialized yet when the queue is); it returns false
    /// when the key should be retried later. Keys added before it is set wait.
    func setProcessor(_ process: @escaping @Sendable (String) -> Bool) {
        processor.withLock { $0 = Processor(process) }
    }

    private func process(_ key: String) -> Bool {
        guard let processor = processor.withLock({ $0 }) else { return false }
        return processor.process(key)
    }

    func add(_ key: String) {
        let schedule = state.withLock { state -> Bool in
            guard state.queued.insert(key).inserted else { return false }
            state.pending.append(key)
            if state.draining { return false }
            state.draining = true
            return true
        }
        if schedule { queue.async { self.drain() } }
    }

    var isIdle: Bool {
        state.withLock { $0.pending.isEmpty && !$0.draining && $0.delayed == 0 }
    }

    private func drain() {
        while true {
            let key = state.withLock { state -> String? in
                guard !state.pending.isEmpty else {
                    state.draining = false
                    return nil
                }
                let key = state.pending.removeFirst()
                state.queued.remove(key)
                return key
            }
            guard let key else { return }
            if process(key) {
                state.withLock { _ = $0.retries.removeValue(forKey: key) }
            } else {
                retryLater(key)
            }
        }
    }

    private func retryLater(_ key: String) {
        let delay = state.withLock { state -> Double in
            let attempt = (state.retries[key] ?? 0) + 1
            state.retries[key] = attempt
            state.delayed += 1
            return min(0.01 * Double(1 << min(attempt, 9)), 5)
        }
        queue.asyncAfter(deadline: .now() + delay) {
            self.state.withLock { $0.delayed -= 1 }
            self.add(key)
        }
    }
}
