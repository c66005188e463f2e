import CSQLite

extension SQLiteConnection {
    /// Copies committed WAL frames into the database file without blocking writers (`SQLITE_CHECKPOINT_PASSIVE`);
    /// returns the frames in the WAL and how many of them are now in the database file.
    @discardableResult
    public func checkpointPassive() throws(SQLiteError) -> (walFrames: Int, checkpointed: Int) {
        var frames: Int32 = 0
        var checkpointed: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &frames, &checkpointed)
        if rc != SQLITE_OK && rc != SQLITE_BUSY { throw SQLiteError(code: rc, message: lastErrorMessage, sql: nil) }
        return (Int(frames), Int(checkpointed))
    }

    /// Calls `observer` after every commit with the number of frames in the WAL (replaces SQLite's automatic
    /// checkpoints, which `PRAGMA wal_autocheckpoint` registers through the same hook). `observer` runs inside
    /// the committing call, on its thread: keep it short.
    public func observeWriteAheadLog(_ observer: @escaping (Int) -> Void) {
        let box = Unmanaged.passRetained(WriteAheadLogObserver(observer))
        walObserver?.release()
        walObserver = box
        sqlite3_wal_hook(handle, { context, _, _, frames in
            guard let context else { return SQLITE_OK }
            Unmanaged<WriteAheadLogObserver>.fromOpaque(context).takeUnretainedValue().observer(Int(frames))
            return SQLITE_OK
        }, box.toOpaque())
    }
}

/// Holds a WAL commit observer for SQLite's C hook.
final class WriteAheadLogObserver {
    let observer: (Int) -> Void
    init(_ observer: @escaping (Int) -> Void) { self.observer = observer }
}
