import Dispatch
import JSON
import SQLite

extension Store {
    /// Most requests one group commit takes; later ones wait for the next group (bounds one transaction).
    static let maxGroupSize = 256

    /// Applies `mutations` atomically: all succeed and get consecutive resourceVersions, or none is applied.
    ///
    /// Group commit: writers that arrive while a commit is in progress wait, and the next commit takes all of
    /// them, in arrival order, into one SQLite transaction, so they share one fsync. Each request is checked
    /// against memory plus the requests before it in the group, and written under its own savepoint: a request
    /// that fails (conflict, missing object, taken claim) fails alone. Only after COMMIT does memory change and
    /// the events go to the fan-out queue (in commit order, so every subscriber sees resourceVersion order); a
    /// failed COMMIT fails the whole group and leaves memory as it was (DESIGN.md decision 2). Returns the
    /// events, one per mutation, in order, once they reached every subscriber (backpressure).
    @discardableResult
    public func commit(_ mutations: [StoreMutation]) throws(StoreError) -> [StoreEvent] {
        guard !mutations.isEmpty else { return [] }
        let request = CommitRequest(mutations: mutations)
        let leads = commitQueue.withLock { queue in
            queue.waiting.append(request)
            if queue.leaderActive { return false }
            queue.leaderActive = true
            return true
        }
        if !leads { request.ready.wait() }
        if request.outcome == nil { lead() }  // first writer, or handed the lead by the previous leader
        // Wait outside every lock: other writers keep committing while this one's events are delivered.
        request.delivery?.wait()
        guard let outcome = request.outcome else { return [] }  // unreachable: `lead` answered every request
        return try outcome.get()
    }

    /// Commits one group (which includes this writer's request), answers its writers, and passes the lead on
    /// to the first writer still waiting, if any.
    private func lead() {
        let group = commitQueue.withLock { queue in
            let taken = Array(queue.waiting.prefix(Self.maxGroupSize))
            queue.waiting.removeFirst(taken.count)
            return taken
        }
        writer.withLock { (writer: inout Writer) in commitGroup(group, connection: writer.connection) }
        // The leader is in `group`, so answering it cannot wake a waiter twice.
        for request in group { request.ready.signal() }
        let next = commitQueue.withLock { queue -> CommitRequest? in
            guard let first = queue.waiting.first else {
                queue.leaderActive = false
                return nil
            }
            return first
        }
        next?.ready.signal()  // its outcome is nil, so it leads
    }

    /// Writes `group` in one transaction and sets every request's outcome. Runs under the writer lock.
    private func commitGroup(_ group: [CommitRequest], connection: SQLiteConnection) {
        let now = SystemClock.nowSeconds()
        var overlay = PlanOverlay(resourceVersion: state.withLock { $0.resourceVersion })
        var accepted: [CommitRequest] = []
        var events: [StoreEvent] = []
        func failAll(_ error: any Error) {
            logger.error("commit failed", metadata: ["error": "\(error)", "writers": "\(group.count)"])
            for request in group {
                if case .failure = request.outcome { continue }  // failed on its own; keeps its own reason
                request.outcome = .failure(.storage("\(error)"))
            }
        }
        do {
            try connection.execute("BEGIN IMMEDIATE")
        } catch {
            failAll(error)
            return
        }
        for request in group {
            var trial = overlay
            let planned: [StoreEvent]
            do throws(StoreError) {
                planned = try plan(request.mutations, now: now, overlay: &trial)
            } catch {
                request.outcome = .failure(error)
                continue
            }
            do {
                try connection.statement("SAVEPOINT request").run()
                try persist(planned, connection: connection)
                try connection.statement("RELEASE request").run()
            } catch {
                // This request's rows are undone; the group goes on unless the transaction itself is gone.
                logger.error("commit failed", metadata: ["error": "\(error)"])
                request.outcome = .failure(.storage("\(error)"))
                do {
                    guard connection.isInTransaction else { throw error }
                    try connection.statement("ROLLBACK TO request").run()
                    try connection.statement("RELEASE request").run()
                } catch {
                    try? connection.execute("ROLLBACK")
                    failAll(error)
                    return
                }
                continue
            }
            overlay = trial
            accepted.append(request)
            events.append(contentsOf: planned)
            request.outcome = .success(planned)
        }
        do {
            if events.isEmpty {
                try connection.execute("ROLLBACK")
                return
            }
            let counter = try connection.statement("UPDATE revision SET resource_version = ? WHERE id = 1")
            try counter.bind(1, overlay.resourceVersion)
            try counter.run()
            try connection.execute("COMMIT")
        } catch {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            failAll(error)
            return
        }
        let subscribers = apply(events)
        // Queued while the writer lock is held: the fan-out queue sees commits in resourceVersion order.
        if !subscribers.isEmpty {
            let events = events
            let delivery = DispatchGroup()
            delivery.enter()
            fanout.async {
                self.deliver(events, to: subscribers)
                delivery.leave()
            }
            for request in accepted { request.delivery = delivery }
        }
    }

    /// Checks one request's preconditions against memory and the group so far (`overlay`, which it extends),
    /// and builds its events. Mutations later in the request see earlier ones. Memory is stable meanwhile: only
    /// writers change it, and the caller holds the writer lock; the state lock is taken per lookup, so readers
    /// never wait for the serialization of new versions.
    private func plan(_ mutations: [StoreMutation], now: Int64,
                      overlay: inout PlanOverlay) throws(StoreError) -> [StoreEvent] {
        func current(_ resource: String, _ key: String) -> StoredObject? {
            if let overridden = overlay.objects[PlanOverlay.objectKey(resource, key)] { return overridden }
            return state.withLock { $0.indexes[resource]?[key] }
        }
        func heldClaims(_ owner: String) -> Set<Claim> {
            if let held = overlay.claimsByOwner[owner] { return held }
            return state.withLock { $0.claimsByOwner[owner] ?? [] }
        }
        func checkFree(_ claims: Set<Claim>, for owner: String) throws(StoreError) {
            for claim in claims {
                let holder: String?
                if let overridden = overlay.claimHolders[claim] { holder = overridden } else {
                    holder = state.withLock { $0.claimOwners[claim] }
                }
                if let holder, holder != owner { throw .claimTaken(claim, owner: holder.replacingNUL()) }
            }
        }
        var events: [StoreEvent] = []
        for mutation in mutations {
            let resource = mutation.resource
            let existing = current(resource, mutation.key)
            let owner = Self.ownerID(resource: resource, key: mutation.key)
            let resourceVersion = overlay.resourceVersion + 1
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
            if event.claims != event.previousClaims {
                for claim in event.previousClaims.subtracting(event.claims) { overlay.claimHolders[claim] = .some(nil) }
                for claim in event.claims.subtracting(event.previousClaims) { overlay.claimHolders[claim] = .some(owner) }
            }
            overlay.claimsByOwner[owner] = event.claims
            overlay.objects[PlanOverlay.objectKey(resource, mutation.key)] = .some(event.type == .deleted ? nil : event.object)
            overlay.resourceVersion = resourceVersion
            events.append(event)
        }
        return events
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
