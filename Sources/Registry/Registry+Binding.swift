import JSON
import KubeAPI
import Store

extension Registry {
    /// `POST pods/{name}/binding`: assigns a Pod to a node, as the scheduler does (`k/k: pkg/registry/core/pod/storage`
    /// `BindingREST`): 409 Conflict if it is already assigned, and the `PodScheduled=True` condition is set.
    public func bindPod(namespace: String, name: String, nodeName: String) throws(StatusError) -> WriteResult {
        let pods = strategy(ResourceInfo.pods).info
        return try guaranteedUpdate(pods, namespace: namespace, name: name, subresource: "binding",
                                    options: WriteOptions(), createIfMissing: false) {
            (current: StoredObject?) throws(StatusError) -> JSON in
            guard let current else { throw .notFound(pods.qualified, name: name) }
            var pod = current.object
            if let assigned = pod["spec"]?["nodeName"]?.stringValue, !assigned.isEmpty {
                throw .conflict(pods.qualified, name: name, why: "pod \(name) is already assigned to node \"\(assigned)\"")
            }
            if pod["metadata"]?["deletionTimestamp"] != nil {
                throw .conflict(pods.qualified, name: name, why: "pod \(name) is being deleted, cannot be assigned to a host")
            }
            pod["spec"]?["nodeName"] = .string(nodeName)
            pod["metadata"]?["resourceVersion"] = nil
            return pod
        }
    }
}

extension ResourceInfo {
    static let pods = PodStrategy().info
}
