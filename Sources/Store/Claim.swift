/// A value from a shared pool that one object holds exclusively: a cluster IP, a node port, a load-balancer IP.
///
/// Claims are part of store mutations, so an object and its addresses are written in one transaction and a
/// value can never be held twice (the in-memory check and the `allocations` primary key both refuse it).
public struct Claim: Hashable, Sendable, CustomStringConvertible {
    /// The pool, e.g. `cluster-ip`, `node-port`.
    public let pool: String
    public let value: String

    public init(pool: String, value: String) {
        self.pool = pool
        self.value = value
    }

    public var description: String { "\(pool)/\(value)" }
}
