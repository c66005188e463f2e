import Dispatch
import JSON
import Logging
import SQLite
import Synchronization

/// The durable, in-memory-served state of the API (DESIGN.md decision 2).
///
/// SQLite is the durable log: every write is part of one `BEGIN IMMEDIATE` transaction (object rows, event rows,
/// claim rows, the resourceVersion counter) committed before memory changes; concurrent writers share one
/// transaction and one fsync (group commit, `Store+Commit.swift`). Reads never touch SQLite: current state
/// lives in per-resource `ResourceIndex`es loaded at startup, and recent changes in an `EventLog`.
///
/// Thread-safety: `commitQueue` lines writers up for the next group commit; `writer` serializes group commits, owns the SQLite connection, and is the ordering point of
/// the event stream: each commit queues its events on the serial `fanout` queue while holding it, so every
/// subscriber receives them in resourceVersion order, on the fan-out thread, without slowing writers. `state` guards the indexes, the event log, the subscribers and the current
/// resourceVersion; it is held only for in-memory work, so readers never wait for SQLite.
public final class Store: Sendable {
    /// How hard a commit waits for the disk: `normal` survives a process crash (WAL, synchronous=NORMAL);
    /// `full` also survives power loss (synchronous=FULL).
    public enum Durability: String, Sendable, CaseIterable {
        case normal, full
    }

    /// How much change history is kept for watches and paginated lists: at least `events` events and at
    /// least `windowSeconds` of them, whichever is more (bounded by `hardLimit` events, to bound memory).
    public struct HistoryPolicy: Sendable {
        public var events: Int
        public var windowSeconds: Int64
        public var hardLimit: Int

        public init(events: Int = 100_000, windowSeconds: Int64 = 300, hardLimit: Int = 1_000_000) {
            self.events = events
            self.windowSeconds = windowSeconds
            self.hardLimit = max(hardLimit, events)
        }
    }

    struct State: ~Copyable {
        var indexes: [String: ResourceIndex] = [:]
        var eventLog: EventLog
        var resourceVersion: Int64
        var subscribers: [String: [Int: StoreSubscription]] = [:]
        var nextSubscriptionID = 0
        /// Every held claim and its owner (`resource` NUL `namespace/name`), and each owner's claims.
        var claimOwners: [Claim: String] = [:]
        var claimsByOwner: [String: Set<Claim>] = [:]
    }

    struct Writer: ~Copyable {
        let connection: SQLiteConnection
    }

    /// How far the WAL is grown up front at `full` durability: the ~4 MB SQLite fills between two automatic
    /// checkpoints (1,000 pages), with room for the group commit that crosses the threshold.
    static let preallocatedWriteAheadLog = 8 << 20

    let state: Mutex<State>
    let writer: Mutex<Writer>
    let commitQueue = Mutex(CommitQueue())
    /// Checkpoints the WAL off the write path (nil for `:memory:`).
    let checkpointer: Checkpointer?
    let logger: Logger
    let history: HistoryPolicy
    /// What compaction has done, for `/metrics`.
    let compactionCounters = CompactionCounters()
    /// Delivers committed events to subscribers, one commit after another.
    let fanout = DispatchQueue(label: "serviceplane.store.fanout")
    /// Fires event-log compaction of the SQLite table on its own queue, off the request path. Dispatch sources
    /// are thread-safe for the calls made on it (configure once in init, then only `cancel`).
    nonisolated(unsafe) let compactionTimer: any DispatchSourceTimer =
        DispatchSource.makeTimerSource(queue: DispatchQueue(label: "serviceplane.store.compaction"))

