import SQLite

extension Store {
    /// Writes one request's object rows, event rows and claim rows into the open transaction.
    func persist(_ events: [StoreEvent], connection: SQLiteConnection) throws {
        let upsert = try connection.statement(
            "INSERT OR REPLACE INTO objects (resource, namespace, name, resource_version, data) VALUES (?, ?, ?, ?, ?)")
        let remove = try connection.statement("DELETE FROM objects WHERE resource = ? AND namespace = ? AND name = ?")
        let log = try connection.statement("""
            INSERT INTO events (resource_version, type, resource, namespace, name, data, previous_resource_version,
                                previous_data, committed_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
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
            if let previous = event.previous {
                try log.bind(7, previous.resourceVersion)
                try log.bind(8, previous.bytes)
            }
            try log.bind(9, event.committedAt)
            try log.run()
            log.clear()
            try persistClaims(of: event, connection: connection)
        }
    }

    /// Inserts the claims an event takes and deletes the ones it releases.
    private func persistClaims(of event: StoreEvent, connection: SQLiteConnection) throws {
        guard event.claims != event.previousClaims else { return }
        let release = try connection.statement("DELETE FROM allocations WHERE pool = ? AND value = ?")
        for claim in event.previousClaims.subtracting(event.claims) {
            try release.bind(1, claim.pool)
            try release.bind(2, claim.value)
            try release.run()
            release.clear()
        }
        let take = try connection.statement(
            "INSERT INTO allocations (pool, value, resource, namespace, name) VALUES (?, ?, ?, ?, ?)")
        for claim in event.claims.subtracting(event.previousClaims) {
            try take.bind(1, claim.pool)
            try take.bind(2, claim.value)
            try take.bind(3, event.resource)
            try take.bind(4, event.object.namespace)
            try take.bind(5, event.object.name)
            try take.run()
            take.clear()
        }
    }
}
