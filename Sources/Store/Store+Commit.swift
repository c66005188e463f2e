import JSON
import SQLite

extension Store {
    /// Applies `mutations` atomically: all succeed and get consecutive resourceVersions, or none is applied.
    ///
    /// Order of work (DESIGN.md decision 2): check preconditions against memory, write SQLite in one
    /// transaction, and only after COMMIT update memory and the event log. Returns the events, one per
    /// mutation, in order.
    @discardableResult
    public func commit(_ mutations: [StoreMutation]) throws(StoreError) -> [StoreEvent] {
        guard !mutations.isEmpty else { return [] }
        return try writer.withLock { (writer: inout Writer) throws(StoreError) -> [StoreEvent] in
            let events = try plan(mutations)
            do {
                try persist(events, connection: writer.connection, compact: &writer.commitsSinceCompaction)
            } catch {
                logger.error("commit failed", metadata: ["error": "\(error)"])
                throw StoreError.storage("\(error)")
            }
            apply(events)
            return events
        }
    }

    /// Checks preconditions against current memory (stable: only writers change it, and we hold the writer
    /// lock) and builds the events the mutations will produce. Mutations later in the batch see earlier ones.
    private func plan(_ mutations: [StoreMutation]) throws(StoreError) -> [StoreEvent] {
        try state.withLock { (state: inout State) throws(StoreError) -> [StoreEvent] in
            var resourceVersion = state.resourceVersion
            var pending: [String: StoredObject?] = [:]
            var events: [StoreEvent] = []
            func current(_ resource: String, _ key: String) -> StoredObject? {
                if let overridden = pending[resource + "\u{0}" + key] { return overridden }
                return state.indexes[resource]?[key]
            }
            for mutation in mutations {
                let resource = mutation.resource
                let existing = current(resource, mutation.key)
                resourceVersion += 1
                let event: StoreEvent
                switch mutation {
                case .create(_, let namespace, let name, let object):
                    if existing != nil { throw .alreadyExists(resource: resource, namespace: namespace, name: name) }
                    let stored = StoredObject(namespace: namespace, name: name, resourceVersion: resourceVersion, stamping: object)
                    event = StoreEvent(type: .added, resource: resource, object: stored, previous: nil)
                case .update(_, let namespace, let name, let object, let expected):
                    guard let existing else { throw .notFound(resource: resource, namespace: namespace, name: name) }
                    if existing.resourceVersion != expected {
                        throw .conflict(resource: resource, namespace: namespace, name: name, current: existing)
                    }
                    let stored = StoredObject(namespace: namespace, name: name, resourceVersion: resourceVersion, stamping: object)
                    event = StoreEvent(type: .modified, resource: resource, object: stored, previous: existing)
                case .delete(_, let namespace, let name, let expected):
                    guard let existing else { throw .notFound(resource: resource, namespace: namespace, name: name) }
                    if existing.resourceVersion != expected {
                        throw .conflict(resource: resource, namespace: namespace, name: name, current: existing)
                    }
                    let tombstone = StoredObject(namespace: namespace, name: name, resourceVersion: resourceVersion,
                                                 stamping: existing.object)
                    event = StoreEvent(type: .deleted, resource: resource, object: tombstone, previous: existing)
                }
                pending[resource + "\u{0}" + mutation.key] = .some(event.type == .deleted ? nil : event.object)
                events.append(event)
            }
            return events
        }
    }

    /// Writes the events' rows and the new counter in one transaction.
    private func persist(_ events: [StoreEvent], connection: SQLiteConnection, compact: inout Int) throws {
        try connection.transaction {
            let upsert = try connection.statement(
                "INSERT OR REPLACE INTO objects (resource, namespace, name, resource_version, data) VALUES (?, ?, ?, ?, ?)")
            let remove = try connection.statement("DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?")
            let log = try connection.statement(
                "INSERT INTO events (resource_version, type, resource, namespace, name, data) VALUES (?, ?, ?, ?, ?, ?)")
            for event in events {
                let object = event.object
                if event.type == .deleted {
                    try remove.bind(1, event.resource)
                    try remove.bind(2, object.namespace)
                    try remove.bind(3, object.name)
                    try remove.run()
                    remove.clear()
                } else {
                    try upsert.bind(1, event.resource)
                    try upsert.bind(2, object.namespace)
                    try upsert.bind(3, object.name)
                    try upsert.bind(4, object.resourceVersion)
                    try upsert.bind(5, object.bytes)
                    try upsert.run()
                    upsert.clear()
                }
                try log.bind(1, object.resourceVersion)
                try log.bind(2, event.type.rawValue)
                try log.bind(3, event.resource)
                try log.bind(4, object.namespace)
                try log.bind(5, object.name)
                try log.bind(6, object.bytes)
                try log.run()
                log.clear()
            }
            let counter = try connection.statement("UPDATE revision SET resource_version = ? WHERE id = 1")
            try counter.bind(1, events[events.count - 1].resourceVersion)
            try counter.run()
            // Keep the durable event log bounded: every 256 commits drop up to 4096 of the oldest events beyond the
            // retention count, so no single write pays for a large compaction.
            compact += 1
            if compact >= 256 {
                compact = 0
                let trim = try connection.statement("""
                    DELETE FROM events WHERE resource_version IN (
                        SELECT resource_version FROM events WHERE resource_version <= ? ORDER BY resource_version LIMIT 4096)
                    """)
                try trim.bind(1, events[events.count - 1].resourceVersion - retainedEvents)
                try trim.run()
            }
        }
    }

    /// Makes committed events visible to readers.
    private func apply(_ events: [StoreEvent]) {
        state.withLock { state in
            for event in events {
                if event.type == .deleted {
                    state.indexes[event.resource]?.remove(key: event.object.key)
                } else {
                    state.indexes[event.resource, default: ResourceIndex()].put(event.object)
                }
                state.eventLog.append(event)
            }
            state.resourceVersion = events[events.count - 1].resourceVersion
        }
    }
}
