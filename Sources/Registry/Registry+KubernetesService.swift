import JSON
import KubeAPI
import Store

extension Registry {
    /// Keeps the `kubernetes` Service in `default` (cluster IP = first address of the range, port 443 → this
    /// server's port) and its EndpointSlice as kube-apiserver's `kubernetesservice` controller does: created when
    /// missing, ports and type reset when edited (`k/k: pkg/controlplane/controller/kubernetesservice/controller.go`,
    /// `reconcilers/endpointsadapter.go`). Safe to call repeatedly; returns quietly when nothing needs changing.
    public func reconcileKubernetesService(host: String, port: Int) {
        let services = strategy(ResourceInfo.services).info
        let ports: JSON = [["name": "https", "port": 443, "protocol": "TCP", "targetPort": .int(Int64(port))]]
        do {
            if let existing = store.get(resource: services.storageKey, namespace: "default", name: "kubernetes") {
                var object = existing.object
                if object["spec"]?["ports"] != ports || object["spec"]?["type"]?.stringValue != "ClusterIP" {
                    object["spec"]?["ports"] = ports
                    object["spec"]?["type"] = "ClusterIP"
                    _ = try update(services, namespace: "default", name: "kubernetes", object: object, options: WriteOptions())
                    logger.info("reset the kubernetes service")
                }
            } else {
                let object: JSON = [
                    "apiVersion": "v1", "kind": "Service",
                    "metadata": ["name": "kubernetes", "namespace": "default",
                                 "labels": ["component": "apiserver", "provider": "kubernetes"]],
                    "spec": ["type": "ClusterIP", "clusterIP": .string(network.kubernetesServiceIP), "ports": ports,
                             "sessionAffinity": "None"],
                ]
                _ = try create(services, namespace: "default", object: object, options: WriteOptions())
                logger.info("created the kubernetes service", metadata: ["clusterIP": "\(network.kubernetesServiceIP)"])
            }
            try reconcileKubernetesEndpointSlice(host: host, port: port)
        } catch {
            logger.warning("cannot reconcile the kubernetes service", metadata: ["error": "\(error.message)"])
        }
    }

    /// The `kubernetes` EndpointSlice: one ready endpoint, this server's address and port (no managed-by label).
    private func reconcileKubernetesEndpointSlice(host: String, port: Int) throws(StatusError) {
        let slices = strategy(ResourceInfo.endpointSlices).info
        let address = host == "0.0.0.0" || host.isEmpty ? "127.0.0.1" : (host == "::" ? "::1" : host)
        var desired: JSON = [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": ["name": "kubernetes", "namespace": "default", "labels": ["kubernetes.io/service-name": "kubernetes"]],
            "addressType": .string(address.contains(":") ? "IPv6" : "IPv4"),
            "endpoints": [["addresses": [.string(address)], "conditions": ["ready": true]]],
            "ports": [["name": "https", "port": .int(Int64(port)), "protocol": "TCP"]],
        ]
        guard let existing = store.get(resource: slices.storageKey, namespace: "default", name: "kubernetes") else {
            _ = try create(slices, namespace: "default", object: desired, options: WriteOptions())
            return
        }
        let current = existing.object
        if current["endpoints"] == desired["endpoints"], current["ports"] == desired["ports"],
           current["addressType"] == desired["addressType"] {
            return
        }
        if current["addressType"] != desired["addressType"] {
            // addressType is immutable: replace the slice.
            _ = try delete(slices, namespace: "default", name: "kubernetes", options: DeleteOptions())
            _ = try create(slices, namespace: "default", object: desired, options: WriteOptions())
            return
        }
        desired["metadata"] = current["metadata"]
        _ = try update(slices, namespace: "default", name: "kubernetes", object: desired, options: WriteOptions())
    }
}

extension ResourceInfo {
    static let services = ResourceInfo(group: "", version: "v1", resource: "services", singular: "service", kind: "Service",
                                       namespaced: true, verbs: [], nameRule: .dns1035Label)
    static let endpointSlices = EndpointSliceStrategy().info
}
