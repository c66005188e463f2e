/// Applies numbered SQL migrations in order, each once, recording them in `schema_migrations`.
///
/// Migrations are the only way the schema changes (they live in `migrations/NNNN_name.sql` and are
/// embedded in the binary at build time). Each runs in its own transaction together with its record,
/// so a crash mid-migration leaves the database at the previous version.
public struct SQLiteMigrator {
    /// One migration: its number (from the file name), its name, and its SQL.
    public struct Migration: Sendable {
        public let version: Int
        public let name: String
        public let sql: String

        public init(version: Int, name: String, sql: String) {
            self.version = version
            self.name = name
            self.sql = sql
        }
    }

    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies every migration not yet recorded; returns the versions applied now.
    @discardableResult
    public func migrate(_ connection: SQLiteConnection) throws -> [Int] {
        try connection.execute("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)
            """)
        var applied: Set<Int> = []
        let select = try connection.statement("SELECT version FROM schema_migrations")
        while try select.step() { applied.insert(Int(select.int64(0))) }
        var newlyApplied: [Int] = []
        for migration in migrations where !applied.contains(migration.version) {
            try connection.transaction {
                try connection.execute(migration.sql)
                let record = try connection.statement("INSERT INTO schema_migrations (version, name) VALUES (?, ?)")
                try record.bind(1, Int64(migration.version))
                try record.bind(2, migration.name)
                try record.run()
            }
            newlyApplied.append(migration.version)
        }
        return newlyApplied
    }
}
