import ArgumentParser
import SQLite

#if canImport(Glibc)
import Glibc
#endif

/// `serviceplane backup --db PATH --to FILE`: a consistent copy of a database, taken while a server may be running
/// on it (`SQLiteBackup.backUp`: `VACUUM INTO` in one read transaction, which neither blocks nor waits for the
/// server's writes).
struct Backup: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a consistent copy of the database to a new file (safe while the server runs).")

    @Option(help: "The database to back up (the server's --db).")
    var db = "./serviceplane.db"

    @Option(help: "The backup file to create; it must not exist.")
    var to: String

    func run() throws {
        do {
            try SQLiteBackup.backUp(database: db, to: to)
            let summary = try DatabaseSummary(path: to)
            print("backed up \(db) to \(to): \(summary)")
        } catch {
            throw CommandFailure(message: "backup failed: \(error.message)")
        }
    }
}

/// `serviceplane restore --from FILE --db PATH`: replaces a database (which no server may be using) with a backup.
struct Restore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replace a database with a backup. Refuses while a server (or anything else) has it open.")

    @Option(help: "The backup file written by `serviceplane backup`.")
    var from: String

    @Option(help: "The database to restore into (created if missing).")
    var db = "./serviceplane.db"

    @Flag(help: "Overwrite a database that already holds objects.")
    var force = false

    func run() throws {
        guard access(from, R_OK) == 0 else { throw CommandFailure(message: "cannot read \(from)") }
        do {
            let check = try SQLiteBackup.integrityCheck(from)
            guard check == "ok" else { throw CommandFailure(message: "\(from) is damaged: \(check)") }
            let summary = try DatabaseSummary(path: from)
            if !force, access(db, F_OK) == 0, let existing = try? DatabaseSummary(path: db), existing.objects > 0 {
                throw CommandFailure(message: "\(db) already holds \(existing.objects) objects; pass --force to replace them")
            }
            try SQLiteBackup.restore(backup: from, into: db)
            print("restored \(from) into \(db): \(summary)")
        } catch let error as SQLiteError {
            throw CommandFailure(message: "restore failed: \(error.message)")
        }
    }
}

/// What a ServicePlane database holds, for the backup and restore reports; throws if the file is not one.
struct DatabaseSummary: CustomStringConvertible {
    let objects: Int64
    let resourceVersion: Int64

    init(path: String) throws(SQLiteError) {
        let connection = try SQLiteConnection(path: path)
        objects = try connection.scalarInt("SELECT count(*) FROM objects") ?? 0
        resourceVersion = try connection.scalarInt("SELECT resource_version FROM revision WHERE id = 1") ?? 0
    }

    var description: String { "\(objects) objects, resourceVersion \(resourceVersion)" }
}

/// A failed command: its message goes to stderr and the exit status is 1.
struct CommandFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
