import JSON

/// Validation of `metadata` on create and update, mirroring `k8s.io/apimachinery/pkg/api/validation/objectmeta.go`
/// (`ValidateObjectMetaAccessor`, `ValidateObjectMetaAccessorUpdate`) plus the core-group finalizer rule of
/// `k/k: pkg/apis/core/validation/validation.go` (`ValidateObjectMeta`, `validateKubeFinalizerName`).
///
/// Works on the untyped JSON object and never traps: a member of the wrong JSON type becomes an `Invalid` field
/// error. Errors come in upstream's order with upstream's paths, so `StatusError.invalid` renders kube-apiserver's
/// 422 message. Like upstream `Validate`, nothing here mutates; system fields (uid, creationTimestamp, a generated
/// name) must already be filled in, as `store.go` does before calling the strategy.
public enum ObjectMetaValidation {
    /// `TotalAnnotationSizeLimitB`: 256 KiB over all annotation keys and values.
    public static let totalAnnotationSizeLimit = 256 * 1024
    /// `FieldImmutableErrorMsg`.
    public static let immutableMessage = "field is immutable"

    /// `ValidateObjectMetaAccessor(meta, namespaced, nameRule, "metadata")`, and for core kinds
    /// (`isCoreGroup`) the per-finalizer `validateKubeFinalizerName` at `metadata.finalizers[i]`.
    ///
    /// Order: generateName, name, namespace, generation, labels, annotations, ownerReferences, finalizers,
    /// managedFields, then the core finalizer check. A cluster-scoped object with a namespace gets
    /// `metadata.namespace: Forbidden: not allowed on this type` (upstream's `BeforeCreate` clears it first;
    /// callers wanting that leniency should do the same).
    public static func validateCreate(metadata: JSON?, namespaced: Bool, nameRule: NameRule, isCoreGroup: Bool)
        -> [FieldError]
    {
        var reader = MetadataReader()
        guard let meta = reader.object(metadata, path: "metadata") else { return reader.errors }

        let generateName = reader.string(meta["generateName"], path: "metadata.generateName")
        if !generateName.isEmpty {
            for message in nameRule.validate(generateName, prefix: true) {
                reader.errors.append(.invalid("metadata.generateName", string: generateName, message))
            }
        }
        let name = reader.string(meta["name"], path: "metadata.name")
        if name.isEmpty {
            reader.errors.append(.required("metadata.name", "name or generateName is required"))
        } else {
            for message in nameRule.validate(name, prefix: false) {
                reader.errors.append(.invalid("metadata.name", string: name, message))
            }
        }
        let namespace = reader.string(meta["namespace"], path: "metadata.namespace")
        if namespaced {
            if namespace.isEmpty {
                reader.errors.append(.required("metadata.namespace"))
            } else {
                for message in NameRule.dns1123Label.validate(namespace, prefix: false) {
                    reader.errors.append(.invalid("metadata.namespace", string: namespace, message))
                }
            }
        } else if !namespace.isEmpty {
            reader.errors.append(.forbidden("metadata.namespace", "not allowed on this type"))
        }
        let generation = reader.integer(meta["generation"], path: "metadata.generation") ?? 0
        if generation < 0 {
            reader.errors.append(
                .invalid("metadata.generation", .int(generation), "must be greater than or equal to 0"))
        }

        var errors = reader.errors
        errors += validateLabels(meta["labels"], path: "metadata.labels")
        errors += validateAnnotations(meta["annotations"], path: "metadata.annotations")
        errors += validateOwnerReferences(meta["ownerReferences"], path: "metadata.ownerReferences")
        errors += validateFinalizers(meta["finalizers"], path: "metadata.finalizers")
        errors += validateManagedFields(meta["managedFields"], path: "metadata.managedFields")
        if isCoreGroup { errors += validateKubeFinalizerNames(meta["finalizers"], path: "metadata.finalizers") }
        return errors
    }

