import JSON

/// One object write inside a store transaction. The caller (the Registry) has already defaulted and
/// validated the object; the store only checks existence and resourceVersion preconditions, stamps the
/// new resourceVersion, and persists.
public enum StoreMutation: Sendable {
    /// Insert a new object holding `claims`; fails with `alreadyExists` if the key is taken, `claimTaken` if a
    /// claim is held by another object.
    case create(resource: String, namespace: String, name: String, object: JSON, claims: Set<Claim> = [])
    /// Replace an object whose current resourceVersion must equal `expectedResourceVersion`; afterwards it
    /// holds exactly `claims` (new ones are taken, ones it no longer lists are released).
    case update(resource: String, namespace: String, name: String, object: JSON, expectedResourceVersion: Int64,
                claims: Set<Claim> = [])
    /// Remove an object whose current resourceVersion must equal `expectedResourceVersion`.
    case delete(resource: String, namespace: String, name: String, expectedResourceVersion: Int64)

    var resource: String {
        switch self {
        case .create(let resource, _, _, _, _), .update(let resource, _, _, _, _, _), .delete(let resource, _, _, _):
            return resource
        }
    }

    var key: String {
        switch self {
        case .create(_, let namespace, let name, _, _), .update(_, let namespace, let name, _, _, _),
            .delete(_, let namespace, let name, _):
            return ObjectKey.make(namespace: namespace, name: name)
        }
    }
}
