import JSON
import KubeAPI
import Logging
import Store

/// The API's objects with Kubernetes semantics: the generic create/update/patch/delete/list pipeline of
/// `registry/generic/registry/store.go`, run with a per-kind `ResourceStrategy` over the `Store`.
///
/// It is also the in-process client controllers use (DESIGN.md decision 7): the same calls, the same
/// preconditions, the same errors an HTTP client gets. Every method is thread-safe; the Store serializes writes.
public final class Registry: Sendable {
    public let store: Store
    let strategies: [String: any ResourceStrategy]
    /// Every served resource, in discovery order (sorted by name within each group).
    public let resources: [ResourceInfo]
    let logger: Logger

    /// Service networking: cluster IP ranges, node ports, the load-balancer pool.
    public let network: ServiceNetwork

    public init(store: Store, network: ServiceNetwork, logger: Logger) {
        let services = ServiceStrategy(allocator: ServiceAllocator(network: network, store: store), store: store)
        let all: [any ResourceStrategy] = [NamespaceStrategy(), PodStrategy(), services, EndpointSliceStrategy()]
        self.network = network
        var strategies: [String: any ResourceStrategy] = [:]
        for strategy in all { strategies[strategy.info.storageKey] = strategy }
        self.store = store
        self.strategies = strategies
        self.resources = all.map(\.info).sorted { ($0.group, $0.resource) < ($1.group, $1.resource) }
        self.logger = logger
    }

    /// The resource served at `group`/`version` under the plural name `resource`.
    public func resource(group: String, version: String, resource: String) -> ResourceInfo? {
        resources.first { $0.group == group && $0.version == version && $0.resource == resource }
    }

    func strategy(_ info: ResourceInfo) -> any ResourceStrategy {
        guard let strategy = strategies[info.storageKey] ?? strategies[info.qualified.resourceString] else {
            preconditionFailure("no strategy for \(info.storageKey)")  // ResourceInfo values only come from `resources`
        }
        return strategy
    }

    /// Creates the namespaces every cluster has from its first start (`default`, `kube-system`, ...).
    public func bootstrap() throws(StatusError) {
        let namespaces = ResourceInfo.namespaces
        for name in NamespaceStrategy.system where store.get(resource: namespaces.storageKey, namespace: "", name: name) == nil {
            let object: JSON = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
            do {
                _ = try create(namespaces, namespace: "", object: object, options: WriteOptions())
            } catch where error.reason == "AlreadyExists" {
                continue
            }
            logger.info("created system namespace", metadata: ["namespace": "\(name)"])
        }
    }

    /// One object by name (`GET .../name`); 404 NotFound when absent.
    public func get(_ info: ResourceInfo, namespace: String, name: String) throws(StatusError) -> StoredObject {
        guard let object = store.get(resource: info.storageKey, namespace: info.namespaced ? namespace : "", name: name) else {
            throw .notFound(info.qualified, name: name)
        }
        return object
    }
}

extension ResourceInfo {
    /// The Namespace resource, which the pipeline consults for NamespaceLifecycle admission.
    static let namespaces = NamespaceStrategy().info
}

/// The outcome of a write: the object as stored (or as it would be, under dryRun) and what to tell the client.
public struct WriteResult: Sendable {
    public let object: StoredObject
    /// True when the write created the object (201).
    public let created: Bool
    /// HTTP `Warning` header texts.
    public let warnings: [String]
}

extension Registry {
    /// Whether a DELETE of this kind answers with the deleted object rather than a Success Status.
    public func returnsDeletedObject(_ info: ResourceInfo) -> Bool { strategy(info).returnDeletedObject }
}
