import Dispatch
import Synchronization

extension Store {
    /// Why a subscription could not start.
    public enum SubscribeError: Error, Sendable {
        /// The requested resourceVersion is older than the retained history (`oldest` is the boundary).
        case expired(requested: Int64, oldest: Int64)
        /// The requested resourceVersion is newer than anything committed.
        case tooLarge(requested: Int64, current: Int64)
    }

    /// Subscribes to `resource` (in `namespace`, or all) from `resourceVersion` (nil: from the current state).
    ///
    /// `begin` receives the starting state and runs before any live event is delivered: it runs under the
    /// writer lock, so nothing is committed between the starting point and the first live event, and nothing
    /// is delivered twice (commits queued for fan-out before the subscription exists do not include it). Live
    /// events then go to `deliver`, on the fan-out thread, in resourceVersion order.
    public func subscribe(resource: String, namespace: String?, from resourceVersion: Int64?,
                          begin: (SubscriptionStart) -> Void,
                          deliver: @escaping @Sendable (StoreEvent) -> Bool) throws(SubscribeError) -> StoreSubscription {
        try writer.withLock { (_: inout Writer) throws(SubscribeError) -> StoreSubscription in
            let (start, subscription) = try state.withLock {
                (state: inout State) throws(SubscribeError) -> (SubscriptionStart, StoreSubscription) in
                let start: SubscriptionStart
                if let resourceVersion {
                    if resourceVersion > state.resourceVersion {
                        throw .tooLarge(requested: resourceVersion, current: state.resourceVersion)
                    }
                    guard let events = state.eventLog.events(after: resourceVersion) else {
                        throw .expired(requested: resourceVersion, oldest: state.eventLog.completeAfter + 1)
                    }
                    start = .replay(events.filter { event in
                        event.resource == resource && (namespace == nil || event.object.namespace == namespace)
                    })
                } else {
                    start = .snapshot(state.indexes[resource]?.objects(namespace: namespace, after: nil) ?? [],
                                      resourceVersion: state.resourceVersion)
                }
                state.nextSubscriptionID += 1
                let subscription = StoreSubscription(
                    id: state.nextSubscriptionID, resource: resource, namespace: namespace, deliver: deliver,
                    onCancel: { [weak self] subscription in self?.unsubscribe(subscription) })
                state.subscribers[resource, default: [:]][subscription.id] = subscription
                return (start, subscription)
            }
            begin(start)
            return subscription
        }
    }

    /// Runs `body` with the current resourceVersion right after every event up to it has been delivered and
    /// before any later one is: what a watch bookmark must be emitted at, so it never overtakes an event. It runs
    /// on the fan-out thread (keep it quick); this call returns when it has run.
    public func atQuiescentPoint(_ body: @escaping @Sendable (Int64) -> Void) {
        let done = DispatchSemaphore(value: 0)
        writer.withLock { _ in
            let resourceVersion = state.withLock { $0.resourceVersion }
            fanout.async {
                body(resourceVersion)
                done.signal()
            }
        }
        done.wait()
    }

    /// The current resourceVersion, returned once every event up to it has been delivered to every subscriber.
    public func deliveredResourceVersion() -> Int64 {
        let result = Mutex<Int64>(0)
        atQuiescentPoint { version in result.withLock { $0 = version } }
        return result.withLock { $0 }
    }

    /// Number of live subscriptions (for metrics and tests).
    public var subscriptionCount: Int {
        state.withLock { state in state.subscribers.values.reduce(0) { $0 + $1.count } }
    }

    func unsubscribe(_ subscription: StoreSubscription) {
        state.withLock { state in
            state.subscribers[subscription.resource]?[subscription.id] = nil
            if state.subscribers[subscription.resource]?.isEmpty == true { state.subscribers[subscription.resource] = nil }
        }
    }

    /// Delivers committed events in order; subscribers that decline are removed. Runs on the fan-out queue.
    func deliver(_ events: [StoreEvent], to subscribers: [StoreSubscription]) {
        guard !subscribers.isEmpty else { return }
        var finished: [StoreSubscription] = []
        for subscription in subscribers {
            for event in events where event.resource == subscription.resource {
                if !subscription.offer(event) {
                    finished.append(subscription)
                    break
                }
            }
        }
        for subscription in finished { subscription.cancel() }
    }
}
