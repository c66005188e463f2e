import Store
import Synchronization

/// Encodes the events of a Table watch (reference §9.7, `handlers/watch.go` `watchEmbeddedEncoder`): each
/// ADDED/MODIFIED/DELETED object becomes a one-row Table, and only the first carries `columnDefinitions`
/// (upstream sets `NoHeaders` after the first encode). ERROR and BOOKMARK events are not converted.
///
/// Unlike JSON watchers, Table watchers cannot share one encoding per event (AGE and the header differ per
/// stream), so each session owns one of these. Thread-safety: a session's events arrive in order but on
/// different threads (initial events on the request thread, live ones on the fan-out queue); the mutex guards
/// whether the header was sent.
final class TableWatchEncoder: Sendable {
    let table: Table
    private let headersSent = Mutex(false)

    init(table: Table) {
        self.table = table
    }

    /// `{"type":"<type>","object":<Table>}` and the newline of the JSON watch framing.
    func line(type: String, object: StoredObject) -> [UInt8] {
        let headers = headersSent.withLock { sent -> Bool in
            defer { sent = true }
            return !sent
        }
        return WatchLineCache.encode(type: type, objectBytes: table.single(object, headers: headers).serialized())
    }
}
