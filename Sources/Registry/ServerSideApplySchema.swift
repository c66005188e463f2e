import JSON
import KubeAPI

/// How structured-merge-diff treats a value, from the OpenAPI schema of the served kinds
/// (`kube-openapi/pkg/schemaconv`): what a field set records for it and how apply merges it.
indirect enum ServerSideApplySchema: Sendable {
    /// A scalar, a free-form value, or an atomic list/map/struct: owned and replaced as a whole.
    case atomic
    /// A struct of the named definition: merged field by field; the struct itself is never owned.
    case structure(String)
    /// A granular map (`additionalProperties`): merged key by key.
    case map(ServerSideApplySchema)
    /// `x-kubernetes-list-type: map`: items identified by `keys` and merged.
    case associativeList(keys: [String], element: ServerSideApplySchema)
    /// `x-kubernetes-list-type: set`: scalar items identified by their value.
    case set

    /// The schema of a served kind's objects; nil for other kinds.
    static func forKind(_ kind: String) -> ServerSideApplySchema? {
        ObjectSchema.definition(forKind: kind).map { .structure($0) }
    }

    /// The schema of the member `name` of a value of this schema (every member of a map; a declared struct field).
    func member(_ name: String) -> ServerSideApplySchema {
        switch self {
        case .map(let element): return element
        case .structure(let definition):
            guard let value = ObjectSchema.fields(of: definition)?[name] else { return .atomic }
            return Self.from(value, definition: definition, field: name)
        default: return .atomic
        }
    }

    /// Converts the generated table's shape of `definition.field`, adding the list and map types it does not carry.
    static func from(_ value: ObjectSchema.Value, definition: String, field: String) -> ServerSideApplySchema {
        switch value {
        case .scalar: return .atomic
        case .object(let name): return objectSchema(name)
        case .map(let element):
            if atomicMapFields.contains(definition + "." + field) { return .atomic }
            return .map(from(element, definition: "", field: ""))
        case .list(let element):
            switch listTypes[definition + "." + field] {
            case .some(.some(let keys)):
                return .associativeList(keys: keys, element: from(element, definition: "", field: ""))
            case .some(.none): return .set
            case .none: return .atomic
            }
        }
    }

    static func objectSchema(_ definition: String) -> ServerSideApplySchema {
        if atomicDefinitions.contains(definition) || ObjectSchema.fields(of: definition) == nil { return .atomic }
        return .structure(definition)
    }

    /// The path element of an associative-list item: its key fields, with `protocol` defaulted to `TCP` when
    /// absent (the OpenAPI default of ServicePort/ContainerPort `protocol`, which SSA uses for list-map keys).
    static func keyElement(_ item: JSON, keys: [String]) -> FieldPathElement? {
        guard let object = item.objectValue else { return nil }
        var key = JSONObject()
        for name in keys {
            if let value = object[name], !value.isNull {
                key[name] = value
            } else if name == "protocol" {
                key[name] = "TCP"
            }
        }
        return key.isEmpty ? nil : .key(key)
    }

    /// `x-kubernetes-list-type` of the served kinds' lists that are not atomic, from `openapi/definitions.json`:
    /// `map` with its `x-kubernetes-list-map-keys`, or `set` (nil keys). Every other list is atomic.
    static let listTypes: [String: [String]?] = [
        "io.k8s.api.core.v1.Container.env": ["name"],
        "io.k8s.api.core.v1.Container.ports": ["containerPort", "protocol"],
        "io.k8s.api.core.v1.Container.volumeDevices": ["devicePath"],
        "io.k8s.api.core.v1.Container.volumeMounts": ["mountPath"],
        "io.k8s.api.core.v1.ContainerStatus.allocatedResourcesStatus": ["name"],
        "io.k8s.api.core.v1.ContainerStatus.volumeMounts": ["mountPath"],
        "io.k8s.api.core.v1.EphemeralContainer.env": ["name"],
        "io.k8s.api.core.v1.EphemeralContainer.ports": ["containerPort", "protocol"],
        "io.k8s.api.core.v1.EphemeralContainer.volumeDevices": ["devicePath"],
        "io.k8s.api.core.v1.EphemeralContainer.volumeMounts": ["mountPath"],
        "io.k8s.api.core.v1.NamespaceStatus.conditions": ["type"],
        "io.k8s.api.core.v1.PodSpec.containers": ["name"],
        "io.k8s.api.core.v1.PodSpec.ephemeralContainers": ["name"],
        "io.k8s.api.core.v1.PodSpec.hostAliases": ["ip"],
        "io.k8s.api.core.v1.PodSpec.imagePullSecrets": ["name"],
        "io.k8s.api.core.v1.PodSpec.initContainers": ["name"],
        "io.k8s.api.core.v1.PodSpec.resourceClaims": ["name"],
        "io.k8s.api.core.v1.PodSpec.schedulingGates": ["name"],
        "io.k8s.api.core.v1.PodSpec.topologySpreadConstraints": ["topologyKey", "whenUnsatisfiable"],
        "io.k8s.api.core.v1.PodSpec.volumes": ["name"],
        "io.k8s.api.core.v1.PodStatus.conditions": ["type"],
        "io.k8s.api.core.v1.PodStatus.podIPs": ["ip"],
        "io.k8s.api.core.v1.PodStatus.resourceClaimStatuses": ["name"],
        "io.k8s.api.core.v1.ResourceRequirements.claims": ["name"],
        "io.k8s.api.core.v1.ResourceStatus.resources": ["resourceID"],
        "io.k8s.api.core.v1.ServiceSpec.ports": ["port", "protocol"],
        "io.k8s.api.core.v1.ServiceStatus.conditions": ["type"],
        "io.k8s.api.discovery.v1.Endpoint.addresses": nil,
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.finalizers": nil,
        "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta.ownerReferences": ["uid"],
    ]

    /// Maps with `x-kubernetes-map-type: atomic`.
    static let atomicMapFields: Set<String> = [
        "io.k8s.api.core.v1.PodSpec.nodeSelector", "io.k8s.api.core.v1.ServiceSpec.selector",
    ]

    /// Definitions with `x-kubernetes-map-type: atomic`: owned as a whole.
    static let atomicDefinitions: Set<String> = [
        "io.k8s.api.core.v1.ConfigMapKeySelector", "io.k8s.api.core.v1.LocalObjectReference",
        "io.k8s.api.core.v1.NodeSelector", "io.k8s.api.core.v1.NodeSelectorTerm",
        "io.k8s.api.core.v1.ObjectFieldSelector", "io.k8s.api.core.v1.ObjectReference",
        "io.k8s.api.core.v1.ResourceFieldSelector", "io.k8s.api.core.v1.SecretKeySelector",
        "io.k8s.api.core.v1.TypedLocalObjectReference", "io.k8s.api.discovery.v1.EndpointPort",
        "io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector", "io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference",
    ]
}
