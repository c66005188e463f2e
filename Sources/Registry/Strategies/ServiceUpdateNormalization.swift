import JSON

/// What `k/k: pkg/registry/core/service/storage/storage.go` and `strategy.go` do to a Service update before
/// validating it (reference §11.5), so re-applying a manifest without allocated values, or changing the type,
/// behaves as on a real cluster.
enum ServiceUpdateNormalization {
    static func needsClusterIP(_ spec: JSON) -> Bool { spec["type"]?.stringValue != "ExternalName" }

    static func needsNodePorts(_ spec: JSON) -> Bool {
        let type = spec["type"]?.stringValue
        return type == "NodePort" || type == "LoadBalancer"
    }

    static func needsHealthCheckNodePort(_ spec: JSON) -> Bool {
        spec["type"]?.stringValue == "LoadBalancer" && spec["externalTrafficPolicy"]?.stringValue == "Local"
    }

    /// `patchAllocatedValues`: allocated values a PUT omits are kept (node ports matched by port name).
    static func patchAllocatedValues(_ spec: inout JSON, old: JSON) {
        if needsClusterIP(old), needsClusterIP(spec) {
            if (spec["clusterIP"]?.stringValue ?? "").isEmpty, let ip = old["clusterIP"] { spec["clusterIP"] = ip }
            if (spec["clusterIPs"]?.arrayValue ?? []).isEmpty, let ips = old["clusterIPs"] { spec["clusterIPs"] = ips }
        }
        if needsNodePorts(old), needsNodePorts(spec), var ports = spec["ports"]?.arrayValue {
            let oldPorts = old["ports"]?.arrayValue ?? []
            let used = Set(ports.compactMap { $0["nodePort"]?.intValue }.filter { $0 != 0 })
            for index in ports.indices where (ports[index]["nodePort"]?.intValue ?? 0) == 0 {
                let name = ports[index]["name"]?.stringValue ?? ""
                if let match = oldPorts.first(where: { ($0["name"]?.stringValue ?? "") == name }),
                   let nodePort = match["nodePort"]?.intValue, nodePort != 0, !used.contains(nodePort) {
                    ports[index]["nodePort"] = .int(nodePort)
                }
            }
            spec["ports"] = .array(ports)
        }
        if needsHealthCheckNodePort(old), needsHealthCheckNodePort(spec), (spec["healthCheckNodePort"]?.intValue ?? 0) == 0,
           let port = old["healthCheckNodePort"] {
            spec["healthCheckNodePort"] = port
        }
    }

    /// `normalizeClusterIPs`: a client that changed only `clusterIP` gets `clusterIPs = [clusterIP]`; clearing
    /// `clusterIP` with `clusterIPs` unchanged clears both.
    static func normalizeClusterIPs(_ spec: inout JSON, old: JSON) {
        let clusterIP = spec["clusterIP"]?.stringValue ?? ""
        let oldClusterIP = old["clusterIP"]?.stringValue ?? ""
        guard clusterIP != oldClusterIP, spec["clusterIPs"] == old["clusterIPs"] else { return }
        if clusterIP.isEmpty {
            spec["clusterIPs"] = nil
        } else {
            spec["clusterIPs"] = [.string(clusterIP)]
        }
    }

    /// `dropTypeDependentFields`: fields the new type does not use are wiped when the user left them unchanged.
    static func dropTypeDependentFields(_ spec: inout JSON, old: JSON) {
        if !needsClusterIP(spec) {
            for field in ["clusterIP", "clusterIPs", "ipFamilies", "ipFamilyPolicy"] where spec[field] == old[field] {
                spec[field] = nil
            }
        }
        if !needsNodePorts(spec), var ports = spec["ports"]?.arrayValue {
            let oldPorts = old["ports"]?.arrayValue ?? []
            for index in ports.indices {
                let nodePort = ports[index]["nodePort"]
                if nodePort == nil || nodePort?.intValue == 0 { continue }
                if oldPorts.contains(where: { $0["nodePort"] == nodePort }) { ports[index]["nodePort"] = nil }
            }
            spec["ports"] = .array(ports)
        }
        if !needsHealthCheckNodePort(spec), spec["healthCheckNodePort"] == old["healthCheckNodePort"] {
            spec["healthCheckNodePort"] = nil
        }
        if spec["type"]?.stringValue != "LoadBalancer" {
            for field in ["allocateLoadBalancerNodePorts", "loadBalancerClass"] where spec[field] == old[field] {
                spec[field] = nil
            }
        }
        if !ServiceStrategy.externallyAccessible(spec), spec["externalTrafficPolicy"] == old["externalTrafficPolicy"] {
            spec["externalTrafficPolicy"] = nil
        }
    }
}
