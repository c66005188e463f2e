import JSON
import KubeAPI
import Store

/// Options of a watch request (reference §6.6), already parsed.
public struct WatchOptions: Sendable {
    public var labelSelector: LabelSelector?
    public var fieldSelector: FieldSelector?
    /// `resourceVersion` as sent; nil or "0" start from the current state with synthetic ADDED events.
    public var resourceVersion: String?
    /// `sendInitialEvents=true` (WatchList): current state, then a bookmark marking the end of it.
    public var sendInitialEvents: Bool

    public init(labelSelector: LabelSelector? = nil, fieldSelector: FieldSelector? = nil, resourceVersion: String? = nil,
                sendInitialEvents: Bool = false) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.resourceVersion = resourceVersion
        self.sendInitialEvents = sendInitialEvents
    }
}

/// What a watch emits, in order.
public enum WatchEvent: Sendable {
    /// `ADDED`, `MODIFIED` or `DELETED` with the object as the watcher should see it.
    case object(type: String, object: StoredObject)
    /// The end of the initial events of a WatchList request, at the resourceVersion they reflect.
    case initialEventsEnd(resourceVersion: Int64)
    /// A terminal error delivered in the stream (410 Expired for a resourceVersion older than the history).
    case error(StatusError)
}

extension Registry {
    /// Starts a watch (reference §9): initial events per the start semantics, then every change, filtered by
    /// the selectors with kube-apiserver's transition rule (an update that makes an object stop matching is a
    /// DELETED carrying its old content at the new resourceVersion; one that makes it match is an ADDED).
    ///
    /// `emit` is called in order, first synchronously for the initial events, then on committing threads; it
    /// returns false to stop. Returns nil when the watch ended before going live (an `.error` was emitted).
    public func watch(_ info: ResourceInfo, namespace: String?, options: WatchOptions,
                      emit: @escaping @Sendable (WatchEvent) -> Bool) throws(StatusError) -> StoreSubscription? {
        let strategy = strategy(info)
        if let selector = options.fieldSelector {
            var supported: Set<String> = ["metadata.name"]
            if info.namespaced { supported.insert("metadata.namespace") }
            supported.formUnion(info.selectableFields)
            try selector.validate(supportedFields: supported, coreGroup: info.group.isEmpty)
        }
        let filter = WatchFilter(strategy: strategy, labelSelector: options.labelSelector,
                                 fieldSelector: options.fieldSelector)
        var from: Int64? = nil
        if let text = options.resourceVersion, !text.isEmpty {
            guard let version = Int64(text), version >= 0 else { throw .badRequest("invalid resource version: \(text)") }
            if version > 0 { from = version }
        }
        if options.sendInitialEvents {
            // NotOlderThan: the current state is never older than the requested version (unless it is in the future).
            let current = store.currentResourceVersion
            if let from, from > current { throw .tooLargeResourceVersion(from, current: current) }
            from = nil
        }
        do {
            return try store.subscribe(resource: info.storageKey, namespace: namespace, from: from, begin: { start in
                switch start {
                case .snapshot(let objects, let resourceVersion):
                    for object in objects where filter.matches(object) {
                        if !emit(.object(type: "ADDED", object: object)) { return }
                    }
                    if options.sendInitialEvents { _ = emit(.initialEventsEnd(resourceVersion: resourceVersion)) }
                case .replay(let events):
                    for event in events {
                        if let converted = filter.convert(event), !emit(converted) { return }
                    }
                }
            }, deliver: { event in
                guard let converted = filter.convert(event) else { return true }
                return emit(converted)
            })
        } catch {
            switch error {
            case .expired(let requested, let oldest):
                _ = emit(.error(.expired("too old resource version: \(requested) (\(oldest))")))
                return nil
            case .tooLarge(let requested, let current):
                throw .tooLargeResourceVersion(requested, current: current)
            }
        }
    }

    /// Runs `body` (on the fan-out thread) with the current resourceVersion once every change up to it has been
    /// delivered to every watch and before any later one is: where a bookmark may be emitted without overtaking
    /// an event.
    public func atQuiescentPoint(_ body: @escaping @Sendable (Int64) -> Void) {
        store.atQuiescentPoint(body)
    }

    /// The current resourceVersion, once every change up to it has reached every watch (and controller).
    public func deliveredResourceVersion() -> Int64 {
        store.deliveredResourceVersion()
    }
}

/// The selector filter of one watch and its event conversion (`cache_watcher.go` `convertToWatchEvent`).
struct WatchFilter: Sendable {
    let strategy: any ResourceStrategy
    let labelSelector: LabelSelector?
    let fieldSelector: FieldSelector?

    func matches(_ object: StoredObject) -> Bool {
        if let labelSelector, !labelSelector.isEmpty,
           !labelSelector.matches(object.object["metadata"]?["labels"]?.objectValue) {
            return false
        }
        if let fieldSelector, !fieldSelector.matches(strategy.selectableFields(object.object)) { return false }
        return true
    }

    func convert(_ event: StoreEvent) -> WatchEvent? {
        let newMatches = event.type != .deleted && matches(event.object)
        let oldMatches = event.previous.map(matches) ?? false
        switch (oldMatches, newMatches) {
        case (false, true):
            return .object(type: "ADDED", object: event.object)
        case (true, true):
            return .object(type: "MODIFIED", object: event.object)
        case (true, false):
            if event.type == .deleted { return .object(type: "DELETED", object: event.object) }
            // Stopped matching: DELETED with the old content at the new resourceVersion.
            let previous = event.previous!
            return .object(type: "DELETED", object: StoredObject(
                namespace: previous.namespace, name: previous.name, resourceVersion: event.resourceVersion,
                stamping: previous.object))
        case (false, false):
            return nil
        }
    }
}
