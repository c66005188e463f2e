import JSON
import KubeAPI

/// The legacy (unaggregated) discovery documents of reference §2.1-§2.2, built once from the served resources.
struct Discovery {
    /// `/version`: what a v1.32.0 kube-apiserver reports, so clients see no version skew.
    static let version: JSON = [
        "major": "1", "minor": "32", "gitVersion": "v1.32.0", "gitCommit": "70d3cc986aa8221cd1dfb1121852688902d3bf53",
        "gitTreeState": "clean", "buildDate": "2024-12-11T17:59:15Z", "goVersion": "go1.23.3", "compiler": "gc",
        "platform": "linux/amd64",
    ]

    let apiVersions: JSON
    let apiGroupList: JSON
    /// `APIGroup` documents by group name.
    let groups: [String: JSON]
    /// `APIResourceList` documents by group version (`v1`, `discovery.k8s.io/v1`).
    let resourceLists: [String: JSON]
    /// The aggregated (`apidiscovery.k8s.io/v2`) form of `/api` and `/apis`, from the same resources.
    let aggregated: AggregatedDiscovery

    init(resources: [ResourceInfo], serverAddress: String) {
        aggregated = AggregatedDiscovery(resources: resources)
        apiVersions = [
            "kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": .string(serverAddress)]],
        ]
        var groupNames: [String] = []
        var versionsByGroup: [String: [String]] = [:]
        var byGroupVersion: [String: [ResourceInfo]] = [:]
        for info in resources {
            byGroupVersion[info.apiVersion, default: []].append(info)
            if !info.group.isEmpty {
                if !groupNames.contains(info.group) { groupNames.append(info.group) }
                if !(versionsByGroup[info.group] ?? []).contains(info.version) { versionsByGroup[info.group, default: []].append(info.version) }
            }
        }
        var groups: [String: JSON] = [:]
        for name in groupNames {
            let versions: [JSON] = (versionsByGroup[name] ?? []).map { ["groupVersion": .string("\(name)/\($0)"), "version": .string($0)] }
            groups[name] = ["kind": "APIGroup", "apiVersion": "v1", "name": .string(name), "versions": .array(versions),
                            "preferredVersion": versions[0]]
        }
        self.groups = groups
        apiGroupList = ["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groupNames.compactMap { name in
            guard var group = groups[name] else { return nil }
            group["kind"] = nil
            group["apiVersion"] = nil
            return group
        })]
        var lists: [String: JSON] = [:]
        for (groupVersion, infos) in byGroupVersion {
            lists[groupVersion] = ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": .string(groupVersion),
                                   "resources": .array(Self.resourceEntries(infos))]
        }
        resourceLists = lists
    }

    /// `APIResource` entries, sorted by name, subresources (`pods/status`) right after their resource.
    static func resourceEntries(_ infos: [ResourceInfo]) -> [JSON] {
        var entries: [(String, JSON)] = []
        for info in infos {
            var entry: JSONObject = ["name": .string(info.resource), "singularName": .string(info.singular),
                                     "namespaced": .bool(info.namespaced), "kind": .string(info.kind),
                                     "verbs": .array(info.verbs.map { .string($0) })]
            if !info.shortNames.isEmpty { entry["shortNames"] = .array(info.shortNames.map { .string($0) }) }
            if !info.categories.isEmpty { entry["categories"] = .array(info.categories.map { .string($0) }) }
            if !info.storageVersionHash.isEmpty { entry["storageVersionHash"] = .string(info.storageVersionHash) }
            entries.append((info.resource, .object(entry)))
            for (subresource, verbs) in info.subresources {
                let name = "\(info.resource)/\(subresource)"
                entries.append((name, ["name": .string(name), "singularName": "", "namespaced": .bool(info.namespaced),
                                       "kind": .string(info.kind), "verbs": .array(verbs.map { .string($0) })]))
            }
        }
        return entries.sorted { $0.0 < $1.0 }.map(\.1)
    }
}
