import JSON
import KubeAPI

/// Namespaces (`k/k: pkg/registry/core/namespace/strategy.go`, `storage/storage.go`).
///
/// `spec.finalizers` and `status` change only through `/finalize` and `/status`; the label
/// `kubernetes.io/metadata.name` always equals the name; deletion first marks the namespace Terminating.
struct NamespaceStrategy: ResourceStrategy {
    let info = ResourceInfo(
        group: "", version: "v1", resource: "namespaces", singular: "namespace", kind: "Namespace", namespaced: false,
        verbs: ["create", "delete", "get", "list", "patch", "update", "watch"], shortNames: ["ns"],
        subresources: ["finalize": ["update"], "status": ["get", "patch", "update"]],
        nameRule: .dns1123Label, selectableFields: ["status.phase", "name"], storageVersionHash: "Q3oi5N2YM8M=")

    /// The namespaces kube-apiserver refuses to delete (NamespaceLifecycle admission).
    static let immortal: Set<String> = ["default", "kube-system", "kube-public"]
    /// The namespaces that exist from the first start (the system-namespaces controller).
    static let system = ["default", "kube-node-lease", "kube-public", "kube-system"]
    /// The finalizer the namespace controller removes once the namespace is empty.
    static let kubernetesFinalizer = "kubernetes"

    func applyDefaults(_ object: inout JSON) {
        // `SetDefaults_Namespace` + canonicalize: the metadata.name label always mirrors the name.
        if let name = object["metadata"]?["name"]?.stringValue, !name.isEmpty {
            var labels = object["metadata"]?["labels"] ?? .object(JSONObject())
            if labels.objectValue == nil { return }  // a non-object labels field is reported by validation
            labels["kubernetes.io/metadata.name"] = .string(name)
            object["metadata"]?["labels"] = labels
        }
        if object["status"]?["phase"] == nil, object["status"]?.objectValue != nil || object["status"] == nil {
            object["status"] = object["status"] ?? .object(JSONObject())
            object["status"]?["phase"] = "Active"
        }
    }

    func prepareForCreate(_ object: inout JSON) {
        object["status"] = ["phase": "Active"]
        var finalizers = object["spec"]?["finalizers"]?.arrayValue ?? []
        if !finalizers.contains(.string(Self.kubernetesFinalizer)) { finalizers.append(.string(Self.kubernetesFinalizer)) }
        if object["spec"]?.objectValue == nil { object["spec"] = .object(JSONObject()) }
        object["spec"]?["finalizers"] = .array(finalizers)
    }

    func prepareForUpdate(_ object: inout JSON, old: JSON) {
        if object["spec"]?.objectValue == nil { object["spec"] = .object(JSONObject()) }
        object["spec"]?["finalizers"] = old["spec"]?["finalizers"]
        object["status"] = old["status"]
    }

    func prepareForSubresourceUpdate(_ subresource: String, _ object: inout JSON, old: JSON) {
        switch subresource {
        case "finalize":
            // Only spec.finalizers may change through /finalize (`namespaceFinalizeStrategy`).
            let finalizers = object["spec"]?["finalizers"]
            let metadata = object["metadata"]
            object = old
            object["metadata"] = metadata
            object["spec"]?["finalizers"] = finalizers
        default:
            prepareForStatusUpdate(&object, old: old)
        }
    }

    func validate(_ object: JSON) -> [FieldError] {
        var errors: [FieldError] = []
        let finalizers = FieldValidation.array(object["spec"]?["finalizers"], "spec.finalizers", &errors)
        for (index, finalizer) in finalizers.enumerated() {
            let path = "spec.finalizers[\(index)]"
            guard let name = FieldValidation.string(finalizer, path, &errors) else { continue }
            FieldValidation.qualifiedName(name, path, &errors)
            if !name.contains("/") && name != Self.kubernetesFinalizer {
                errors.append(.invalid(path, string: name, "name is neither a standard finalizer name nor is it fully qualified"))
            }
        }
        return errors
    }

    func selectableFields(_ object: JSON) -> [String: String] {
        var fields = metadataFields(object)
        fields["name"] = fields["metadata.name"]
        fields["status.phase"] = object["status"]?["phase"]?.stringValue ?? ""
        return fields
    }

    func beforeDelete(_ object: JSON, options: DeleteOptions, now: Int64) throws(StatusError) -> DeletionDecision {
        let name = object["metadata"]?["name"]?.stringValue ?? ""
        if Self.immortal.contains(name) {
            throw .forbidden(info.qualified, name: name, why: "this namespace may not be deleted")
        }
        let specFinalizers = object["spec"]?["finalizers"]?.arrayValue ?? []
        if object["metadata"]?["deletionTimestamp"] != nil {
            if !specFinalizers.isEmpty {
                throw .conflict(info.qualified, name: name, why: "The system is ensuring all content is removed from this namespace.  Upon completion, this namespace will automatically be purged by the system.")
            }
            return .proceed
        }
        if specFinalizers.isEmpty { return .proceed }
        // First delete: mark Terminating and keep the object until the namespace controller finalizes it.
        var terminating = object
        terminating["metadata"]?["deletionTimestamp"] = .string(SystemFields.timestamp(now))
        terminating["metadata"]?["deletionGracePeriodSeconds"] = .int(0)
        terminating["status"] = terminating["status"] ?? .object(JSONObject())
        terminating["status"]?["phase"] = "Terminating"
        return .keep(terminating)
    }
}
