import JSON
import KubeAPI
import Store

extension Registry {
    /// How many names `generateName` tries before giving up (`createWithGenerateNameRetry`: 1 + 7 retries).
    static let generateNameAttempts = 8

    /// `POST` to a collection (reference §5.2): type and namespace checks, NamespaceLifecycle admission,
    /// generateName, defaulting, `PrepareForCreate`, validation, system fields, then storage.
    public func create(_ info: ResourceInfo, namespace: String, object: JSON,
                       options: WriteOptions) throws(StatusError) -> WriteResult {
        let strategy = strategy(info)
        var object = object
        try checkTypeMeta(&object, info)
        try bindNamespace(&object, info, namespace: namespace, onUpdate: false)
        let requestedName = object["metadata"]?["name"]?.stringValue ?? ""
        if info.namespaced { try admitCreate(info, namespace: namespace, name: requestedName) }
        if let version = object["metadata"]?["resourceVersion"]?.stringValue, !version.isEmpty {
            // etcd storage refuses this with a plain error, which the handler turns into a reasonless 500.
            throw StatusError(code: 500, reason: "", message: "resourceVersion should not be set on objects to be created")
        }
        var metadata = object["metadata"] ?? .object(JSONObject())
        if !options.managedFieldsApplied { metadata["managedFields"] = nil }
        metadata["deletionTimestamp"] = nil
        metadata["deletionGracePeriodSeconds"] = nil
        metadata["resourceVersion"] = nil
        metadata["selfLink"] = nil
        object["metadata"] = metadata
        let generatePrefix = requestedName.isEmpty ? object["metadata"]?["generateName"]?.stringValue : nil

        for _ in 0..<Self.generateNameAttempts {
            var candidate = object
            if let generatePrefix, !generatePrefix.isEmpty {
                candidate["metadata"]?["name"] = .string(SystemFields.generateName(prefix: generatePrefix))
            }
            strategy.applyDefaults(&candidate)
            strategy.prepareForCreate(&candidate)
            trackManagedFields(&candidate, old: nil, info: info, options: options, subresource: nil)
            let name = candidate["metadata"]?["name"]?.stringValue ?? ""
            let errors = ObjectMetaValidation.validateCreate(
                metadata: candidate["metadata"], namespaced: info.namespaced, nameRule: info.nameRule,
                isCoreGroup: info.group.isEmpty) + strategy.validate(candidate)
            if !errors.isEmpty { throw .invalid(kind: info.kind, group: info.group, name: name, errors: errors) }
            let claims = try strategy.allocate(&candidate, old: nil, dryRun: options.dryRun)
            candidate["metadata"]?["uid"] = .string(SystemFields.uuid())
            candidate["metadata"]?["creationTimestamp"] = .string(SystemFields.timestamp())
            candidate["metadata"]?["resourceVersion"] = ""  // a placeholder, so the stamped value lands in canonical position
            CanonicalOrder.apply(&candidate)
            let warnings = strategy.warningsOnCreate(candidate)
            let storedNamespace = info.namespaced ? namespace : ""
            if options.dryRun {
                if store.get(resource: info.storageKey, namespace: storedNamespace, name: name) != nil {
                    if generatePrefix != nil { continue }
                    throw .alreadyExists(info.qualified, name: name)
                }
                candidate["metadata"]?["resourceVersion"] = nil
                let preview = StoredObject(namespace: storedNamespace, name: name, resourceVersion: 0,
                                           object: candidate, bytes: candidate.serialized())
                return WriteResult(object: preview, created: true, warnings: warnings)
            }
            do {
                let events = try store.commit([.create(resource: info.storageKey, namespace: storedNamespace, name: name,
                                                       object: candidate, claims: claims)])
                return WriteResult(object: events[0].object, created: true, warnings: warnings)
            } catch .alreadyExists where generatePrefix != nil && !(generatePrefix ?? "").isEmpty {
                continue
            } catch .claimTaken {
                continue  // another create took a proposed address first: allocate again
            } catch {
                throw translate(error, info)
            }
        }
        throw .generateNameConflict(info.qualified, name: object["metadata"]?["generateName"]?.stringValue ?? "")
    }

