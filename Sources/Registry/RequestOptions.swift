import JSON
import KubeAPI

/// Options of a create, update or patch (`CreateOptions`, `UpdateOptions`, `PatchOptions`).
public struct WriteOptions: Sendable {
    /// `dryRun=All`: run everything, persist nothing.
    public var dryRun: Bool
    public var fieldManager: String?
    /// `fieldValidation`: what a patch whose result has unknown fields gets (create and update bodies are decoded, and
    /// pruned, by the API layer before they get here; see ``FieldPruning``).
    public var fieldValidation: FieldValidationDirective
    /// Strict-decoding problems the API layer found in a patch body itself (`duplicate field "spec.type"`); reported
    /// with the unknown fields of the patched object, as `handlers/patch.go` does.
    public var patchDecodingProblems: [String]
    /// `force=true` on an apply patch: take ownership of conflicting fields instead of failing with 409.
    public var force: Bool
    /// Set by ``Registry/patch`` for apply patches: the transformed object already carries its managedFields.
    var managedFieldsApplied = false

    public init(dryRun: Bool = false, fieldManager: String? = nil, fieldValidation: FieldValidationDirective = .warn,
                patchDecodingProblems: [String] = [], force: Bool = false) {
        self.dryRun = dryRun
        self.force = force
        self.fieldManager = fieldManager
        self.fieldValidation = fieldValidation
        self.patchDecodingProblems = patchDecodingProblems
    }
}

/// `DeleteOptions` (body or query), already decoded and validated by the API layer.
public struct DeleteOptions: Sendable {
    /// How dependents are treated (`metav1.DeletionPropagation`).
    public enum PropagationPolicy: String, Sendable {
        case orphan = "Orphan", background = "Background", foreground = "Foreground"
    }

    public var gracePeriodSeconds: Int64?
    public var preconditionUID: String?
    public var preconditionResourceVersion: String?
    public var propagationPolicy: PropagationPolicy?
    /// The deprecated `orphanDependents`; mapped onto `propagationPolicy` semantics.
    public var orphanDependents: Bool?
    public var dryRun: Bool

    public init(gracePeriodSeconds: Int64? = nil, preconditionUID: String? = nil, preconditionResourceVersion: String? = nil,
                propagationPolicy: PropagationPolicy? = nil, orphanDependents: Bool? = nil, dryRun: Bool = false) {
        self.gracePeriodSeconds = gracePeriodSeconds
        self.preconditionUID = preconditionUID
        self.preconditionResourceVersion = preconditionResourceVersion
        self.propagationPolicy = propagationPolicy
        self.orphanDependents = orphanDependents
        self.dryRun = dryRun
    }
}

/// `ListOptions` for list and deletecollection.
public struct ListOptions: Sendable {
    public var labelSelector: LabelSelector?
    public var fieldSelector: FieldSelector?
    public var limit: Int?
    public var continueToken: String?
    /// `resourceVersion` as sent (nil when absent).
    public var resourceVersion: String?
    /// `resourceVersionMatch`: `Exact` or `NotOlderThan`.
    public var resourceVersionMatch: String?

    public init(labelSelector: LabelSelector? = nil, fieldSelector: FieldSelector? = nil, limit: Int? = nil,
                continueToken: String? = nil, resourceVersion: String? = nil, resourceVersionMatch: String? = nil) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.limit = limit
        self.continueToken = continueToken
        self.resourceVersion = resourceVersion
        self.resourceVersionMatch = resourceVersionMatch
    }
}
