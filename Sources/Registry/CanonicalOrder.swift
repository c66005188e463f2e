import JSON

/// Puts an object's top-level and metadata keys in the order kube-apiserver serializes them (Go struct
/// field order), so `curl` output reads like a real cluster's regardless of how the client ordered its body.
enum CanonicalOrder {
    static let topLevel = ["kind", "apiVersion", "metadata"]
    static let metadata = ["name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
                           "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels", "annotations",
                           "ownerReferences", "finalizers", "managedFields"]

    /// Known keys first in the canonical order, then the rest as they came.
    static func ordered(_ object: JSONObject, first keys: [String]) -> JSONObject {
        var result = JSONObject(minimumCapacity: object.count)
        for key in keys { if let value = object[key] { result.appendUnchecked(key: key, value: value) } }
        for (key, value) in object where !keys.contains(key) { result.appendUnchecked(key: key, value: value) }
        return result
    }

    /// ObjectMeta fields that are `omitempty` collections: a typed round trip drops them when empty, so we do too
    /// (a patch that removes the last finalizer leaves `finalizers: []` in raw JSON).
    static let omittedWhenEmpty = ["labels", "annotations", "ownerReferences", "finalizers", "managedFields"]

    static func apply(_ value: inout JSON) {
        guard var object = value.objectValue else { return }
        if var metadata = object["metadata"]?.objectValue {
            for key in omittedWhenEmpty {
                if metadata[key] == .array([]) || metadata[key] == .object(JSONObject()) || metadata[key] == .null {
                    metadata[key] = nil
                }
            }
            object["metadata"] = .object(ordered(metadata, first: Self.metadata))
        }
        value = .object(ordered(object, first: topLevel))
    }
}
