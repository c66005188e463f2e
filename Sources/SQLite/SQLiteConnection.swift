import CSQLite

/// One SQLite connection with a prepared-statement cache.
///
/// Not thread-safe: the Store owns exactly one connection (the writer) and serializes every use of it.
/// A thin wrapper over the C API rather than GRDB (DESIGN.md decision 4: a point read in microseconds,
/// a first build in seconds).
public final class SQLiteConnection {
    let handle: OpaquePointer
    /// Statements by SQL text; prepared once, reset and reused.
    private var statementCache: [String: SQLiteStatement] = [:]
    public let path: String
    /// The WAL commit observer registered with SQLite, released with the connection.
    var walObserver: Unmanaged<WriteAheadLogObserver>?

    /// Opens (creating if needed) the database at `path`; `:memory:` gives a private in-memory database.
    public init(path: String) throws(SQLiteError) {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message, sql: nil)
        }
        handle = db
        self.path = path
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        statementCache.removeAll()
        sqlite3_close_v2(handle)
        walObserver?.release()
    }

    /// Runs one or more SQL statements without results (schema, pragmas).
    public func execute(_ sql: String) throws(SQLiteError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message, sql: sql)
        }
    }

    /// The cached prepared statement for `sql`, reset and with bindings cleared.
    public func statement(_ sql: String) throws(SQLiteError) -> SQLiteStatement {
        if let cached = statementCache[sql] {
            cached.reset()
            return cached
        }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &raw, nil)
        guard rc == SQLITE_OK, let raw else { throw SQLiteError(code: rc, message: lastErrorMessage, sql: sql) }
        let statement = SQLiteStatement(handle: raw, connection: handle, sql: sql)
        statementCache[sql] = statement
        return statement
    }

    /// Runs `body` inside `BEGIN IMMEDIATE` ... `COMMIT`, rolling back if it throws.
    /// IMMEDIATE takes the write lock up front, so a transaction never fails half-way with SQLITE_BUSY.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// The value of a single-integer query such as `PRAGMA user_version`.
    ///
    /// The statement is reset before returning: a statement left on a row keeps its read transaction open,
    /// which pins the WAL (no checkpoint can rewind it, so it grows without bound).
    public func scalarInt(_ sql: String) throws(SQLiteError) -> Int64? {
        let statement = try statement(sql)
        defer { statement.reset() }
        guard try statement.step() else { return nil }
        return statement.isNull(0) ? nil : statement.int64(0)
    }

    /// True while some statement has stepped but neither finished nor been reset, i.e. holds a read open.
    public var hasActiveStatements: Bool {
        var statement = sqlite3_next_stmt(handle, nil)
        while let current = statement {
            if sqlite3_stmt_busy(current) != 0 { return true }
            statement = sqlite3_next_stmt(handle, current)
        }
        return false
    }

    /// True while a transaction is open (some errors, e.g. SQLITE_FULL or an I/O error, roll it back on their own).
    public var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Rows changed by the most recent INSERT, UPDATE or DELETE.
    public var changes: Int64 { Int64(sqlite3_changes64(handle)) }

    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }
}