    /// Fills `apiVersion`/`kind` from the URL when absent; 400 when they name another type (`handlers/create.go`).
    func checkTypeMeta(_ object: inout JSON, _ info: ResourceInfo) throws(StatusError) {
        guard object.objectValue != nil else {
            throw .badRequest("the body of the request must be a JSON object, got \(object.typeName)")
        }
        if let apiVersion = object["apiVersion"]?.stringValue, !apiVersion.isEmpty {
            if apiVersion != info.apiVersion {
                throw .badRequest("the API version in the data (\(apiVersion)) does not match the expected API version (\(info.apiVersion))")
            }
        } else {
            object["apiVersion"] = .string(info.apiVersion)
        }
        if let kind = object["kind"]?.stringValue, !kind.isEmpty {
            if kind != info.kind {
                throw .badRequest("\(kind) in version \"\(info.version)\" cannot be handled as a \(info.kind): "
                    + "the kind in the data (\(kind)) does not match the expected kind (\(info.kind))")
            }
        } else {
            object["kind"] = .string(info.kind)
        }
        if let metadata = object["metadata"], !metadata.isNull, metadata.objectValue == nil {
            throw .badRequest("\(info.kind) in version \"\(info.version)\" cannot be handled as a \(info.kind): "
                + "json: cannot unmarshal \(metadata.typeName) into Go struct field \(info.kind).metadata of type v1.ObjectMeta")
        }
        if object["metadata"] == nil || object["metadata"]?.isNull == true { object["metadata"] = .object(JSONObject()) }
    }

    /// Reconciles the body's namespace with the URL's (`rest/meta.go` `EnsureObjectNamespaceMatchesRequestNamespace`).
    func bindNamespace(_ object: inout JSON, _ info: ResourceInfo, namespace: String, onUpdate: Bool) throws(StatusError) {
        guard info.namespaced else {
            object["metadata"]?["namespace"] = nil
            return
        }
        let bodyNamespace = object["metadata"]?["namespace"]?.stringValue ?? ""
        if bodyNamespace.isEmpty {
            object["metadata"]?["namespace"] = .string(namespace)
        } else if bodyNamespace != namespace {
            throw .badRequest(onUpdate
                ? "the namespace of the object (\(bodyNamespace)) does not match the namespace on the request (\(namespace))"
                : "the namespace of the provided object does not match the namespace sent on the request")
        }
    }

    /// NamespaceLifecycle admission for creates: 404 for a missing namespace, 403 for a terminating one.
    func admitCreate(_ info: ResourceInfo, namespace: String, name: String) throws(StatusError) {
        guard let object = store.get(resource: ResourceInfo.namespaces.storageKey, namespace: "", name: namespace) else {
            throw .notFound(ResourceInfo.namespaces.qualified, name: namespace)
        }
        if object.object["status"]?["phase"]?.stringValue == "Terminating" {
            throw .forbidden(info.qualified, name: name,
                             why: "unable to create new content in namespace \(namespace) because it is being terminated",
                             causes: [.init(reason: "NamespaceTerminating", message: "namespace \(namespace) is being terminated",
                                            field: "metadata.namespace")])
        }
    }

    /// NamespaceLifecycle admission for updates: only a missing namespace is refused.
    func admitUpdate(_ info: ResourceInfo, namespace: String) throws(StatusError) {
        guard info.namespaced else { return }
        if store.get(resource: ResourceInfo.namespaces.storageKey, namespace: "", name: namespace) == nil {
            throw .notFound(ResourceInfo.namespaces.qualified, name: namespace)
        }
    }

    /// Storage errors become API errors here, once, naming the resource (`store.go` `interpretWatchError` et al.).
    func translate(_ error: StoreError, _ info: ResourceInfo) -> StatusError {
        switch error {
        case .alreadyExists(_, _, let name): return .alreadyExists(info.qualified, name: name)
        case .notFound(_, _, let name): return .notFound(info.qualified, name: name)
        case .conflict(_, _, let name, _): return .staleResourceVersion(info.qualified, name: name)
        case .claimTaken(let claim, let owner): return .internalError("\(claim) is already held by \(owner)")
        case .storage(let message): return .internalError(message)
        }
    }
}
