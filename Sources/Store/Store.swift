import JSON
import Logging
import SQLite
import Synchronization

/// The durable, in-memory-served state of the API (DESIGN.md decision 2).
///
/// SQLite is the durable log: every write is one `BEGIN IMMEDIATE` transaction (object rows, event rows,
/// the resourceVersion counter) committed before memory changes. Reads never touch SQLite: current state
/// lives in per-resource `ResourceIndex`es loaded at startup, and recent changes in an `EventLog`.
///
/// Thread-safety: `writer` serializes all writers and owns the SQLite connection; `state` guards the
/// indexes, the event log and the current resourceVersion. A writer holds `writer` for the whole commit and
/// `state` only for the in-memory apply, so readers wait at most for that apply, never for SQLite.
public final class Store: Sendable {
    /// How hard a commit waits for the disk: `normal` survives a process crash (WAL, synchronous=NORMAL);
    /// `full` also survives power loss (synchronous=FULL).
    public enum Durability: String, Sendable, CaseIterable {
        case normal, full
    }

    struct State: ~Copyable {
        var indexes: [String: ResourceIndex] = [:]
        var eventLog: EventLog
        var resourceVersion: Int64
    }

    struct Writer: ~Copyable {
        let connection: SQLiteConnection
        var commitsSinceCompaction = 0
    }

    let state: Mutex<State>
    let writer: Mutex<Writer>
    let logger: Logger
    /// How many events the SQLite event log keeps at least (older ones are compacted away in small batches).
    let retainedEvents: Int64

    /// Opens (or creates) the database at `path` (`:memory:` for a throwaway store), applies pending
    /// migrations, and loads every object into memory.
    public init(path: String, durability: Durability = .normal, eventLogCapacity: Int = 20_000,
                retainedEvents: Int = 100_000, logger: Logger) throws {
        let connection = try SQLiteConnection(path: path)
        if path != ":memory:" {
            try connection.execute("PRAGMA journal_mode=WAL")
        }
        try connection.execute("PRAGMA synchronous=\(durability == .full ? "FULL" : "NORMAL")")
        try connection.execute("PRAGMA busy_timeout=5000")
        let applied = try SQLiteMigrator(migrations: EmbeddedMigrations.all).migrate(connection)
        if !applied.isEmpty { logger.info("applied migrations", metadata: ["versions": "\(applied)"]) }

        let resourceVersion = try connection.scalarInt("SELECT resource_version FROM revision WHERE id = 1") ?? 0
        var indexes: [String: ResourceIndex] = [:]
        let rows = try connection.statement("SELECT resource, namespace, name, resource_version, data FROM objects")
        while try rows.step() {
            let bytes = rows.bytes(4)
            let object = try JSON.parse(bytes)
            let stored = StoredObject(namespace: rows.string(1), name: rows.string(2), resourceVersion: rows.int64(3),
                                      object: object, bytes: bytes)
            indexes[rows.string(0), default: ResourceIndex()].put(stored)
        }
        self.state = Mutex(State(indexes: indexes, eventLog: EventLog(capacity: eventLogCapacity, startingAt: resourceVersion),
                                 resourceVersion: resourceVersion))
        self.writer = Mutex(Writer(connection: connection))
        self.logger = logger
        self.retainedEvents = Int64(retainedEvents)
        logger.info("store opened", metadata: [
            "path": "\(path)", "resourceVersion": "\(resourceVersion)",
            "objects": "\(indexes.values.reduce(0) { $0 + $1.count })",
        ])
    }

    /// The newest committed resourceVersion (the global counter).
    public var currentResourceVersion: Int64 {
        state.withLock { $0.resourceVersion }
    }

    /// The current version of one object.
    public func get(resource: String, namespace: String, name: String) -> StoredObject? {
        let key = ObjectKey.make(namespace: namespace, name: name)
        return state.withLock { $0.indexes[resource]?[key] }
    }

    /// A consistent list of `resource` (in `namespace`, or all) as of `resourceVersion` (nil = now), in key
    /// order, starting after `afterKey`. Returns nil when that resourceVersion is older than the event log
    /// reaches (the caller answers 410 Expired).
    public func list(resource: String, namespace: String?, at resourceVersion: Int64? = nil,
                     afterKey: String? = nil) -> (objects: [StoredObject], resourceVersion: Int64)? {
        state.withLock { state in
            let current = state.indexes[resource]?.objects(namespace: namespace, after: afterKey) ?? []
            guard let target = resourceVersion, target < state.resourceVersion else {
                return (current, state.resourceVersion)
            }
            guard let newer = state.eventLog.events(after: target) else { return nil }
            // Rewind: for each key changed after `target`, its state then is the `previous` of its first later event.
            var rewound: [String: StoredObject?] = [:]
            for event in newer.reversed() where event.resource == resource {
                if let namespace, event.object.namespace != namespace { continue }
                let key = event.object.key
                if let afterKey, key <= afterKey { continue }
                rewound[key] = .some(event.previous)
            }
            if rewound.isEmpty { return (current, target) }
            var merged: [String: StoredObject] = [:]
            for object in current { merged[object.key] = object }
            for (key, old) in rewound { merged[key] = old }
            let objects = merged.keys.sorted().compactMap { merged[$0] }
            return (objects, target)
        }
    }

    /// Events after `resourceVersion`, oldest first; nil if the in-memory log no longer reaches back that far.
    public func events(after resourceVersion: Int64) -> [StoreEvent]? {
        state.withLock { state in state.eventLog.events(after: resourceVersion).map(Array.init) }
    }
}
