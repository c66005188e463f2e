import JSON
import Synchronization

/// One version of one object as the store holds it: its compact JSON bytes and the parsed value.
///
/// Immutable and shared: the in-memory index, the event log and in-flight responses all hold the same
/// instance, so a GET is a lookup plus a write of `bytes` (DESIGN.md decision 2) and keeping an old
/// version for a paginated list or a watch costs one reference.
///
/// Objects loaded from disk are parsed on first use, not at startup: a restart with 100,000 stored Pods
/// would otherwise spend seconds parsing bodies nothing reads yet (and keep every parse tree in memory).
public final class StoredObject: Sendable {
    public let namespace: String
    public let name: String
    public let resourceVersion: Int64
    /// `object` serialized compactly; what GET and LIST write out.
    public let bytes: [UInt8]
    /// The parsed value once known.
    private let parsed: Mutex<JSON?>

    public init(namespace: String, name: String, resourceVersion: Int64, object: JSON, bytes: [UInt8]) {
        self.namespace = namespace
        self.name = name
        self.resourceVersion = resourceVersion
        self.parsed = Mutex(object)
        self.bytes = bytes
    }

    /// A version read back from storage; `bytes` must be JSON this store wrote (parsed when first needed).
    public init(namespace: String, name: String, resourceVersion: Int64, storedBytes bytes: [UInt8]) {
        self.namespace = namespace
        self.name = name
        self.resourceVersion = resourceVersion
        self.parsed = Mutex(nil)
        self.bytes = bytes
    }

    /// The object with `metadata.resourceVersion` set to `resourceVersion`. Bytes that do not parse (only a
    /// damaged database has them) read as an empty object rather than stopping the server.
    public var object: JSON {
        parsed.withLock { parsed in
            if let parsed { return parsed }
            let value = (try? JSON.parse(bytes)) ?? .object(JSONObject())
            parsed = value
            return value
        }
    }

    /// Stamps `resourceVersion` into `object`'s metadata and serializes it.
    public convenience init(namespace: String, name: String, resourceVersion: Int64, stamping object: JSON) {
        var stamped = object
        var metadata = stamped["metadata"] ?? .object(JSONObject())
        metadata["resourceVersion"] = .string(String(resourceVersion))
        stamped["metadata"] = metadata
        self.init(namespace: namespace, name: name, resourceVersion: resourceVersion,
                  object: stamped, bytes: stamped.serialized())
    }

    /// The index key: `namespace/name` (namespace empty for cluster-scoped objects), which sorts like
    /// etcd's keys so lists come out in kube-apiserver's order.
    public var key: String { ObjectKey.make(namespace: namespace, name: name) }
}

/// Builds the keys the store indexes objects by.
public enum ObjectKey {
    /// `namespace/name`; `/` sorts below every character a name may contain, so keys order by namespace, then name.
    public static func make(namespace: String, name: String) -> String { namespace + "/" + name }
}
