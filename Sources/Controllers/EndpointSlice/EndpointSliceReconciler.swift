import JSON

/// The EndpointSlice reconciler as a pure function (reference §12.4; `k8s.io/endpointslice/reconciler.go`):
/// from a Service, the Pods it selects and its existing managed slices to a plan of creates, updates and
/// deletes. Unchanged slices produce no write; slice names are reused before new ones are created.
struct EndpointSliceReconciler: Sendable {
    static let managedByLabel = "endpointslice.kubernetes.io/managed-by"
    static let managedBy = "endpointslice-controller.k8s.io"
    static let serviceNameLabel = "kubernetes.io/service-name"
    static let headlessLabel = "service.kubernetes.io/headless"

    let maxEndpointsPerSlice: Int

    struct Plan: Equatable {
        var creates: [JSON] = []
        /// Full objects, carrying the resourceVersion they were read at (a precondition).
        var updates: [JSON] = []
        var deletes: [JSON] = []
        var isEmpty: Bool { creates.isEmpty && updates.isEmpty && deletes.isEmpty }
    }

    func plan(service: JSON, pods: [JSON], existing: [JSON]) -> Plan {
        var plan = Plan()
        let uid = service["metadata"]?["uid"]?.stringValue ?? ""
        let desired = DesiredEndpoints(service: service, pods: pods)
        let labels = Self.labels(for: service)
        let owner = Self.ownerReference(for: service)
        var byType: [String: [JSON]] = [:]
        for slice in existing {
            let owned = (slice["metadata"]?["ownerReferences"]?.arrayValue ?? []).contains {
                $0["uid"]?.stringValue == uid && $0["kind"]?.stringValue == "Service"
            }
            let type = slice["addressType"]?.stringValue ?? ""
            if owned, desired.byAddressType[type] != nil { byType[type, default: []].append(slice) } else { plan.deletes.append(slice) }
        }
        for addressType in DesiredEndpoints.addressTypes(of: service) {
            let groups = desired.byAddressType[addressType] ?? []
            var slices = SliceSet(existing: byType[addressType] ?? [], labels: labels, owner: owner, service: service,
                                  addressType: addressType, max: maxEndpointsPerSlice)
            if groups.allSatisfy({ $0.group.endpoints.isEmpty }) {
                slices.placeholder()
            } else {
                slices.place(groups.filter { !$0.group.endpoints.isEmpty }.map(\.group))
            }
            plan.creates += slices.creates
            plan.updates += slices.updates
            plan.deletes += slices.deletes
        }
        return plan
    }

    /// All Service labels except the reserved ones, plus the controller's (§12.4).
    static func labels(for service: JSON) -> JSON {
        var labels = service["metadata"]?["labels"]?.objectValue ?? JSONObject()
        labels[managedByLabel] = nil
        labels[headlessLabel] = nil
        labels[serviceNameLabel] = service["metadata"]?["name"] ?? ""
        labels[managedByLabel] = .string(managedBy)
        let clusterIP = service["spec"]?["clusterIP"]?.stringValue ?? ""
        if clusterIP == "None" || clusterIP.isEmpty { labels[headlessLabel] = "" }
        return .object(labels)
    }

    static func ownerReference(for service: JSON) -> JSON {
        ["apiVersion": "v1", "kind": "Service", "name": service["metadata"]?["name"] ?? "",
         "uid": service["metadata"]?["uid"] ?? "", "controller": true, "blockOwnerDeletion": true]
    }
}
