import Store
import Synchronization

/// The encoded line of the event being fanned out, shared by every watcher that receives it.
///
/// The store delivers one event to all its subscribers back to back, so remembering the last encoding turns
/// N encodings (and N copies of the object) into one: each stream's buffer then holds the same array storage.
/// The entry keeps the object alive, so its identity cannot be reused while cached. The mutex guards the entry.
final class WatchLineCache: Sendable {
    private struct Entry {
        let object: StoredObject
        let type: String
        let line: [UInt8]
    }
    private let last = Mutex<Entry?>(nil)

    func line(type: String, object: StoredObject) -> [UInt8] {
        if let entry = last.withLock({ $0 }), entry.object === object, entry.type == type { return entry.line }
        let line = Self.encode(type: type, objectBytes: object.bytes)
        last.withLock { $0 = Entry(object: object, type: type, line: line) }
        return line
    }

    /// `{"type":"<type>","object":<object>}` plus the newline of kube-apiserver's JSON watch framing.
    static func encode(type: String, objectBytes: [UInt8]) -> [UInt8] {
        var line: [UInt8] = []
        line.reserveCapacity(objectBytes.count + 32)
        line += Array("{\"type\":\"".utf8)
        line += Array(type.utf8)
        line += Array("\",\"object\":".utf8)
        line += objectBytes
        line += Array("}\n".utf8)
        return line
    }
}
