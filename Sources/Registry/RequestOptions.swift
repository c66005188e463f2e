import JSON
import KubeAPI

/// Options of a create, update or patch (`CreateOptions`, `UpdateOptions`, `PatchOptions`).
public struct WriteOptions: Sendable {
    /// `dryRun=All`: run everything, persist nothing.
    public var dryRun: Bool
    public var fieldManager: String?

    public init(dryRun: Bool = false, fieldManager: String? = nil) {
        self.dryRun = dryRun
        self.fieldManager = fieldManager
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
