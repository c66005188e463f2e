import JSON

/// The slices of one Service and address type being reconciled (`reconcileByPortMapping` and `finalize`).
struct SliceSet {
    /// An existing slice: as read, as it should become, and whether it stays even without endpoints (the placeholder).
    private struct Entry {
        let original: JSON
        var current: JSON
        var keepEmpty = false
        var endpointCount: Int { SliceSet.endpoints(current).count }
        var changed: Bool { current != original }
    }

    let labels: JSON
    let owner: JSON
    let service: JSON
    let addressType: String
    let max: Int
    private var entries: [Entry]
    private(set) var creates: [JSON] = []

    init(existing: [JSON], labels: JSON, owner: JSON, service: JSON, addressType: String, max: Int) {
        self.entries = existing.map { Entry(original: $0, current: $0) }
        self.labels = labels
        self.owner = owner
        self.service = service
        self.addressType = addressType
        self.max = Swift.max(1, max)
    }

    /// Existing slices whose content changed and that still hold endpoints (or are the placeholder).
    var updates: [JSON] {
        entries.filter { ($0.endpointCount > 0 || $0.keepEmpty) && $0.changed }.map(\.current)
    }

    /// Existing slices left without endpoints.
    var deletes: [JSON] {
        entries.filter { $0.endpointCount == 0 && !$0.keepEmpty }.map(\.original)
    }

    static func endpoints(_ slice: JSON) -> [JSON] { slice["endpoints"]?.arrayValue ?? [] }

    /// No endpoints at all: exactly one slice with no endpoints and no ports (an existing one if possible).
    mutating func placeholder() {
        let isEmpty: (Entry) -> Bool = { $0.endpointCount == 0 && ($0.original["ports"]?.arrayValue ?? []).isEmpty }
        guard let keep = entries.firstIndex(where: isEmpty) ?? entries.indices.first else {
            creates.append(newSlice(ports: [], endpoints: []))
            return
        }
        for index in entries.indices { entries[index].current["endpoints"] = [] }
        entries[keep].current = normalized(entries[keep].current, ports: [], endpoints: [])
        entries[keep].keepEmpty = true
    }

    /// Places every group's endpoints: endpoints already in a slice with the same ports stay there (updated if
    /// they changed), unwanted ones go; the rest fill slices being updated anyway (fullest first), then the
    /// unchanged slice that fits them all most closely, then slices that would be deleted, then new slices.
    mutating func place(_ groups: [DesiredEndpoints.Group]) {
        var assigned = Array(repeating: false, count: entries.count)
        var leftovers: [(DesiredEndpoints.Group, [JSON])] = []
        for group in groups {
            var wanted: [String: JSON] = [:]
            var order: [String] = []
            for endpoint in group.endpoints {
                let key = Self.key(endpoint)
                if wanted[key] == nil { order.append(key) }
                wanted[key] = endpoint
            }
            var placed: Set<String> = []
            for index in entries.indices where !assigned[index] && entries[index].original["ports"] == group.ports {
                assigned[index] = true
                var kept: [JSON] = []
                for endpoint in Self.endpoints(entries[index].current) {
                    let key = Self.key(endpoint)
                    guard let desired = wanted[key], placed.insert(key).inserted else { continue }
                    kept.append(desired)
                }
                entries[index].current = normalized(entries[index].current, ports: group.ports, endpoints: kept)
            }
            leftovers.append((group, order.filter { !placed.contains($0) }.compactMap { wanted[$0] }))
        }
        // Slices whose ports match no group lose their endpoints (and may be reused below).
        for index in entries.indices where !assigned[index] { entries[index].current["endpoints"] = [] }
        for (group, remaining) in leftovers where !remaining.isEmpty { fill(group, remaining) }
    }

    private mutating func fill(_ group: DesiredEndpoints.Group, _ remaining: [JSON]) {
        var remaining = remaining[...]
        let inGroup: (Entry) -> Bool = { $0.current["ports"] == group.ports && $0.endpointCount > 0 }
        let updating = entries.indices.filter { inGroup(entries[$0]) && entries[$0].changed }
            .sorted { entries[$0].endpointCount > entries[$1].endpointCount }
        for index in updating where !remaining.isEmpty && entries[index].endpointCount < max {
            let take = remaining.prefix(max - entries[index].endpointCount)
            remaining = remaining.dropFirst(take.count)
            entries[index].current["endpoints"] = .array(Self.endpoints(entries[index].current) + take)
        }
        if !remaining.isEmpty {
            let fits = entries.indices.filter {
                inGroup(entries[$0]) && !entries[$0].changed && max - entries[$0].endpointCount >= remaining.count
            }
            if let best = fits.max(by: { entries[$0].endpointCount < entries[$1].endpointCount }) {
                entries[best].current["endpoints"] = .array(Self.endpoints(entries[best].current) + remaining)
                remaining = []
            }
        }
        while !remaining.isEmpty {
            let take = Array(remaining.prefix(max))
            remaining = remaining.dropFirst(take.count)
            if let reuse = entries.indices.first(where: { entries[$0].endpointCount == 0 && !entries[$0].keepEmpty }) {
                entries[reuse].current = normalized(entries[reuse].current, ports: group.ports, endpoints: take)
            } else {
                creates.append(newSlice(ports: group.ports, endpoints: take))
            }
        }
    }

    /// Endpoint identity: its first address (one address per endpoint in practice).
    static func key(_ endpoint: JSON) -> String { endpoint["addresses"]?[0]?.stringValue ?? "" }

    private func normalized(_ slice: JSON, ports: JSON, endpoints: [JSON]) -> JSON {
        var slice = slice
        slice["metadata"]?["labels"] = labels
        slice["metadata"]?["ownerReferences"] = [owner]
        slice["endpoints"] = .array(endpoints)
        slice["ports"] = ports
        return slice
    }

    func newSlice(ports: JSON, endpoints: [JSON]) -> JSON {
        let name = service["metadata"]?["name"]?.stringValue ?? ""
        return ["apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": ["generateName": .string(name + "-"), "namespace": service["metadata"]?["namespace"] ?? "",
                             "labels": labels, "ownerReferences": [owner]],
                "addressType": .string(addressType), "endpoints": .array(endpoints), "ports": ports]
    }
}
