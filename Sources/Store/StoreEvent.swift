/// One change in the store, in global resourceVersion order: what watchers receive and what
/// paginated lists rewind through.
public struct StoreEvent: Sendable {
    /// The watch event types kube-apiserver emits for storage changes.
    public enum EventType: String, Sendable {
        case added = "ADDED"
        case modified = "MODIFIED"
        case deleted = "DELETED"
    }

    public let type: EventType
    /// The group-qualified plural resource, e.g. `services`.
    public let resource: String
    /// The new state; for `deleted`, the last state stamped with the deletion's resourceVersion.
    public let object: StoredObject
    /// The state just before this change (nil for `added`), so a list can be rewound to an older resourceVersion.
    public let previous: StoredObject?

    /// Commit time, seconds since the epoch: what time-based retention of the log goes by.
    public let committedAt: Int64

    public var resourceVersion: Int64 { object.resourceVersion }

    /// What the object holds after this event (empty once deleted) and held before it; only set on events
    /// produced by a commit (history loaded from disk does not need them).
    var claims: Set<Claim> = []
    var previousClaims: Set<Claim> = []

    public init(type: EventType, resource: String, object: StoredObject, previous: StoredObject?, committedAt: Int64) {
        self.type = type
        self.resource = resource
        self.object = object
        self.previous = previous
        self.committedAt = committedAt
    }
}
