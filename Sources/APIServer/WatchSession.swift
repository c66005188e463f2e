import HTTPServer
import JSON
import KubeAPI
import Registry
import Store
import Synchronization

/// One open watch stream: encodes watch events as kube-apiserver's JSON framing (one
/// `{"type":...,"object":...}` per line) into its `HTTPStream`, and knows its deadline and bookmark needs.
///
/// Thread-safety: events and bookmarks are written by whichever thread holds the store's writer lock (the
/// ordering point), timeouts by the watch timer; `state` guards the subscription and the bookmark clock.
final class WatchSession: Sendable {
    let stream: HTTPStream
    let kind: String
    let apiVersion: String
    let allowBookmarks: Bool
    /// Monotonic seconds at which the stream ends (`timeoutSeconds`, or kube-apiserver's random default).
    let deadline: Double

    private struct State {
        var subscription: StoreSubscription?
        var lastBookmark: Double
        var closed = false
    }
    private let state: Mutex<State>

    let lineCache: WatchLineCache
    /// Set for a Table watch: converts each object to a one-row Table instead of sharing `lineCache`'s line.
    let tableEncoder: TableWatchEncoder?

    init(stream: HTTPStream, info: ResourceInfo, allowBookmarks: Bool, deadline: Double, now: Double,
         lineCache: WatchLineCache, tableEncoder: TableWatchEncoder? = nil) {
        self.stream = stream
        self.lineCache = lineCache
        self.tableEncoder = tableEncoder
        self.kind = info.kind
        self.apiVersion = info.apiVersion
        self.allowBookmarks = allowBookmarks
        self.deadline = deadline
        self.state = Mutex(State(lastBookmark: now))
    }

    /// Writes one event; false once the stream is closed or its client fell too far behind.
    func emit(_ event: WatchEvent) -> Bool {
        switch event {
        case .object(let type, let object):
            if let tableEncoder { return stream.write(tableEncoder.line(type: type, object: object)) }
            return stream.write(lineCache.line(type: type, object: object))
        case .initialEventsEnd(let resourceVersion):
            // Announced only to clients that allow bookmarks (`cache_watcher.go`).
            guard allowBookmarks else { return true }
            return write(type: "BOOKMARK", objectBytes: bookmarkObject(resourceVersion, initialEventsEnd: true))
        case .error(let error):
            let written = write(type: "ERROR", objectBytes: error.statusObject.serialized())
            stream.finish()
            return written
        }
    }

    /// A periodic bookmark at `resourceVersion` (called at a quiescent point of the store).
    func bookmark(_ resourceVersion: Int64, now: Double) {
        state.withLock { $0.lastBookmark = now }
        _ = write(type: "BOOKMARK", objectBytes: bookmarkObject(resourceVersion, initialEventsEnd: false))
    }

    func secondsSinceBookmark(now: Double) -> Double {
        state.withLock { now - $0.lastBookmark }
    }

    /// Attaches the store subscription; cancels it at once if the stream already ended.
    func attach(_ subscription: StoreSubscription) {
        let closed = state.withLock { state -> Bool in
            state.subscription = subscription
            return state.closed
        }
        if closed { subscription.cancel() }
    }

    /// The stream ended (finished, timed out, client gone, shutdown): stop the subscription.
    func closed() {
        let subscription = state.withLock { state -> StoreSubscription? in
            state.closed = true
            return state.subscription
        }
        subscription?.cancel()
    }

    private func write(type: String, objectBytes: [UInt8]) -> Bool {
        stream.write(WatchLineCache.encode(type: type, objectBytes: objectBytes))
    }

    /// The object of a BOOKMARK: an empty object of the watched kind carrying only the resourceVersion
    /// (and the `k8s.io/initial-events-end` annotation at the end of WatchList initial events).
    private func bookmarkObject(_ resourceVersion: Int64, initialEventsEnd: Bool) -> [UInt8] {
        var metadata: JSONObject = ["resourceVersion": .string(String(resourceVersion)), "creationTimestamp": .null]
        if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
        let object: JSON = ["kind": .string(kind), "apiVersion": .string(apiVersion), "metadata": .object(metadata)]
        return object.serialized()
    }
}
