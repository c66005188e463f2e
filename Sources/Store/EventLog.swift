/// The retained store events in resourceVersion order: what watches replay from and paginated lists rewind
/// through. `completeAfter` is the boundary: every event with a larger resourceVersion is here, so a request
/// for anything older is answered 410 Expired.
///
/// Retention (`--watch-history`, `--watch-history-window`): an event is dropped only once the log holds more
/// than `capacity` events *and* it is older than `window` seconds. Not thread-safe: the Store guards it with
/// its state lock.
struct EventLog {
    private var events: [StoreEvent] = []
    /// Index of the oldest live entry in `events` (dropped entries are trimmed from the front in batches).
    private var head = 0
    let capacity: Int
    let window: Int64
    /// Never more than this many events, whatever the window says (bounds memory under a write storm).
    let hardLimit: Int
    /// Every event with resourceVersion > this value is in the log.
    private(set) var completeAfter: Int64

    init(capacity: Int, window: Int64, hardLimit: Int, startingAt resourceVersion: Int64) {
        self.capacity = max(capacity, 1)
        self.window = window
        self.hardLimit = max(hardLimit, self.capacity)
        self.completeAfter = resourceVersion
    }

    var count: Int { events.count - head }

    /// The oldest retained event, if any.
    var oldest: StoreEvent? { head < events.count ? events[head] : nil }

    mutating func append(_ event: StoreEvent) {
        events.append(event)
        trim(now: event.committedAt)
    }

    /// Drops events beyond both retention bounds; returns the new `completeAfter`.
    @discardableResult
    mutating func trim(now: Int64) -> Int64 {
        while count > capacity, let first = oldest, first.committedAt < now - window || count > hardLimit {
            completeAfter = first.resourceVersion
            head += 1
        }
        // Move the live part down once the dead prefix is as large as it: amortized O(1) per event.
        if head > 0, head >= events.count - head {
            events.removeFirst(head)
            head = 0
        }
        return completeAfter
    }

    /// The events with resourceVersion > `resourceVersion`, oldest first, or nil if some were already dropped.
    func events(after resourceVersion: Int64) -> ArraySlice<StoreEvent>? {
        guard resourceVersion >= completeAfter else { return nil }
        var low = head
        var high = events.count
        while low < high {
            let mid = (low + high) / 2
            if events[mid].resourceVersion <= resourceVersion { low = mid + 1 } else { high = mid }
        }
        return events[low...]
    }
}
