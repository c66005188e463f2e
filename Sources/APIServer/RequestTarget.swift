import KubeAPI

/// What a request path addresses, split the way `apiserver/pkg/endpoints/request/requestinfo.go` splits it.
struct RequestTarget: Equatable {
    enum Scope: Equatable {
        /// `/api/v1/pods`: every namespace (namespaced kinds), or the collection of a cluster-scoped kind.
        case allNamespaces
        /// `/api/v1/namespaces/{ns}/pods`.
        case namespace(String)
    }

    let info: ResourceInfo
    let scope: Scope
    let name: String?
    let subresource: String?
    /// The path came through the deprecated `/watch/` prefix.
    let legacyWatch: Bool

    /// The namespace the request is confined to, if any.
    var namespace: String? {
        if case .namespace(let namespace) = scope { return namespace }
        return nil
    }

    /// The non-empty `/`-separated segments, split on UTF-8 bytes (splitting a String by Character is a
    /// measurable share of a GET).
    static func segments(_ path: String) -> [String] {
        var result: [String] = []
        result.reserveCapacity(8)
        var utf8 = path.utf8
        if let fast = utf8.withContiguousStorageIfAvailable({ bytes -> [String] in
            var out: [String] = []
            out.reserveCapacity(8)
            var start = 0
            for index in 0...bytes.count {
                if index == bytes.count || bytes[index] == UInt8(ascii: "/") {
                    if index > start {
                        out.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self))
                    }
                    start = index + 1
                }
            }
            return out
        }) {
            return fast
        }
        utf8 = path.utf8
        for part in utf8.split(separator: UInt8(ascii: "/")) { result.append(String(decoding: part, as: UTF8.self)) }
        return result
    }

    /// Parses a resource path, or nil when it names no served resource (a 404).
    static func parse(_ path: String, resources: [ResourceInfo]) -> RequestTarget? {
        var segments = Self.segments(path)
        let group: String
        let version: String
        if segments.first == "api", segments.count >= 2 {
            group = ""
            version = segments[1]
            segments.removeFirst(2)
        } else if segments.first == "apis", segments.count >= 3 {
            group = segments[1]
            version = segments[2]
            segments.removeFirst(3)
        } else {
            return nil
        }
        var legacyWatch = false
        if segments.first == "watch" {
            legacyWatch = true
            segments.removeFirst()
        }
        func lookup(_ name: String) -> ResourceInfo? {
            resources.first { $0.group == group && $0.version == version && $0.resource == name }
        }
        // /namespaces/{ns}/{resource}[/{name}[/{subresource}]] for namespaced kinds.
        if segments.count >= 3, segments[0] == "namespaces", let info = lookup(segments[2]), info.namespaced {
            guard segments.count <= 5 else { return nil }
            return RequestTarget(info: info, scope: .namespace(segments[1]), name: segments.count >= 4 ? segments[3] : nil,
                                 subresource: segments.count == 5 ? segments[4] : nil, legacyWatch: legacyWatch)
        }
        // /{resource}[/{name}[/{subresource}]]: all namespaces, or a cluster-scoped kind.
        guard let first = segments.first, let info = lookup(first), segments.count <= 3 else { return nil }
        if info.namespaced, segments.count > 1 { return nil }
        return RequestTarget(info: info, scope: .allNamespaces, name: segments.count >= 2 ? segments[1] : nil,
                             subresource: segments.count == 3 ? segments[2] : nil, legacyWatch: legacyWatch)
    }
}
