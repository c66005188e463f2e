import Dispatch
import Logging
import SQLite
import Synchronization

/// Copies the WAL into the database file mostly on its own connection and thread, so the writer does not
/// wait for a checkpoint's bulk copy and fsyncs.
///
/// SQLite's automatic checkpoint runs inside the COMMIT that crosses the threshold, on the writer: every
/// ~1,000 pages one commit pays for copying them and syncing the WAL and the grown database file (tens of ms
/// here), and every writer queued behind it waits too. Here the writer only notes the WAL size after each commit
/// (`observeWriteAheadLog`); past `threshold` frames this checkpointer copies the WAL with a passive checkpoint,
/// which never blocks writers. SQLite rewinds the WAL to its start (so its blocks are overwritten, never grown)
/// only once *everything* in it was copied, which commits made during that copy prevent; so the writer then
/// finishes the cycle itself, between two commits, copying just the few frames added meanwhile. Past
/// `backstopFrames` (the checkpointer failed or fell behind) the writer checkpoints on its own.
final class Checkpointer: Sendable {
    static let threshold = 1000
    static let backstopFrames = 8000

    enum Phase {
        /// Below the threshold, or waiting for the WAL to be rewound.
        case idle
        /// The checkpointer is copying.
        case copying
        /// The bulk copy is done: the writer copies the rest after its next commit.
        case finishing
    }

    private let path: String
    private let synchronous: String
    private let logger: Logger
    private let queue = DispatchQueue(label: "serviceplane.store.checkpoint")
    /// The checkpoint connection, opened on first use; only touched on `queue`.
    private nonisolated(unsafe) var connection: SQLiteConnection?
    private let phase = Mutex(Phase.idle)

    init(path: String, durability: Store.Durability, logger: Logger) {
        self.path = path
        self.synchronous = durability == .full ? "FULL" : "NORMAL"
        self.logger = logger
    }

    /// Registers with the writer connection; from then on SQLite's automatic checkpoints are off. The observer
    /// runs on the writer's thread right after a commit, under the Store's writer lock.
    func attach(to writer: SQLiteConnection) {
        writer.observeWriteAheadLog { [unowned writer, self] frames in
            let action = phase.withLock { phase -> Phase? in
                switch phase {
                case .idle where frames >= Self.threshold:
                    phase = .copying
                    return .copying
                case .finishing:
                    phase = .idle
                    return .finishing
                default:
                    return frames >= Self.backstopFrames ? .finishing : nil
                }
            }
            switch action {
            case .copying: queue.async { [self] in copyInBackground() }
            case .finishing: checkpoint(writer)
            default: break
            }
        }
    }

    private func copyInBackground() {
        do {
            if connection == nil {
                let opened = try SQLiteConnection(path: path)
                try opened.execute("PRAGMA synchronous=\(synchronous)")
                try opened.execute("PRAGMA busy_timeout=5000")
                // The last connection to close must keep the WAL too (see Store.init).
                try opened.persistWriteAheadLog()
                connection = opened
            }
            if let connection { checkpoint(connection) }
        } catch {
            logger.warning("checkpoint failed", metadata: ["error": "\(error)"])
        }
        phase.withLock { $0 = .finishing }
    }

    private func checkpoint(_ connection: SQLiteConnection) {
        do { try connection.checkpointPassive() } catch {
            logger.warning("checkpoint failed", metadata: ["error": "\(error)"])
        }
    }

    /// Returns once no background copy is running or queued (tests).
    func waitUntilIdle() {
        queue.sync {}
    }
}
