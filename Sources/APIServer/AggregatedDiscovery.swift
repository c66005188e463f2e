import JSON
import KubeAPI

/// Aggregated discovery (`apidiscovery.k8s.io/v2` and `v2beta1` `APIGroupDiscoveryList`, reference §2.3): `/api` and
/// `/apis` answer every resource in one document, so kubectl needs no per-group-version requests. Built once from the
/// same `ResourceInfo` list as the legacy documents (``Discovery``), serialized once per version.
struct AggregatedDiscovery: Sendable {
    /// The versions of the document clients may ask for.
    enum Version: String, Sendable, CaseIterable {
        case v2, v2beta1

        /// The exact `Content-Type` client-go's discovery client recognises (`discovery_client.go`).
        var contentType: String { "application/json;g=apidiscovery.k8s.io;v=\(rawValue);as=APIGroupDiscoveryList" }
    }

    /// A serialized document and its entity tag.
    struct Document: Sendable {
        let bytes: [UInt8]
        let entityTag: String

        init(_ value: JSON) {
            bytes = value.serialized()
            entityTag = EntityTag.of(bytes)
        }
    }

    /// `/api` (the core group, whose item has no name) by version.
    let legacy: [Version: Document]
    /// `/apis` (the named groups) by version.
    let groups: [Version: Document]

    init(resources: [ResourceInfo]) {
        var core: [JSON] = []
        var named: [JSON] = []
        var groupOrder: [String] = []
        var byGroup: [String: [(version: String, infos: [ResourceInfo])]] = [:]
        for info in resources {
            if !groupOrder.contains(info.group) { groupOrder.append(info.group) }
            var versions = byGroup[info.group] ?? []
            if let index = versions.firstIndex(where: { $0.version == info.version }) {
                versions[index].infos.append(info)
            } else {
                versions.append((info.version, [info]))
            }
            byGroup[info.group] = versions
        }
        for group in groupOrder {
            var metadata: JSONObject = [:]
            if !group.isEmpty { metadata["name"] = .string(group) }
            metadata["creationTimestamp"] = .null
            // The first version listed is the preferred one.
            let versions: [JSON] = (byGroup[group] ?? []).map { entry in
                ["version": .string(entry.version), "resources": .array(Self.resourceEntries(entry.infos)),
                 "freshness": "Current"]
            }
            let item: JSON = ["metadata": .object(metadata), "versions": .array(versions)]
            if group.isEmpty { core.append(item) } else { named.append(item) }
        }
        var legacy: [Version: Document] = [:]
        var groups: [Version: Document] = [:]
        for version in Version.allCases {
            legacy[version] = Document(Self.list(core, version: version))
            groups[version] = Document(Self.list(named, version: version))
        }
        self.legacy = legacy
        self.groups = groups
    }

    static func list(_ items: [JSON], version: Version) -> JSON {
        ["kind": "APIGroupDiscoveryList", "apiVersion": .string("apidiscovery.k8s.io/\(version.rawValue)"),
         "metadata": .object(JSONObject()), "items": .array(items)]
    }

    /// `APIResourceDiscovery` entries, sorted by resource, subresources sorted by name.
    static func resourceEntries(_ infos: [ResourceInfo]) -> [JSON] {
        infos.sorted { $0.resource < $1.resource }.map { info in
            // responseKind leaves group and version empty: they are the enclosing group-version's.
            let responseKind: JSON = ["group": "", "version": "", "kind": .string(info.kind)]
            var entry: JSONObject = [
                "resource": .string(info.resource), "responseKind": responseKind,
                "scope": info.namespaced ? "Namespaced" : "Cluster", "singularResource": .string(info.singular),
                "verbs": .array(info.verbs.map { .string($0) }),
            ]
            if !info.shortNames.isEmpty { entry["shortNames"] = .array(info.shortNames.map { .string($0) }) }
            if !info.categories.isEmpty { entry["categories"] = .array(info.categories.map { .string($0) }) }
            if !info.subresources.isEmpty {
                entry["subresources"] = .array(info.subresources.sorted { $0.key < $1.key }.map { name, verbs in
                    [
                        "subresource": .string(name), "responseKind": responseKind,
                        "verbs": .array(verbs.map { .string($0) }),
                    ]
                })
            }
            return .object(entry)
        }
    }

    /// The aggregated version an `Accept` header asks for: the first media range that is JSON with
    /// `g=apidiscovery.k8s.io`, `as=APIGroupDiscoveryList` and a `v` we serve (parameter order is irrelevant); nil
    /// for anything else, which gets the legacy documents.
    static func requestedVersion(_ accept: String?) -> Version? {
        guard let accept else { return nil }
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { String($0).trimmingSpaces }
            guard let type = parts.first?.lowercased(), type == "application/json" else { continue }
            var parameters: [String: String] = [:]
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces }
                if pair.count == 2 { parameters[pair[0].lowercased()] = pair[1] }
            }
            guard parameters["g"] == "apidiscovery.k8s.io", parameters["as"] == "APIGroupDiscoveryList",
                let version = parameters["v"].flatMap(Version.init(rawValue:))
            else { continue }
            return version
        }
        return nil
    }
}
