#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSQLite

extension SQLiteConnection {
    /// Keeps the `-wal` file when the connection closes instead of deleting it, so its disk blocks stay
    /// allocated for the next start (see `preallocateWriteAheadLog`).
    public func persistWriteAheadLog() throws(SQLiteError) {
        var on: Int32 = 1
        let rc = sqlite3_file_control(handle, "main", SQLITE_FCNTL_PERSIST_WAL, &on)
        if rc != SQLITE_OK { throw SQLiteError(code: rc, message: lastErrorMessage, sql: nil) }
    }

    /// Grows the `-wal` file to at least `bytes` by writing zeros past its end, then syncs it.
    ///
    /// Why: with `synchronous=FULL` every commit ends in an fdatasync of the WAL. On ext4 (and most journaling
    /// file systems) that costs a journal commit, ~4 ms here, whenever the written range was not yet allocated
    /// on disk, but ~0.1 ms when it only overwrites allocated blocks (what etcd gets by preallocating its WAL
    /// segments). SQLite rewinds the WAL to its start after each checkpoint, so once the file has been written
    /// through its working size every later commit is the cheap kind. Only bytes past the current end are
    /// written, so no frame is touched; SQLite ignores anything past its last valid frame (frames carry the
    /// header's salts and a checksum chain, which zeros never match). Call with no transaction open.
    public func preallocateWriteAheadLog(bytes: Int) throws(SQLiteError) {
        let walPath = path + "-wal"
        let fd = open(walPath, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot open \(walPath): errno \(errno)", sql: nil)
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw SQLiteError(code: SQLITE_IOERR, message: "cannot stat \(walPath): errno \(errno)", sql: nil)
        }
        var offset = Int(status.st_size)
        guard offset < bytes else { return }
        let chunk = [UInt8](repeating: 0, count: 1 << 16)
        while offset < bytes {
            let count = min(chunk.count, bytes - offset)
            let written = chunk.withUnsafeBytes { pwrite(fd, $0.baseAddress, count, off_t(offset)) }
            guard written > 0 else {
                throw SQLiteError(code: SQLITE_IOERR, message: "cannot extend \(walPath): errno \(errno)", sql: nil)
            }
            offset += written
        }
        guard fdatasync(fd) == 0 else {
            throw SQLiteError(code: SQLITE_IOERR, message: "cannot sync \(walPath): errno \(errno)", sql: nil)
        }
    }
}
