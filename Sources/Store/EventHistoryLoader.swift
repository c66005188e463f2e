import JSON
import SQLite

/// Rebuilds the in-memory `EventLog` from the `events` table at startup, so watches and paginated lists
/// resume across restarts. Versions already in memory (the current objects, the previous event of the same
/// key) are shared instead of parsed again.
enum EventHistoryLoader {
    static func load(_ connection: SQLiteConnection, indexes: [String: ResourceIndex], policy: Store.HistoryPolicy,
                     currentResourceVersion: Int64) throws -> EventLog {
        let rows = try connection.statement("""
            SELECT resource_version, type, resource, namespace, name, data, previous_resource_version, previous_data,
                   committed_at
            FROM events ORDER BY resource_version
            """)
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
                let bytes = rows.bytes(5)
                object = StoredObject(namespace: namespace, name: name, resourceVersion: resourceVersion,
                                      object: try JSON.parse(bytes), bytes: bytes)
            }
            var previous: StoredObject? = nil
            if type != .added {
                if rows.isNull(6) {
                    // Written before previous versions were recorded: history cannot be rewound past it.
                    completeAfter = resourceVersion
                    loaded.removeAll()
                    latest[key] = type == .deleted ? nil : object
                    continue
                }
                let previousVersion = rows.int64(6)
                if let known = latest[key], known.resourceVersion == previousVersion {
                    previous = known
                } else {
                    let bytes = rows.bytes(7)
                    previous = StoredObject(namespace: namespace, name: name, resourceVersion: previousVersion,
                                            object: try JSON.parse(bytes), bytes: bytes)
                }
            }
            latest[key] = type == .deleted ? nil : object
            loaded.append(StoreEvent(type: type, resource: resource, object: object, previous: previous,
                                     committedAt: rows.int64(8)))
        }
        var log = EventLog(capacity: policy.events, window: policy.windowSeconds, hardLimit: policy.hardLimit,
                           startingAt: completeAfter ?? currentResourceVersion)
        for event in loaded { log.append(event) }
        return log
    }
}
