import Dispatch
import JSON
import SQLite

extension Store {
    /// Applies `mutations` atomically: all succeed and get consecutive resourceVersions, or none is applied.
    ///
    /// Order of work (DESIGN.md decision 2): check preconditions against memory, write SQLite in one
    /// transaction, and only after COMMIT update memory and the event log, then hand the events to the fan-out
    /// queue (in commit order, so every subscriber sees resourceVersion order; delivery itself runs off the
    /// write path). Returns the events, one per mutation, in order.
    @discardableResult
    public func commit(_ mutations: [StoreMutation]) throws(StoreError) -> [StoreEvent] {
        guard !mutations.isEmpty else { return [] }
        let delivered = DispatchSemaphore(value: 0)
        var queued = false
        let events = try writer.withLock { (writer: inout Writer) throws(StoreError) -> [StoreEvent] in
            let events = try plan(mutations, now: SystemClock.nowSeconds())
            do {
                try persist(events, connection: writer.connection)
            } catch {
                logger.error("commit failed", metadata: ["error": "\(error)"])
                throw StoreError.storage("\(error)")
            }
            let subscribers = apply(events)
            // Queued while the writer lock is held: the fan-out queue sees commits in resourceVersion order.
            if !subscribers.isEmpty {
                queued = true
                fanout.async {
                    self.deliver(events, to: subscribers)
                    delivered.signal()
                }
            }
            return events
        }
        // Backpressure without holding the writer lock: the writer answers once its events reached every
        // watcher's buffer, so a burst of writes cannot outrun delivery, while other writers keep committing.
        if queued { delivered.wait() }
        return events
    }

    /// Checks preconditions against current memory (stable: only writers change it, and we hold the writer
    /// lock) and builds the events the mutations will produce. Mutations later in the batch see earlier ones.
    private func plan(_ mutations: [StoreMutation], now: Int64) throws(StoreError) -> [StoreEvent] {
        try state.withLock { (state: inout State) throws(StoreError) -> [StoreEvent] in
            var resourceVersion = state.resourceVersion
            var pending: [String: StoredObject?] = [:]
            var pendingClaims: [String: Set<Claim>] = [:]  // owner → claims after the batch so far
            var events: [StoreEvent] = []
            func current(_ resource: String, _ key: String) -> StoredObject? {
                if let overridden = pending[resource + "\u{0}" + key] { return overridden }
                return state.indexes[resource]?[key]
            }
            func heldClaims(_ owner: String) -> Set<Claim> { pendingClaims[owner] ?? state.claimsByOwner[owner] ?? [] }
            func checkFree(_ claims: Set<Claim>, for owner: String) throws(StoreError) {
                for claim in claims {
                    var holder = state.claimOwners[claim]
                    // Within one batch an earlier mutation may have released or taken it.
                    for (other, held) in pendingClaims where other != owner {
                        if held.contains(claim) { holder = other } else if holder == other { holder = nil }
                    }
                    if let holder, holder != owner {
                        throw .claimTaken(claim, owner: holder.replacingNUL())
                    }
                }
            }
            for mutation in mutations {
                let resource = mutation.resource
                let existing = current(resource, mutation.key)
                let owner = Self.ownerID(resource: resource, key: mutation.key)
                resourceVersion += 1
                var event: StoreEvent
                switch mutation {
                case .create(_, let namespace, let name, let object, let claims):
                    if existing != nil { throw .alreadyExists(resource: resource, namespace: namespace, name: name) }
                    try checkFree(claims, for: owner)
                    let stored = StoredObject(namespace: namespace, name: name, resourceVersion: resourceVersion, stamping: object)
                    event = StoreEvent(type: .added, resource: resource, object: stored, previous: nil, committedAt: now)
                    event.claims = claims
                case .update(_, let namespace, let name, let object, let expected, let claims):
                    guard let existing else { throw .notFound(resource: resource, namespace: namespace, name: name) }
                    if existing.resourceVersion != expected {
                        throw .conflict(resource: resource, namespace: namespace, name: name, current: existing)
                    }
                    try checkFree(claims, for: owner)
                    let stored = StoredObject(namespace: namespace, name: name, resourceVersion: resourceVersion, stamping: object)
                    event = StoreEvent(type: .modified, resource: resource, object: stored, previous: existing, committedAt: now)
                    event.claims = claims
                case .delete(_, let namespace, let name, let expected):
                    guard let existing else { throw .notFound(resource: resource, namespace: namespace, name: name) }
                    if existing.resourceVersion != expected {
                        throw .conflict(resource: resource, namespace: namespace, name: name, current: existing)
                    }
                    let tombstone = StoredObject(namespace: namespace, name: name, resourceVersion: resourceVersion,
                                                 stamping: existing.object)
                    event = StoreEvent(type: .deleted, resource: resource, object: tombstone, previous: existing, committedAt: now)
                }
                event.previousClaims = heldClaims(owner)
                pendingClaims[owner] = event.claims
                pending[resource + "\u{0}" + mutation.key] = .some(event.type == .deleted ? nil : event.object)
                events.append(event)
            }
            return events
        }
    }

    /// Writes the events' rows and the new counter in one transaction.
    private func persist(_ events: [StoreEvent], connection: SQLiteConnection) throws {
        try connection.transaction {
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
            let counter = try connection.statement("UPDATE revision SET resource_version = ? WHERE id = 1")
            try counter.bind(1, events[events.count - 1].resourceVersion)
            try counter.run()
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

    /// Makes committed events visible to readers; returns the subscribers to deliver them to.
    private func apply(_ events: [StoreEvent]) -> [StoreSubscription] {
        state.withLock { state in
            var resources: Set<String> = []
            for event in events {
                if event.type == .deleted {
                    state.indexes[event.resource]?.remove(key: event.object.key)
                } else {
                    state.indexes[event.resource, default: ResourceIndex()].put(event.object)
                }
                if event.claims != event.previousClaims {
                    let owner = Self.ownerID(resource: event.resource, key: event.object.key)
                    for claim in event.previousClaims.subtracting(event.claims) { state.claimOwners[claim] = nil }
                    for claim in event.claims.subtracting(event.previousClaims) { state.claimOwners[claim] = owner }
                    state.claimsByOwner[owner] = event.claims.isEmpty ? nil : event.claims
                }
                state.eventLog.append(event)
                resources.insert(event.resource)
            }
            state.resourceVersion = events[events.count - 1].resourceVersion
            var subscribers: [StoreSubscription] = []
            for resource in resources {
                if let forResource = state.subscribers[resource] { subscribers.append(contentsOf: forResource.values) }
            }
            return subscribers
        }
    }
}
