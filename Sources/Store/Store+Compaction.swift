import Dispatch
import SQLite

extension Store {
    /// Rows deleted per compaction batch: small enough that a write waiting behind it waits about a millisecond.
    static let compactionBatch = 500

    /// Starts the periodic compaction of the SQLite event log, off the request path.
    func startCompaction() {
        compactionTimer.schedule(deadline: .now() + 1, repeating: 1.0)
        compactionTimer.setEventHandler { [weak self] in self?.compactEventLog() }
        compactionTimer.resume()
    }

    /// Deletes durable events the in-memory history no longer covers, in small batches with the writer lock
    /// released between them, so no request waits on more than one batch.
    func compactEventLog() {
        let boundary = state.withLock { state -> Int64 in
            state.eventLog.trim(now: SystemClock.nowSeconds())
        }
        var deletedTotal = 0
        while true {
            let deleted = writer.withLock { (writer: inout Writer) -> Int in
                do {
                    let statement = try writer.connection.statement("""
                        DELETE FROM events WHERE resource_version IN (
                            SELECT resource_version FROM events WHERE resource_version <= ? ORDER BY resource_version LIMIT ?)
                        """)
                    try statement.bind(1, boundary)
                    try statement.bind(2, Int64(Self.compactionBatch))
                    try statement.run()
                    return Int(writer.connection.changes)
                } catch {
                    logger.warning("event log compaction failed", metadata: ["error": "\(error)"])
                    return 0
                }
            }
            deletedTotal += deleted
            if deleted < Self.compactionBatch { break }
        }
        compactionCounters.record(deleted: deletedTotal)
    }
}
