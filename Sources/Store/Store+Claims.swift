extension Store {
    /// How claim owners are named: the resource and the object key, NUL-separated.
    static func ownerID(resource: String, key: String) -> String { resource + "\u{0}" + key }

    /// The owner (`resource`, `namespace/name`) holding `claim`, if any.
    public func owner(of claim: Claim) -> (resource: String, key: String)? {
        guard let owner = state.withLock({ $0.claimOwners[claim] }) else { return nil }
        let parts = owner.split(separator: "\u{0}", maxSplits: 1).map(String.init)
        return parts.count == 2 ? (parts[0], parts[1]) : nil
    }

    /// The claims an object holds now.
    public func claims(resource: String, namespace: String, name: String) -> Set<Claim> {
        let owner = Self.ownerID(resource: resource, key: ObjectKey.make(namespace: namespace, name: name))
        return state.withLock { $0.claimsByOwner[owner] ?? [] }
    }

    /// Every held claim of `pool` with its owner's key (`namespace/name`), for repair.
    public func claims(pool: String) -> [(claim: Claim, resource: String, key: String)] {
        state.withLock { state in
            state.claimOwners.compactMap { claim, owner in
                guard claim.pool == pool else { return nil }
                let parts = owner.split(separator: "\u{0}", maxSplits: 1).map(String.init)
                return parts.count == 2 ? (claim, parts[0], parts[1]) : nil
            }
        }
    }

    /// The first candidate (in the order `candidate(0)`, `candidate(1)`, ... up to `count`) that nobody holds.
    /// Scanning happens under the state lock, so the answer is consistent; it is still only a proposal: the
    /// commit that claims it re-checks, and a lost race surfaces as `StoreError.claimTaken`.
    public func firstUnclaimed(pool: String, count: Int, candidate: (Int) -> String?) -> String? {
        state.withLock { state in
            for index in 0..<count {
                guard let value = candidate(index) else { continue }
                if state.claimOwners[Claim(pool: pool, value: value)] == nil { return value }
            }
            return nil
        }
    }

    /// Number of claims held in `pool`.
    public func claimCount(pool: String) -> Int {
        state.withLock { state in state.claimOwners.keys.reduce(0) { $0 + ($1.pool == pool ? 1 : 0) } }
    }
}

extension String {
    /// An owner ID as `resource/namespace/name`, for messages.
    func replacingNUL() -> String { split(separator: "\u{0}").joined(separator: "/") }
}

extension Store {
    /// Releases claims whose owner object no longer exists (repair of leaks). Claims whose owner exists again
    /// are kept. Returns what was released.
    @discardableResult
    public func releaseOrphanedClaims(_ claims: [Claim]) -> [Claim] {
        writer.withLock { (writer: inout Writer) -> [Claim] in
            let orphaned = state.withLock { state in
                claims.filter { claim in
                    guard let owner = state.claimOwners[claim] else { return false }
                    let parts = owner.split(separator: "\u{0}", maxSplits: 1).map(String.init)
                    return parts.count == 2 && state.indexes[parts[0]]?[parts[1]] == nil
                }
            }
            guard !orphaned.isEmpty else { return [] }
            do {
                try writer.connection.transaction {
                    let release = try writer.connection.statement("DELETE FROM allocations WHERE pool = ? AND value = ?")
                    for claim in orphaned {
                        try release.bind(1, claim.pool)
                        try release.bind(2, claim.value)
                        try release.run()
                        release.clear()
                    }
                }
            } catch {
                logger.warning("releasing leaked claims failed", metadata: ["error": "\(error)"])
                return []
            }
            state.withLock { state in
                for claim in orphaned {
                    if let owner = state.claimOwners.removeValue(forKey: claim) {
                        state.claimsByOwner[owner]?.remove(claim)
                        if state.claimsByOwner[owner]?.isEmpty == true { state.claimsByOwner[owner] = nil }
                    }
                }
            }
            return orphaned
        }
    }
}
