import JSON

extension TablePrinter {
    /// `serviceColumnDefinitions` and `printService` (reference §10.3):
    /// `NAME TYPE CLUSTER-IP EXTERNAL-IP PORT(S) AGE`, wide `SELECTOR`.
    static let services = TablePrinter(
        columns: [
            nameColumn,
            TableColumn("Type", description: ServiceSpecDoc.type),
            TableColumn("Cluster-IP", description: ServiceSpecDoc.clusterIP),
            TableColumn("External-IP", description: ServiceSpecDoc.externalIPs),
            TableColumn("Port(s)", description: ServiceSpecDoc.ports),
            ageColumn,
            TableColumn("Selector", priority: 1, description: ServiceSpecDoc.selector),
        ],
        cells: { service, now in
            let spec = service["spec"]
            let clusterIP = spec?["clusterIPs"]?[0]?.stringValue ?? "<none>"
            let ports = servicePorts(spec?["ports"]?.arrayValue ?? [])
            return [name(service), .string(spec?["type"]?.stringValue ?? ""), .string(clusterIP),
                    .string(serviceExternalIP(service)), .string(ports.isEmpty ? "<none>" : ports),
                    age(service, now: now),
                    .string(formatLabels(spec?["selector"]))]
        })

    /// `getServiceExternalIP` with `wide` true (the server prints wide, so load-balancer addresses are never clipped).
    static func serviceExternalIP(_ service: JSON) -> String {
        let spec = service["spec"]
        let externalIPs = (spec?["externalIPs"]?.arrayValue ?? []).compactMap(\.stringValue)
        switch spec?["type"]?.stringValue ?? "" {
        case "ClusterIP", "NodePort":
            return externalIPs.isEmpty ? "<none>" : externalIPs.joined(separator: ",")
        case "LoadBalancer":
            // `loadBalancerStatusStringer`: the distinct ingress IPs (or hostnames), sorted.
            var addresses = Set<String>()
            for ingress in service["status"]?["loadBalancer"]?["ingress"]?.arrayValue ?? [] {
                if let ip = ingress["ip"]?.stringValue, !ip.isEmpty {
                    addresses.insert(ip)
                } else if let hostname = ingress["hostname"]?.stringValue, !hostname.isEmpty {
                    addresses.insert(hostname)
                }
            }
            let all = addresses.sorted() + externalIPs
            return all.isEmpty ? "<pending>" : all.joined(separator: ",")
        case "ExternalName":
            return spec?["externalName"]?.stringValue ?? ""
        default:
            return "<unknown>"
        }
    }

    /// `makePortString`: `port/protocol`, or `port:nodePort/protocol` when a node port is set, joined by `,`.
    static func servicePorts(_ ports: [JSON]) -> String {
        ports.map { port in
            let number = port["port"]?.intValue ?? 0
            let proto = port["protocol"]?.stringValue ?? ""
            if let nodePort = port["nodePort"]?.intValue, nodePort > 0 { return "\(number):\(nodePort)/\(proto)" }
            return "\(number)/\(proto)"
        }.joined(separator: ",")
    }
}

/// `corev1.ServiceSpec{}.SwaggerDoc()` entries the Service columns quote.
enum ServiceSpecDoc {
    static let type = "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are "
        + "ExternalName, ClusterIP, NodePort, and LoadBalancer. \"ClusterIP\" allocates a cluster-internal IP address "
        + "for load-balancing to endpoints. Endpoints are determined by the selector or if that is not specified, by "
        + "manual construction of an Endpoints object or EndpointSlice objects. If clusterIP is \"None\", no virtual "
        + "IP is allocated and the endpoints are published as a set of endpoints rather than a virtual IP. "
        + "\"NodePort\" builds on ClusterIP and allocates a port on every node which routes to the same endpoints as "
        + "the clusterIP. "
        + "\"LoadBalancer\" builds on NodePort and creates an external load-balancer (if supported in the current "
        + "cloud) which routes to the same endpoints as the clusterIP. \"ExternalName\" aliases this service to the "
        + "specified externalName. Several other fields do not apply to ExternalName services. More info: "
        + "https://kubernetes.io/docs/concepts/services-networking/service/#publishing-services-service-types"
    static let clusterIP = "clusterIP is the IP address of the service and is usually assigned randomly. If an "
        + "address is specified manually, is in-range (as per system configuration), and is not in use, it will be "
        + "allocated to the service; otherwise creation of the service will fail. This field may not be changed "
        + "through updates unless the type field is also being changed to ExternalName (which requires this field to "
        + "be blank) or the type field is being changed from ExternalName (in which case this field may optionally be "
        + "specified, as describe above).  Valid values are \"None\", empty string (\"\"), or a valid IP address. "
        + "Setting this to \"None\" makes a \"headless service\" (no virtual IP), which is useful when direct endpoint "
        + "connections are preferred and proxying is not required.  Only applies to types ClusterIP, NodePort, and "
        + "LoadBalancer. If this field is specified when creating a Service of type ExternalName, creation will fail. "
        + "This field will be wiped when updating a Service to type ExternalName. More info: "
        + "https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"
    static let externalIPs = "externalIPs is a list of IP addresses for which nodes in the cluster will also accept "
        + "traffic for this service.  These IPs are not managed by Kubernetes.  The user is responsible for ensuring "
        + "that traffic arrives at a node with this IP.  A common example is external load-balancers that are not "
        + "part of the Kubernetes system."
    static let ports = "The list of ports that are exposed by this service. More info: "
        + "https://kubernetes.io/docs/concepts/services-networking/service/#virtual-ips-and-service-proxies"
    static let selector = "Route service traffic to pods with label keys and values matching this selector. If "
        + "empty or not present, the service is assumed to have an external process managing its endpoints, which "
        + "Kubernetes will not modify. Only applies to types ClusterIP, NodePort, and LoadBalancer. Ignored if type is "
        + "ExternalName. More info: https://kubernetes.io/docs/concepts/services-networking/service/"
}
