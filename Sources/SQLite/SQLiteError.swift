import CSQLite

/// A failed SQLite call: the result code, SQLite's message, and the SQL that failed (as GRDB reports them).
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// The primary or extended result code (`SQLITE_BUSY`, `SQLITE_CONSTRAINT_UNIQUE`, ...).
    public let code: Int32
    public let message: String
    public let sql: String?

    public init(code: Int32, message: String, sql: String?) {
        self.code = code
        self.message = message
        self.sql = sql
    }

    /// True for any constraint violation (unique, primary key, check).
    public var isConstraintViolation: Bool { code & 0xff == SQLITE_CONSTRAINT }

    public var description: String {
        "SQLite error \(code): \(message)" + (sql.map { " (SQL: \($0))" } ?? "")
    }
}
