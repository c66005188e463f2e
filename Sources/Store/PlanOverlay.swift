/// What the requests already accepted into the current group commit will change, layered over the Store's
/// committed state while later requests of the group are checked (they must see earlier ones, like sequential
/// commits would). Discarded if the group's COMMIT fails: memory changes only after COMMIT.
struct PlanOverlay {
    /// The last resourceVersion handed out in this group.
    var resourceVersion: Int64
    /// `resource` NUL `key` → the object after the group so far (nil: deleted).
    var objects: [String: StoredObject?] = [:]
    /// Owner → the claims it holds after the group so far.
    var claimsByOwner: [String: Set<Claim>] = [:]
    /// Claim → its holder after the group so far (nil: released).
    var claimHolders: [Claim: String?] = [:]

    init(resourceVersion: Int64) {
        self.resourceVersion = resourceVersion
    }

    static func objectKey(_ resource: String, _ key: String) -> String { resource + "\u{0}" + key }
}