    /// `ValidateObjectMetaAccessorUpdate(new, old, "metadata")`, and for core kinds the per-finalizer
    /// `validateKubeFinalizerName` of the new object.
    ///
    /// Checks, in upstream order: no new finalizers once the old object has a deletionTimestamp;
    /// `resourceVersion` present (`must be specified for an update`: callers doing an unconditional update must
    /// first copy the stored resourceVersion in, as `store.go` does); generation not decremented; name, namespace,
    /// uid, creationTimestamp, deletionTimestamp and deletionGracePeriodSeconds unchanged (`field is immutable`,
    /// showing the new value as Go prints it); then labels, annotations, ownerReferences and managedFields of the
    /// new object.
    public static func validateUpdate(new: JSON?, old: JSON?, isCoreGroup: Bool = false) -> [FieldError] {
        var reader = MetadataReader()
        guard let newMeta = reader.object(new, path: "metadata") else { return reader.errors }
        // The old object was validated when stored; its type errors are not the client's.
        var oldReader = MetadataReader()
        let oldMeta = oldReader.object(old, path: "metadata") ?? JSONObject()

        if oldReader.timestamp(oldMeta["deletionTimestamp"], path: "") != nil {
            let added = Set(reader.strings(newMeta["finalizers"], path: "metadata.finalizers"))
                .subtracting(oldReader.strings(oldMeta["finalizers"], path: ""))
            if !added.isEmpty {
                let list = GoValue.render(.array(added.sorted(by: LabelSelector.goLess).map { .string($0) }))
                reader.errors.append(
                    .forbidden(
                        "metadata.finalizers",
                        "no new finalizers can be added if the object is being deleted, found new finalizers \(list)"))
            }
        }
        let resourceVersion = reader.string(newMeta["resourceVersion"], path: "metadata.resourceVersion")
        if resourceVersion.isEmpty {
            reader.errors.append(.invalid("metadata.resourceVersion", string: "", "must be specified for an update"))
        }
        let newGeneration = reader.integer(newMeta["generation"], path: "metadata.generation") ?? 0
        let oldGeneration = oldReader.integer(oldMeta["generation"], path: "") ?? 0
        if newGeneration < oldGeneration {
            reader.errors.append(.invalid("metadata.generation", .int(newGeneration), "must not be decremented"))
        }
        for key in ["name", "namespace", "uid"] {
            let newValue = reader.string(newMeta[key], path: "metadata.\(key)")
            if newValue != oldReader.string(oldMeta[key], path: "") {
                reader.errors.append(.invalid("metadata.\(key)", string: newValue, immutableMessage))
            }
        }
        checkTimestampUnchanged("creationTimestamp", newMeta, oldMeta, zeroWhenAbsent: true, &reader)
        checkTimestampUnchanged("deletionTimestamp", newMeta, oldMeta, zeroWhenAbsent: false, &reader)
        let newGrace = reader.integer(
            newMeta["deletionGracePeriodSeconds"], path: "metadata.deletionGracePeriodSeconds")
        if newGrace != oldReader.integer(oldMeta["deletionGracePeriodSeconds"], path: "") {
            reader.errors.append(
                FieldError(
                    .invalid, field: "metadata.deletionGracePeriodSeconds",
                    value: newGrace.map { String($0) } ?? "null", detail: immutableMessage))
        }

        var errors = reader.errors
        errors += validateLabels(newMeta["labels"], path: "metadata.labels")
        errors += validateAnnotations(newMeta["annotations"], path: "metadata.annotations")
        errors += validateOwnerReferences(newMeta["ownerReferences"], path: "metadata.ownerReferences")
        errors += validateManagedFields(newMeta["managedFields"], path: "metadata.managedFields")
        if isCoreGroup { errors += validateKubeFinalizerNames(newMeta["finalizers"], path: "metadata.finalizers") }
        return errors
    }

    /// `ValidateImmutableField` for a `metav1.Time` (value, zero when absent) or `*metav1.Time` (nil when absent):
    /// instants are compared, and the new value is shown as Go prints a time (`2024-12-11 17:59:15 +0000 UTC`).
    private static func checkTimestampUnchanged(
        _ key: String, _ newMeta: JSONObject, _ oldMeta: JSONObject,
        zeroWhenAbsent: Bool, _ reader: inout MetadataReader
    ) {
        var ignored = MetadataReader()
        let newValue = reader.timestamp(newMeta[key], path: "metadata.\(key)")
        let oldValue = ignored.timestamp(oldMeta[key], path: "")
        func instant(_ value: (MetaTimestamp?, String)?) -> MetaTimestamp? {
            value.map { $0.0 ?? MetaTimestamp.zero } ?? (zeroWhenAbsent ? MetaTimestamp.zero : nil)
        }
        let same: Bool
        if let newValue, let oldValue, newValue.0 == nil || oldValue.0 == nil {
            same = newValue.1 == oldValue.1  // unparsable text: compare as written
        } else {
            same = instant(newValue) == instant(oldValue)
        }
        if same { return }
        // `metav1.Time` is a `fmt.Stringer`, which `ErrorBody` prints bare (unquoted); a nil `*Time` prints `null`.
        let rendered: String
        if let newValue {
            rendered = newValue.0?.goString ?? GoValue.quote(newValue.1)
        } else {
            rendered = zeroWhenAbsent ? MetaTimestamp.zero.goString : "null"
        }
        reader.errors.append(FieldError(.invalid, field: "metadata.\(key)", value: rendered, detail: immutableMessage))
    }
}
