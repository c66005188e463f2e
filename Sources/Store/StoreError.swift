/// Why a store write was refused. The Registry translates these into Kubernetes Status errors,
/// once, naming the resource (as `store.go` does with etcd errors).
public enum StoreError: Error, Sendable {
    /// A create found the key taken.
    case alreadyExists(resource: String, namespace: String, name: String)
    /// An update or delete found no object.
    case notFound(resource: String, namespace: String, name: String)
    /// An update or delete expected a resourceVersion the object no longer has.
    case conflict(resource: String, namespace: String, name: String, current: StoredObject)
    /// A claimed value is held by another object (`owner` is its `resource/namespace/name`).
    case claimTaken(Claim, owner: String)
    /// SQLite failed; nothing was applied.
    case storage(String)
}
