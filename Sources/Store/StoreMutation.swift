import JSON

/// One object write inside a store transaction. The caller (the Registry) has already defaulted and
/// validated the object; the store only checks existence and resourceVersion preconditions, stamps the
/// new resourceVersion, and persists.
public enum StoreMutation: Sendable {
    /// Insert a new object; fails with `alreadyExists` if the key is taken.
    case create(resource: String, namespace: String, name: String, object: JSON)
    /// Replace an object whose current resourceVersion must equal `expectedResourceVersion`.
    case update(resource: String, namespace: String, name: String, object: JSON, expectedResourceVersion: Int64)
    /// Remove an object whose current resourceVersion must equal `expectedResourceVersion`.
    case delete(resource: String, namespace: String, name: String, expectedResourceVersion: Int64)

    var resource: String {
        switch self {
        case .create(let resource, _, _, _), .update(let resource, _, _, _, _), .delete(let resource, _, _, _): return resource
        }
    }

    var key: String {
        switch self {
        case .create(_, let namespace, let name, _), .update(_, let namespace, let name, _, _),
            .delete(_, let namespace, let name, _):
            return ObjectKey.make(namespace: namespace, name: name)
        }
    }
}
