import Foundation
import Testing

@testable import SQLite

@Suite struct SQLiteTests {
    @Test func migrationsApplyOnceAndInOrder() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let migrator = SQLiteMigrator(migrations: [
            .init(version: 2, name: "second", sql: "ALTER TABLE t ADD COLUMN b TEXT"),
            .init(version: 1, name: "first", sql: "CREATE TABLE t (a INTEGER)"),
        ])
        #expect(try migrator.migrate(connection) == [1, 2])
        #expect(try migrator.migrate(connection) == [])
        #expect(try connection.scalarInt("SELECT count(*) FROM schema_migrations") == 2)
    }

    @Test func failedMigrationLeavesNoTrace() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        let migrator = SQLiteMigrator(migrations: [.init(version: 1, name: "bad", sql: "CREATE TABLE t (a); NOT SQL")])
        #expect(throws: (any Error).self) { try migrator.migrate(connection) }
        #expect(try connection.scalarInt("SELECT count(*) FROM schema_migrations") == 0)
        #expect(try connection.scalarInt("SELECT count(*) FROM sqlite_master WHERE name = 't'") == 0)
    }

    @Test func transactionRollsBackOnError() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t (a INTEGER PRIMARY KEY)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try connection.transaction {
                try connection.execute("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(try connection.scalarInt("SELECT count(*) FROM t") == 0)
    }

    @Test func uniqueViolationIsReportedAsConstraint() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t (a INTEGER PRIMARY KEY)")
        let insert = try connection.statement("INSERT INTO t VALUES (?)")
        try insert.bind(1, Int64(1))
        try insert.run()
        let again = try connection.statement("INSERT INTO t VALUES (?)")
        try again.bind(1, Int64(1))
        do {
            try again.run()
            Issue.record("expected a constraint violation")
        } catch {
            #expect(error.isConstraintViolation)
            #expect(error.sql == "INSERT INTO t VALUES (?)")
        }
    }

    @Test func blobsAndTextRoundTrip() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t (s TEXT, b BLOB)")
        let insert = try connection.statement("INSERT INTO t VALUES (?, ?)")
        try insert.bind(1, "héllo")
        try insert.bind(2, [0, 1, 2, 255] as [UInt8])
        try insert.run()
        let select = try connection.statement("SELECT s, b FROM t")
        #expect(try select.step())
        #expect(select.string(0) == "héllo")
        #expect(select.bytes(1) == [0, 1, 2, 255])
    }
}

/// `SQLiteBackup`: a backup is a consistent copy; a restore refuses a database another connection has open.
@Suite struct SQLiteBackupTests {
    private func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("sqlite-backup-\(UUID().uuidString)-\(name)").path
    }

    @Test func backupCopiesAWALDatabaseWhileItIsOpenAndRestoreRefusesAnOpenOne() throws {
        let source = temporaryPath("source.db")
        let backup = temporaryPath("backup.db")
        let target = temporaryPath("target.db")
        let live = try SQLiteConnection(path: source)
        try live.execute("PRAGMA journal_mode=WAL; CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2)")
        try SQLiteBackup.backUp(database: source, to: backup)
        #expect(throws: SQLiteError.self) { try SQLiteBackup.backUp(database: source, to: backup) }
        #expect(try SQLiteBackup.integrityCheck(backup) == "ok")

        // `live` has the source open: restoring over it must fail and leave it intact.
        #expect(throws: SQLiteError.self) { try SQLiteBackup.restore(backup: backup, into: source) }
        #expect(try live.scalarInt("SELECT count(*) FROM t") == 2)

        try SQLiteBackup.restore(backup: backup, into: target)
        let restored = try SQLiteConnection(path: target)
        #expect(try restored.scalarInt("SELECT sum(a) FROM t") == 3)
    }

    @Test func scalarIntLeavesNoReadTransactionOpen() throws {
        let path = temporaryPath("pinned.db")
        let connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA journal_mode=WAL; CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1)")
        _ = try connection.scalarInt("SELECT a FROM t")
        // A read transaction left open would make another connection's TRUNCATE checkpoint report busy (1).
        try connection.execute("INSERT INTO t VALUES (2)")
        let other = try SQLiteConnection(path: path)
        #expect(try other.scalarInt("PRAGMA wal_checkpoint(TRUNCATE)") == 0)
    }
}

@Suite struct SQLiteWriteAheadLogTests {
    @Test func scalarIntLeavesNoStatementOpen() throws {
        let connection = try SQLiteConnection(path: ":memory:")
        try connection.execute("CREATE TABLE t (a INTEGER); INSERT INTO t VALUES (1), (2)")
        #expect(try connection.scalarInt("SELECT a FROM t ORDER BY a") == 1)
        #expect(connection.hasActiveStatements == false)
    }

    @Test func preallocatedLogKeepsCommittedRowsAndIgnoresTheZeros() throws {
        let directory = NSTemporaryDirectory() + "sqlitetests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/db"
        do {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA journal_mode=WAL")
            try connection.persistWriteAheadLog()
            try connection.execute("CREATE TABLE t (a INTEGER)")
            try connection.execute("PRAGMA wal_autocheckpoint=0; INSERT INTO t VALUES (1)")
            try connection.preallocateWriteAheadLog(bytes: 1 << 20)
            let size = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? NSNumber
            #expect(size?.intValue == 1 << 20)
            try connection.execute("INSERT INTO t VALUES (2)")
        }
        // Reopened: recovery reads the committed frames and stops at the zeros.
        let reopened = try SQLiteConnection(path: path)
        #expect(try reopened.scalarInt("SELECT sum(a) FROM t") == 3)
    }
}
