import JSON
import KubeAPI
import Store

/// One page of a list.
public struct ListResult: Sendable {
    public let items: [StoredObject]
    /// The list's `metadata.resourceVersion`: the snapshot it reflects.
    public let resourceVersion: Int64
    /// `metadata.continue` when more items remain.
    public let continueToken: String?
    /// `metadata.remainingItemCount`, only when known exactly (no selectors).
    public let remainingItemCount: Int?
}

extension Registry {
    /// The message of 410 for an expired continue token (`apiserver/pkg/storage/etcd3/errors.go`).
    static let expiredContinueMessage = "The provided continue parameter is too old to display a consistent list result. "
        + "You can start a new list without the continue parameter, or use the continue token in this response to "
        + "retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - "
        + "objects that were created, modified, or deleted between the time the first chunk was returned and now may "
        + "show up in the list."

    /// `GET` of a collection (reference §6.2-§6.5): selectors, `limit`/`continue` pages that are all a snapshot
    /// at the first page's resourceVersion, and `resourceVersion`/`resourceVersionMatch`.
    public func list(_ info: ResourceInfo, namespace: String?, options: ListOptions) throws(StatusError) -> ListResult {
        let strategy = strategy(info)
        if let selector = options.fieldSelector {
            var supported: Set<String> = ["metadata.name"]
            if info.namespaced { supported.insert("metadata.namespace") }
            supported.formUnion(info.selectableFields)
            try selector.validate(supportedFields: supported, coreGroup: info.group.isEmpty)
        }
        let current = store.currentResourceVersion
        var snapshot: Int64? = nil
        var afterKey: String? = nil
        var limit = options.limit ?? 0
        if let token = options.continueToken, !token.isEmpty {
            let decoded = try ContinueToken.decode(token)
            snapshot = decoded.resourceVersion
            afterKey = decoded.lastKey
        } else if let requested = options.resourceVersion, !requested.isEmpty {
            guard let version = Int64(requested), version >= 0 else {
                throw .badRequest("invalid resource version: \(requested)")
            }
            if version == 0 {
                limit = 0  // served "from cache": kube-apiserver ignores limit here
            } else {
                if version > current { throw .tooLargeResourceVersion(version, current: current) }
                if options.resourceVersionMatch == "Exact" { snapshot = version }
            }
        }
        guard let listed = store.list(resource: info.storageKey, namespace: namespace, at: snapshot, afterKey: afterKey) else {
            if options.continueToken != nil {
                var error = StatusError.expired(Self.expiredContinueMessage)
                error.metadataContinue = ContinueToken(resourceVersion: current, lastKey: afterKey ?? "").encoded()
                throw error
            }
            throw .expired("The resourceVersion for the provided list is too old.")
        }
        let selecting = options.labelSelector.map { !$0.isEmpty } ?? false || options.fieldSelector != nil
        var items: [StoredObject] = []
        var remaining = 0
        var lastKey: String? = nil
        for object in listed.objects {
            if selecting, !matches(object, strategy: strategy, options: options) { continue }
            if limit > 0, items.count >= limit {
                remaining += 1
                if selecting { break }  // a continue token is all we need; the count is unknown with selectors
                continue
            }
            items.append(object)
            lastKey = object.key
        }
        let more = remaining > 0
        return ListResult(
            items: items, resourceVersion: listed.resourceVersion,
            continueToken: more ? ContinueToken(resourceVersion: listed.resourceVersion, lastKey: lastKey ?? "").encoded() : nil,
            remainingItemCount: more && !selecting ? remaining : nil)
    }

    /// Whether an object passes the label and field selectors of `options`.
    func matches(_ object: StoredObject, strategy: any ResourceStrategy, options: ListOptions) -> Bool {
        if let selector = options.labelSelector, !selector.isEmpty,
           !selector.matches(object.object["metadata"]?["labels"]?.objectValue) {
            return false
        }
        if let selector = options.fieldSelector, !selector.matches(strategy.selectableFields(object.object)) {
            return false
        }
        return true
    }
}
