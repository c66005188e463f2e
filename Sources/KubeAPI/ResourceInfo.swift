/// What the API serves for one resource: its names, scope, verbs and discovery attributes.
///
/// One value per served resource drives routing, discovery documents and error messages, so the
/// same name can never be spelled two ways (`installer.go` builds the same facts from the registry).
/// A class: it is passed along every request, and sharing one immutable instance costs one reference
/// count instead of one per field. Equality is the resource's identity (group, version, plural name).
public final class ResourceInfo: Sendable, Hashable {
    /// API group; empty for the core group.
    public let group: String
    public let version: String
    /// Plural lower-case resource name, e.g. `services`.
    public let resource: String
    public let singular: String
    public let kind: String
    public let listKind: String
    public let namespaced: Bool
    /// Verbs on the main resource as discovery lists them, sorted.
    public let verbs: [String]
    public let shortNames: [String]
    public let categories: [String]
    /// Subresources and their verbs, e.g. `["status": ["get", "patch", "update"]]`.
    public let subresources: [String: [String]]
    /// The name rule of `metadata.name` for this kind.
    public let nameRule: NameRule
    /// Fields usable in `fieldSelector` (besides `metadata.name`/`metadata.namespace` which every kind has).
    public let selectableFields: [String]
    /// `storageVersionHash` as a real v1.32 server reports it (clients only use it for storage migration).
    public let storageVersionHash: String

    public init(group: String, version: String, resource: String, singular: String, kind: String, namespaced: Bool,
                verbs: [String], shortNames: [String] = [], categories: [String] = [],
                subresources: [String: [String]] = [:], nameRule: NameRule, selectableFields: [String] = [],
                storageVersionHash: String = "") {
        self.group = group
        self.version = version
        self.resource = resource
        self.singular = singular
        self.kind = kind
        self.listKind = kind + "List"
        self.namespaced = namespaced
        self.verbs = verbs
        self.shortNames = shortNames
        self.categories = categories
        self.subresources = subresources
        self.nameRule = nameRule
        self.selectableFields = selectableFields
        self.storageVersionHash = storageVersionHash
        self.storageKey = group.isEmpty ? resource : "\(resource).\(group)"
    }

    /// `v1` or `discovery.k8s.io/v1`: the `apiVersion` objects of this resource carry.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// The names used in error messages.
    public var qualified: QualifiedResource { QualifiedResource(group: group, resource: resource, kind: kind) }

    /// The key the store files objects under: the group-qualified plural (`endpointslices.discovery.k8s.io`).
    public let storageKey: String

    public func supports(_ verb: String) -> Bool { verbs.contains(verb) }

    public static func == (lhs: ResourceInfo, rhs: ResourceInfo) -> Bool {
        lhs.group == rhs.group && lhs.version == rhs.version && lhs.resource == rhs.resource
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(group)
        hasher.combine(version)
        hasher.combine(resource)
    }
}
