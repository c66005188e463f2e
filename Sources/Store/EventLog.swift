/// The most recent store events in resourceVersion order, bounded in count.
///
/// Paginated lists rewind current state through it to their first page's resourceVersion, and watches
/// (issue: watch) replay from it. `oldestResourceVersion` is the boundary: a request for anything older
/// is answered 410 Expired. Not thread-safe: the Store guards it with its state lock.
struct EventLog {
    private var events: [StoreEvent] = []
    /// Index of the oldest live entry in `events` (a ring emulated by trimming in batches).
    private var head = 0
    let capacity: Int
    /// Every event with resourceVersion > this value is in the log.
    private(set) var completeAfter: Int64

    init(capacity: Int, startingAt resourceVersion: Int64) {
        self.capacity = max(capacity, 1)
        self.completeAfter = resourceVersion
    }

    var count: Int { events.count - head }

    mutating func append(_ event: StoreEvent) {
        events.append(event)
        if count > capacity {
            completeAfter = events[head].resourceVersion
            head += 1
            // Trim the dead prefix in one move once it is as large as the live part: amortized O(1).
            if head >= capacity {
                events.removeFirst(head)
                head = 0
            }
        }
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
