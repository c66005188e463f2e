import JSON
import SQLite

/// Rebuilds the in-memory `EventLog` from the `events` table at startup, so watches and paginated lists
/// resume across restarts. Versions already in memory (the current objects, the previous event of the same
/// key) are shared; only the other bodies are read, each with one point query, and none is parsed until used.
enum EventHistoryLoader {
    static func load(_ connection: SQLiteConnection, indexes: [String: ResourceIndex], policy: Store.HistoryPolicy,
                     currentResourceVersion: Int64) throws -> EventLog {
        // No body columns here, and from the covering index (migration 0004): the table's rows would drag every
        // stored body through the page cache (most events are of current objects, whose bodies are in memory).
        let rows = try connection.statement("""
            SELECT resource_version, type, resource, namespace, name, previous_resource_version, committed_at
            FROM events INDEXED BY events_metadata ORDER BY resource_version
            """)
        let body = try connection.statement("SELECT data FROM events WHERE resource_version = ?")
        let previousBody = try connection.statement("SELECT previous_data FROM events WHERE resource_version = ?")
        func read(_ statement: SQLiteStatement, _ resourceVersion: Int64) throws -> [UInt8] {
            defer { statement.clear() }
            try statement.bind(1, resourceVersion)
            return try statement.step() ? statement.bytes(0) : []
        }
        var loaded: [StoreEvent] = []
        var latest: [String: StoredObject] = [:]
        var completeAfter: Int64? = nil
        while try rows.step() {
            let resourceVersion = rows.int64(0)
            if completeAfter == nil { completeAfter = resourceVersion - 1 }
            guard let type = StoreEvent.EventType(rawValue: rows.string(1)) else { continue }
            let resource = rows.string(2)
            let namespace = rows.string(3)
            let name = rows.string(4)
            let key = resource + "\u{0}" + ObjectKey.make(namespace: namespace, name: name)
            let object: StoredObject
            if let current = indexes[resource]?[ObjectKey.make(namespace: namespace, name: name)],
               current.resourceVersion == resourceVersion {
                object = current
            } else {
                object = StoredObject(namespace: namespace, name: name, resourceVersion: resourceVersion,
                                      storedBytes: try read(body, resourceVersion))
            }
            var previous: StoredObject? = nil
            if type != .added {
                if rows.isNull(5) {
                    // Written before previous versions were recorded: history cannot be rewound past it.
                    completeAfter = resourceVersion
                    loaded.removeAll()
                    latest[key] = type == .deleted ? nil : object
                    continue
                }
                let previousVersion = rows.int64(5)
                if let known = latest[key], known.resourceVersion == previousVersion {
                    previous = known
                } else {
                    previous = StoredObject(namespace: namespace, name: name, resourceVersion: previousVersion,
                                            storedBytes: try read(previousBody, resourceVersion))
                }
            }
            latest[key] = type == .deleted ? nil : object
            loaded.append(StoreEvent(type: type, resource: resource, object: object, previous: previous,
                                     committedAt: rows.int64(6)))
        }
        var log = EventLog(capacity: policy.events, window: policy.windowSeconds, hardLimit: policy.hardLimit,
                           startingAt: completeAfter ?? currentResourceVersion)
        for event in loaded { log.append(event) }
        return log
    }
}