    /// Opens (or creates) the database at `path` (`:memory:` for a throwaway store), applies pending
    /// migrations, and loads every object and the retained event history into memory.
    public init(path: String, durability: Durability = .normal, history: HistoryPolicy = HistoryPolicy(),
                logger: Logger) throws {
        let connection = try SQLiteConnection(path: path)
        if path != ":memory:" {
            try connection.execute("PRAGMA journal_mode=WAL")
        }
        try connection.execute("PRAGMA synchronous=\(durability == .full ? "FULL" : "NORMAL")")
        try connection.execute("PRAGMA busy_timeout=5000")
        let applied = try SQLiteMigrator(migrations: EmbeddedMigrations.all).migrate(connection)
        if !applied.isEmpty { logger.info("applied migrations", metadata: ["versions": "\(applied)"]) }
        var checkpointer: Checkpointer? = nil
        if path != ":memory:" {
            checkpointer = Checkpointer(path: path, durability: durability, logger: logger)
            checkpointer?.attach(to: connection)
            try connection.persistWriteAheadLog()
            if durability == .full { try connection.preallocateWriteAheadLog(bytes: Self.preallocatedWriteAheadLog) }
        }

        let resourceVersion = try connection.scalarInt("SELECT resource_version FROM revision WHERE id = 1") ?? 0
        var indexes: [String: ResourceIndex] = [:]
        // Sized up front: growing dictionaries of 100,000 objects rehashes every key several times.
        let counts = try connection.statement("SELECT resource, count(*) FROM objects GROUP BY resource")
        while try counts.step() { indexes[counts.string(0)] = ResourceIndex(capacity: Int(counts.int64(1))) }
        let rows = try connection.statement("SELECT resource, namespace, name, resource_version, data FROM objects")
        while try rows.step() {
            let stored = StoredObject(namespace: rows.string(1), name: rows.string(2), resourceVersion: rows.int64(3),
                                      storedBytes: rows.bytes(4))
            indexes[rows.string(0), default: ResourceIndex()].put(stored)
        }
        let eventLog = try EventHistoryLoader.load(connection, indexes: indexes, policy: history,
                                                   currentResourceVersion: resourceVersion)
        var claimOwners: [Claim: String] = [:]
        var claimsByOwner: [String: Set<Claim>] = [:]
        let claimRows = try connection.statement("SELECT pool, value, resource, namespace, name FROM allocations")
        while try claimRows.step() {
            let claim = Claim(pool: claimRows.string(0), value: claimRows.string(1))
            let owner = Self.ownerID(resource: claimRows.string(2), key: ObjectKey.make(namespace: claimRows.string(3),
                                                                                         name: claimRows.string(4)))
            claimOwners[claim] = owner
            claimsByOwner[owner, default: []].insert(claim)
        }
        self.state = Mutex(State(indexes: indexes, eventLog: eventLog, resourceVersion: resourceVersion,
                                 claimOwners: claimOwners, claimsByOwner: claimsByOwner))
        self.writer = Mutex(Writer(connection: connection))
        self.checkpointer = checkpointer
        self.logger = logger
        self.history = history
        logger.info("store opened", metadata: [
            "path": "\(path)", "resourceVersion": "\(resourceVersion)",
            "objects": "\(indexes.values.reduce(0) { $0 + $1.count })", "events": "\(eventLog.count)",
        ])
        startCompaction()
    }

    deinit {
        compactionTimer.cancel()
    }

    /// The newest committed resourceVersion (the global counter).
    public var currentResourceVersion: Int64 {
        state.withLock { $0.resourceVersion }
    }

    /// The oldest resourceVersion a watch or paginated list can still start from (events after it are all kept).
    public var oldestRetainedResourceVersion: Int64 {
        state.withLock { $0.eventLog.completeAfter }
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
            return (Self.rewind(current, through: newer, resource: resource, namespace: namespace, afterKey: afterKey), target)
        }
    }

    /// State as of just before `newer`: for each key changed later, its state then is the `previous` of its
    /// first later event.
    static func rewind(_ current: [StoredObject], through newer: ArraySlice<StoreEvent>, resource: String,
                       namespace: String?, afterKey: String?) -> [StoredObject] {
        var rewound: [String: StoredObject?] = [:]
        for event in newer.reversed() where event.resource == resource {
            if let namespace, event.object.namespace != namespace { continue }
            let key = event.object.key
            if let afterKey, key <= afterKey { continue }
            rewound[key] = .some(event.previous)
        }
        if rewound.isEmpty { return current }
        var merged: [String: StoredObject] = [:]
        for object in current { merged[object.key] = object }
        for (key, old) in rewound { merged[key] = old }
        return merged.keys.sorted().compactMap { merged[$0] }
    }
}
