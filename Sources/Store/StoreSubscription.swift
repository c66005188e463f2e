import Synchronization

/// A live feed of one resource's store events (optionally one namespace's), in resourceVersion order.
///
/// `deliver` runs on the store's fan-out thread, one event after another, so it must be quick (queue work,
/// append to a buffer); returning false ends the subscription (a watcher that fell too far behind, or whose
/// client went away).
public final class StoreSubscription: Sendable {
    let id: Int
    public let resource: String
    public let namespace: String?
    let deliver: @Sendable (StoreEvent) -> Bool
    /// Guards `cancelled`; the store itself is told through `onCancel`.
    private let cancelled = Mutex(false)
    private let onCancel: @Sendable (StoreSubscription) -> Void

    init(id: Int, resource: String, namespace: String?, deliver: @escaping @Sendable (StoreEvent) -> Bool,
         onCancel: @escaping @Sendable (StoreSubscription) -> Void) {
        self.id = id
        self.resource = resource
        self.namespace = namespace
        self.deliver = deliver
        self.onCancel = onCancel
    }

    /// Stops delivery; idempotent and safe from any thread.
    public func cancel() {
        let first = cancelled.withLock { value -> Bool in
            defer { value = true }
            return !value
        }
        if first { onCancel(self) }
    }

    var isCancelled: Bool { cancelled.withLock { $0 } }

    /// Offers one event (already known to be of this subscription's resource); false when the subscriber is done.
    func offer(_ event: StoreEvent) -> Bool {
        if isCancelled { return false }
        if let namespace, event.object.namespace != namespace { return true }
        return deliver(event)
    }
}

/// How a subscription starts, decided atomically with its registration (no event can fall in between).
public enum SubscriptionStart: Sendable {
    /// No starting point was given: the current objects, as of `resourceVersion`.
    case snapshot([StoredObject], resourceVersion: Int64)
    /// Every retained event after the requested resourceVersion.
    case replay([StoreEvent])
}
