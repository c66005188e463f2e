/// What strategic merge patch needs to know about the fields of one kind of object.
///
/// This is the Swift side of upstream's `LookupPatchMeta` (`k8s.io/apimachinery/pkg/util/strategicpatch/meta.go`):
/// the merge walks the original object and the patch together and, at each object, asks the schema about the field
/// it is about to merge. The JSON target knows nothing about Kubernetes types, so the schema is a protocol; KubeAPI
/// implements it from the OpenAPI data in `openapi/` (`PatchSchema.lookup(forKind:)`), and tests can write small
/// ones by hand.
///
/// A field the schema does not know gets ``StrategicMergePatchField/unspecified``: objects merge key by key, lists
/// and scalars are replaced, as in a JSON merge patch. That is also what upstream does for fields without struct
/// tags, so a schema only has to list the fields that carry `x-kubernetes-patch-strategy` or
/// `x-kubernetes-patch-merge-key` and the fields on the way to them.
public protocol StrategicMergePatchSchema: Sendable {
    /// The patch metadata of the field `name` of an object described by this schema, and the schema that describes
    /// the field's value: for a list, the schema of its elements (upstream's `LookupPatchMetadataForSlice`); for an
    /// object, the object's own schema (`LookupPatchMetadataForStruct`).
    func field(_ name: String) -> StrategicMergePatchField
}

/// The patch metadata of one field (`x-kubernetes-patch-strategy`, `x-kubernetes-patch-merge-key`) and the schema of
/// its value.
public struct StrategicMergePatchField: Sendable {
    /// `x-kubernetes-patch-strategy` split at commas: `["merge"]`, `["merge", "retainKeys"]`, `["replace"]`,
    /// `["retainKeys"]`, or empty when the field has none (lists are then replaced wholesale).
    public var strategies: [String]
    /// `x-kubernetes-patch-merge-key`: the member that identifies an element of a merged list of objects
    /// (`name` for containers, `port` for Service ports). Nil for lists of scalars and unmerged lists.
    public var mergeKey: String?
    /// The schema of the field's value, or of its elements for a list.
    public var schema: any StrategicMergePatchSchema

    /// Creates field metadata; `strategy` is the raw `x-kubernetes-patch-strategy` value (`"merge,retainKeys"`).
    public init(
        strategy: String = "", mergeKey: String? = nil,
        schema: any StrategicMergePatchSchema = UnspecifiedPatchSchema()
    ) {
        self.strategies =
            strategy.isEmpty ? [] : strategy.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        self.mergeKey = (mergeKey?.isEmpty ?? true) ? nil : mergeKey
        self.schema = schema
    }

    /// A field with no patch metadata whose value has no schema either.
    public static var unspecified: StrategicMergePatchField { StrategicMergePatchField() }
}

/// A schema that knows no field: every object merges key by key and every list is replaced.
///
/// Strategic merge patch with this schema is a JSON merge patch that also understands the `$patch` directives.
public struct UnspecifiedPatchSchema: StrategicMergePatchSchema {
    /// Creates the schema.
    public init() {}

    /// Always ``StrategicMergePatchField/unspecified``.
    public func field(_ name: String) -> StrategicMergePatchField { .unspecified }
}
