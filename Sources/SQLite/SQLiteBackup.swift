import CSQLite

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Online backup and offline restore of a whole SQLite database file.
///
/// A backup is `VACUUM INTO` on a connection of its own: one read transaction, so in WAL mode it is a consistent
/// snapshot of the last commit and never blocks the server's writer (nor is blocked by it). A restore copies a
/// backup into a database with SQLite's backup API, but only while no other connection has that database open:
/// leaving WAL mode needs every other connection gone, so `PRAGMA journal_mode=DELETE` fails with SQLITE_BUSY on a
/// database a server is using; once it succeeds, exclusive locking mode keeps anyone from opening it until the
/// copy is complete.
public enum SQLiteBackup {
    /// Writes a consistent, compacted copy of the database at `database` to the new file `destination`.
    /// Throws if `database` does not exist or `destination` does.
    public static func backUp(database: String, to destination: String) throws(SQLiteError) {
        guard access(database, F_OK) == 0 else {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "no database at \(database)", sql: nil)
        }
        guard access(destination, F_OK) != 0 else {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "\(destination) already exists", sql: nil)
        }
        let source = try SQLiteConnection(path: database)
        try source.execute("PRAGMA busy_timeout=5000")
        try source.execute("VACUUM INTO '\(destination.replacingSingleQuotes)'")
    }

    /// Replaces the contents of `database` (created if missing) with the database file `backup`.
    /// Throws `SQLITE_BUSY` when another connection, e.g. a running server, has `database` open.
    public static func restore(backup: String, into database: String) throws(SQLiteError) {
        guard access(backup, R_OK) == 0 else {
            throw SQLiteError(code: SQLITE_CANTOPEN, message: "cannot read \(backup)", sql: nil)
        }
        let source = try SQLiteConnection(path: backup)
        let destination = try SQLiteConnection(path: database)
        try destination.execute("PRAGMA busy_timeout=0")
        try destination.execute("PRAGMA locking_mode=EXCLUSIVE")
        do {
            try destination.execute("PRAGMA journal_mode=DELETE")
            try destination.execute("BEGIN EXCLUSIVE; COMMIT")
        } catch {
            throw SQLiteError(code: SQLITE_BUSY, message: "\(database) is in use by another process", sql: nil)
        }
        guard let copy = sqlite3_backup_init(destination.handle, "main", source.handle, "main") else {
            throw SQLiteError(code: sqlite3_errcode(destination.handle), message: destination.lastErrorMessage, sql: nil)
        }
        let stepped = sqlite3_backup_step(copy, -1)
        let finished = sqlite3_backup_finish(copy)
        guard stepped == SQLITE_DONE, finished == SQLITE_OK else {
            throw SQLiteError(code: stepped == SQLITE_DONE ? finished : stepped, message: destination.lastErrorMessage,
                              sql: nil)
        }
    }

    /// The result of `PRAGMA integrity_check` on the database at `path`: "ok" when it is intact.
    public static func integrityCheck(_ path: String) throws(SQLiteError) -> String {
        let connection = try SQLiteConnection(path: path)
        let statement = try connection.statement("PRAGMA integrity_check")
        var lines: [String] = []
        while try statement.step() { lines.append(statement.string(0)) }
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// The string with `'` doubled, for a single-quoted SQL literal.
    fileprivate var replacingSingleQuotes: String {
        var out = ""
        for character in self {
            out.append(character)
            if character == "'" { out.append("'") }
        }
        return out
    }
}
