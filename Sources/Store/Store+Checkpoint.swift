import SQLite

extension Store {
    /// The size the `-wal` file is truncated back to whenever SQLite restarts it (`PRAGMA journal_size_limit`).
    public static let walSizeLimitBytes = 16 << 20

    /// Bounds the write-ahead log. SQLite's automatic checkpoint (every 1,000 pages) lets the WAL restart from its
    /// beginning, but the file keeps its high-water size, and while a reader such as a backup holds an old
    /// snapshot the WAL cannot restart at all and grows. `journal_size_limit` truncates it on restart;
    /// `checkpointWAL` (run periodically by the server) checkpoints and truncates it to zero once readers are gone.
    public func limitWALSize() throws {
        try writer.withLock { (writer: inout Writer) in
            try writer.connection.execute("PRAGMA journal_size_limit=\(Self.walSizeLimitBytes)")
        }
    }

    /// `PRAGMA wal_checkpoint(TRUNCATE)` under the writer lock, without waiting: when a reader (a backup) still
    /// needs the log, SQLite answers SQLITE_BUSY at once and the next call tries again. Returns whether the log was
    /// checkpointed completely. The busy timeout is lowered only for this call, so writers never wait on a reader.
    @discardableResult
    public func checkpointWAL() -> Bool {
        writer.withLock { (writer: inout Writer) -> Bool in
            do {
                try writer.connection.execute("PRAGMA busy_timeout=0")
                defer { try? writer.connection.execute("PRAGMA busy_timeout=5000") }
                let statement = try writer.connection.statement("PRAGMA wal_checkpoint(TRUNCATE)")
                defer { statement.clear() }  // a statement left on its row would hold a read transaction
                guard try statement.step() else { return false }
                return statement.int64(0) == 0
            } catch {
                logger.debug("WAL checkpoint postponed", metadata: ["error": "\(error)"])
                return false
            }
        }
    }
}
