import SQLite
import Synchronization

/// Counts kept by the compaction loop, read by `/metrics`. Thread-safe: atomics only.
public final class CompactionCounters: Sendable {
    /// Compaction passes that deleted at least one event row.
    let runs = Atomic<Int>(0)
    /// Event rows deleted by compaction.
    let deletedEvents = Atomic<Int>(0)

    init() {}

    func record(deleted: Int) {
        guard deleted > 0 else { return }
        runs.add(1, ordering: .relaxed)
        deletedEvents.add(deleted, ordering: .relaxed)
    }
}

extension Store {
    /// The number of current objects of each resource (the in-memory indexes; no SQLite access).
    public var objectCounts: [String: Int] {
        state.withLock { state in state.indexes.mapValues { $0.count } }
    }

    /// Compaction passes that deleted event rows, and the rows they deleted, since the store opened.
    public var compactionTotals: (runs: Int, deletedEvents: Int) {
        (compactionCounters.runs.load(ordering: .relaxed), compactionCounters.deletedEvents.load(ordering: .relaxed))
    }

    /// The events kept in memory for watches and paginated lists.
    public var retainedEventCount: Int {
        state.withLock { $0.eventLog.count }
    }
}
