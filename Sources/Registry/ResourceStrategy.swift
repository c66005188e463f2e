import JSON
import KubeAPI
import Store

/// The per-kind rules the generic create/update/delete pipeline calls, in kube-apiserver's fixed order
/// (`registry/generic/registry/store.go`): default, prepare, validate, then storage.
///
/// Objects are JSON values: the pipeline never needs a typed model, and unknown-but-valid fields round-trip.
/// Validation never mutates; preparation never fails.
public protocol ResourceStrategy: Sendable {
    var info: ResourceInfo { get }

    /// Fills defaults (`SetDefaults_*`), on create and on every update or patch result.
    func applyDefaults(_ object: inout JSON)

    /// `PrepareForCreate`: reset fields a client may not set on create (status, generation).
    func prepareForCreate(_ object: inout JSON)

    /// `PrepareForUpdate` on the main resource: keep what only other paths may change (status).
    func prepareForUpdate(_ object: inout JSON, old: JSON)

    /// `PrepareForUpdate` of the status subresource: keep everything but status from `old`.
    func prepareForStatusUpdate(_ object: inout JSON, old: JSON)

    /// `PrepareForUpdate` of a subresource (`status`, or `finalize` for namespaces).
    func prepareForSubresourceUpdate(_ subresource: String, _ object: inout JSON, old: JSON)

    /// Kind-specific deletion rules run after preconditions: refuse (403/409), delete now, or keep the
    /// object marked for deletion (graceful pod deletion, namespace termination).
    func beforeDelete(_ object: JSON, options: DeleteOptions, now: Int64) throws(StatusError) -> DeletionDecision

    /// Kind-specific validation of a new object (metadata is validated by the pipeline).
    func validate(_ object: JSON) -> [FieldError]

    /// Kind-specific validation of an update (in addition to `validate`).
    func validateUpdate(_ object: JSON, old: JSON) -> [FieldError]

    /// Kind-specific validation of a status update.
    func validateStatusUpdate(_ object: JSON, old: JSON) -> [FieldError]

    /// Non-fatal remarks returned as HTTP `Warning` headers on create.
    func warningsOnCreate(_ object: JSON) -> [String]

    /// Non-fatal remarks returned as HTTP `Warning` headers on update.
    func warningsOnUpdate(_ object: JSON, old: JSON) -> [String]

    /// Takes what the object needs from shared pools (cluster IPs, node ports, load-balancer IPs), after
    /// validation, and returns every claim it holds afterwards; they are committed with the object.
    func allocate(_ object: inout JSON, old: JSON?, dryRun: Bool) throws(StatusError) -> Set<Claim>

    /// The values of the fields `fieldSelector` may use (`*SelectableFields`), metadata ones included.
    func selectableFields(_ object: JSON) -> [String: String]

    /// Whether a PUT of a missing object creates it (Services only among our kinds).
    var allowCreateOnUpdate: Bool { get }

    /// Whether DELETE answers with the deleted object (true) or a Success Status (false).
    var returnDeletedObject: Bool { get }
}

extension ResourceStrategy {
    /// Status writes may change metadata and status but never the rest (`newService.Spec = oldService.Spec`).
    public func prepareForStatusUpdate(_ object: inout JSON, old: JSON) {
        let metadata = object["metadata"]
        let status = object["status"]
        object = old
        object["metadata"] = metadata
        object["status"] = status
    }
    public func prepareForSubresourceUpdate(_ subresource: String, _ object: inout JSON, old: JSON) {
        prepareForStatusUpdate(&object, old: old)
    }
    public func beforeDelete(_ object: JSON, options: DeleteOptions, now: Int64) throws(StatusError) -> DeletionDecision {
        .proceed
    }
    public func validateUpdate(_ object: JSON, old: JSON) -> [FieldError] { [] }
    public func validateStatusUpdate(_ object: JSON, old: JSON) -> [FieldError] { [] }
    public func warningsOnCreate(_ object: JSON) -> [String] { [] }
    public func warningsOnUpdate(_ object: JSON, old: JSON) -> [String] { [] }
    public func allocate(_ object: inout JSON, old: JSON?, dryRun: Bool) throws(StatusError) -> Set<Claim> { [] }
    public var allowCreateOnUpdate: Bool { false }
    public var returnDeletedObject: Bool { true }

    /// `metadata.name` and `metadata.namespace`, which every kind can be selected by.
    public func metadataFields(_ object: JSON) -> [String: String] {
        var fields = ["metadata.name": object["metadata"]?["name"]?.stringValue ?? ""]
        if info.namespaced { fields["metadata.namespace"] = object["metadata"]?["namespace"]?.stringValue ?? "" }
        return fields
    }
}

/// What a kind's deletion rules decided for one DELETE.
public enum DeletionDecision: Sendable {
    /// Go on with the generic path (finalizers, then removal).
    case proceed
    /// Keep the object, stored as given (deletionTimestamp set); finalizers are still honoured later.
    case keep(JSON)
}
