import JSON
import KubeAPI
import Logging
import Store
import Testing

@testable import Registry

func makeRegistry() throws -> Registry {
    let registry = Registry(store: try Store(path: ":memory:", logger: Logger(label: "test")), network: try ServiceNetwork(),
                            logger: Logger(label: "test"))
    try registry.bootstrap()
    return registry
}

func service(_ name: String, ports: JSON = [["port": 80]], labels: JSON = [:]) -> JSON {
    ["apiVersion": "v1", "kind": "Service", "metadata": ["name": .string(name), "labels": labels],
     "spec": ["selector": ["app": "web"], "ports": ports]]
}

func podObject(_ name: String, labels: JSON = ["app": "web"]) -> JSON {
    ["metadata": ["name": .string(name), "labels": labels], "spec": ["containers": [["name": "c", "image": "nginx"]]]]
}

extension Registry {
    var services: ResourceInfo { resources.first { $0.resource == "services" }! }
    var pods: ResourceInfo { resources.first { $0.resource == "pods" }! }
    var namespaces: ResourceInfo { resources.first { $0.resource == "namespaces" }! }
    var slices: ResourceInfo { resources.first { $0.resource == "endpointslices" }! }
}

@Suite struct RegistryCreateTests {
    @Test func systemNamespacesExistAfterBootstrap() throws {
        let registry = try makeRegistry()
        let names = try registry.list(registry.namespaces, namespace: nil, options: ListOptions()).items.map(\.name)
        #expect(names == ["default", "kube-node-lease", "kube-public", "kube-system"])
        let ns = try registry.get(registry.namespaces, namespace: "", name: "default").object
        #expect(ns["metadata"]?["labels"]?["kubernetes.io/metadata.name"] == "default")
        #expect(ns["spec"]?["finalizers"] == ["kubernetes"])
        #expect(ns["status"]?["phase"] == "Active")
    }

    @Test func serviceDefaultsMatchKubeAPIServer() throws {
        let registry = try makeRegistry()
        let created = try registry.create(registry.services, namespace: "default",
                                          object: service("web", ports: [["name": "http", "port": 80, "targetPort": 8080]]),
                                          options: WriteOptions()).object.object
        let spec = try #require(created["spec"])
        #expect(spec["type"] == "ClusterIP")
        #expect(spec["sessionAffinity"] == "None")
        #expect(spec["internalTrafficPolicy"] == "Cluster")
        #expect(spec["ipFamilyPolicy"] == "SingleStack")
        #expect(spec["ipFamilies"] == ["IPv4"])
        #expect(spec["ports"]?[0]?["protocol"] == "TCP")
        #expect(created["status"] == ["loadBalancer": [:]])
        #expect(created["metadata"]?["uid"]?.stringValue?.count == 36)
        #expect(created["metadata"]?["generation"] == nil)
    }

    @Test func targetPortDefaultsToPort() throws {
        let registry = try makeRegistry()
        let created = try registry.create(registry.services, namespace: "default", object: service("web"),
                                          options: WriteOptions()).object.object
        #expect(created["spec"]?["ports"]?[0]?["targetPort"] == 80)
    }

    @Test(arguments: [
        (service("1web"), "Service \"1web\" is invalid: metadata.name: Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"),
        (service("web", ports: [["port": 80], ["port": 81]]), "Service \"web\" is invalid: [spec.ports[0].name: Required value, spec.ports[1].name: Required value]"),
        (service("web", ports: [["port": 0, "targetPort": 80]]), "Service \"web\" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"),
        (service("web", ports: [["port": 80, "protocol": "HTTP"]]), "Service \"web\" is invalid: spec.ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\""),
        (service("web", ports: [["port": 80, "nodePort": 30001]]), "Service \"web\" is invalid: spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"),
        (service("web", ports: []), "Service \"web\" is invalid: spec.ports: Required value"),
    ] as [(JSON, String)])
    func invalidServicesAre422WithKubernetesMessages(object: JSON, message: String) throws {
        let registry = try makeRegistry()
        do {
            _ = try registry.create(registry.services, namespace: "default", object: object, options: WriteOptions())
            Issue.record("expected 422")
        } catch {
            #expect(error.code == 422)
            #expect(error.reason == "Invalid")
            #expect(error.message == message)
            #expect(error.details?.kind == "Service")
        }
    }

    @Test func createInMissingNamespaceIsNamespaceNotFound() throws {
        let registry = try makeRegistry()
        do {
            _ = try registry.create(registry.services, namespace: "nosuch", object: service("web"), options: WriteOptions())
            Issue.record("expected 404")
        } catch {
            #expect(error.code == 404)
            #expect(error.message == "namespaces \"nosuch\" not found")
            #expect(error.details?.kind == "namespaces")
        }
    }

    @Test func duplicateCreateIsAlreadyExists() throws {
        let registry = try makeRegistry()
        _ = try registry.create(registry.services, namespace: "default", object: service("web"), options: WriteOptions())
        #expect(throws: StatusError.alreadyExists(registry.services.qualified, name: "web")) {
            try registry.create(registry.services, namespace: "default", object: service("web"), options: WriteOptions())
        }
    }

    @Test func generateNameAppendsFiveCharacters() throws {
        let registry = try makeRegistry()
        var object = podObject("")
        object["metadata"]?["name"] = nil
        object["metadata"]?["generateName"] = "web-"
        let created = try registry.create(registry.pods, namespace: "default", object: object, options: WriteOptions()).object
        #expect(created.name.hasPrefix("web-"))
        #expect(created.name.count == 9)
        #expect(created.name.dropFirst(4).allSatisfy { "bcdfghjklmnpqrstvwxz2456789".contains($0) })
    }

    @Test func dryRunPersistsNothing() throws {
        let registry = try makeRegistry()
        let before = registry.store.currentResourceVersion
        _ = try registry.create(registry.services, namespace: "default", object: service("web"), options: WriteOptions(dryRun: true))
        #expect(registry.store.currentResourceVersion == before)
        #expect(throws: StatusError.self) { try registry.get(registry.services, namespace: "default", name: "web") }
    }

    @Test func podGetsDefaultsAndPendingStatus() throws {
        let registry = try makeRegistry()
        let created = try registry.create(registry.pods, namespace: "default", object: podObject("p"), options: WriteOptions()).object.object
        #expect(created["spec"]?["restartPolicy"] == "Always")
        #expect(created["spec"]?["containers"]?[0]?["imagePullPolicy"] == "Always")
        #expect(created["status"] == ["phase": "Pending", "qosClass": "BestEffort"])
    }

    @Test func endpointSliceStartsAtGenerationOne() throws {
        let registry = try makeRegistry()
        let slice: JSON = ["metadata": ["name": "s"], "addressType": "IPv4",
                           "endpoints": [["addresses": ["10.0.0.1"]]], "ports": [["port": 80]]]
        let created = try registry.create(registry.slices, namespace: "default", object: slice, options: WriteOptions()).object.object
        #expect(created["metadata"]?["generation"] == 1)
        #expect(created["ports"]?[0] == ["port": 80, "name": "", "protocol": "TCP"])
        #expect(created["apiVersion"] == "discovery.k8s.io/v1")
    }
}

@Suite struct RegistryUpdateTests {
    @Test func staleResourceVersionIsConflict() throws {
        let registry = try makeRegistry()
        var object = try registry.create(registry.services, namespace: "default", object: service("web"), options: WriteOptions()).object.object
        object["metadata"]?["labels"] = ["x": "1"]
        _ = try registry.update(registry.services, namespace: "default", name: "web", object: object, options: WriteOptions())
        object["metadata"]?["labels"] = ["x": "2"]
        do {
            _ = try registry.update(registry.services, namespace: "default", name: "web", object: object, options: WriteOptions())
            Issue.record("expected 409")
        } catch {
            #expect(error.code == 409)
            #expect(error.message == "Operation cannot be fulfilled on services \"web\": the object has been modified; please apply your changes to the latest version and try again")
        }
    }

    @Test func noOpUpdateKeepsResourceVersion() throws {
        let registry = try makeRegistry()
        let created = try registry.create(registry.services, namespace: "default", object: service("web"), options: WriteOptions()).object
        let updated = try registry.update(registry.services, namespace: "default", name: "web", object: created.object, options: WriteOptions())
        #expect(updated.object.resourceVersion == created.resourceVersion)
    }

    @Test func statusIsIgnoredOnMainResourceAndSpecOnStatus() throws {
        let registry = try makeRegistry()
        var object = try registry.create(registry.services, namespace: "default", object: service("web"), options: WriteOptions()).object.object
        object["status"] = ["loadBalancer": ["ingress": [["ip": "1.2.3.4"]]]]
        let main = try registry.update(registry.services, namespace: "default", name: "web", object: object, options: WriteOptions())
        #expect(main.object.object["status"] == ["loadBalancer": [:]])
        object["spec"]?["sessionAffinity"] = "ClientIP"
        object["metadata"]?["resourceVersion"] = nil
        let status = try registry.update(registry.services, namespace: "default", name: "web", subresource: "status",
                                         object: object, options: WriteOptions())
        #expect(status.object.object["status"]?["loadBalancer"]?["ingress"]?[0]?["ip"] == "1.2.3.4")
        #expect(status.object.object["spec"]?["sessionAffinity"] == "None")
    }

    @Test func putCreatesMissingServiceButNotPod() throws {
        let registry = try makeRegistry()
        let created = try registry.update(registry.services, namespace: "default", name: "web", object: service("web"), options: WriteOptions())
        #expect(created.created)
        #expect(throws: StatusError.notFound(registry.pods.qualified, name: "p")) {
            try registry.update(registry.pods, namespace: "default", name: "p", object: podObject("p"), options: WriteOptions())
        }
    }

    @Test func mergePatchAndJSONPatch() throws {
        let registry = try makeRegistry()
        _ = try registry.create(registry.services, namespace: "default", object: service("web"), options: WriteOptions())
        let merged = try registry.patch(registry.services, namespace: "default", name: "web",
                                        patch: Patch(type: .merge, body: ["metadata": ["labels": ["tier": "fe"]]]), options: WriteOptions())
        #expect(merged.object.object["metadata"]?["labels"]?["tier"] == "fe")
        let jsonPatched = try registry.patch(registry.services, namespace: "default", name: "web",
                                             patch: Patch(type: .json, body: [["op": "replace", "path": "/spec/ports/0/port", "value": 81]]),
                                             options: WriteOptions())
        #expect(jsonPatched.object.object["spec"]?["ports"]?[0]?["port"] == 81)
        do {
            _ = try registry.patch(registry.services, namespace: "default", name: "web",
                                   patch: Patch(type: .json, body: [["op": "test", "path": "/spec/type", "value": "NodePort"]]),
                                   options: WriteOptions())
            Issue.record("expected 422")
        } catch {
            #expect(error.code == 422)
        }
    }

    @Test("patches that do not decode are refused: wrong types 422 on patch, malformed SMP 400, never 500")
    func badPatches() throws {
        let registry = try makeRegistry()
        _ = try registry.create(registry.services, namespace: "default", object: service("web"), options: WriteOptions())
        let cases: [(Patch, Int, String)] = [
            (Patch(type: .merge, body: ["spec": ["ports": [["port": "eighty"]]]]), 422,
             "json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32"),
            (Patch(type: .json, body: [["op": "replace", "path": "/spec/type", "value": 5]]), 422,
             "json: cannot unmarshal number into Go struct field ServiceSpec.spec.type of type v1.ServiceType"),
            (Patch(type: .strategicMerge, body: ["spec": ["$patch": "bogus"]]), 400, "unknown patch type: bogus"),
            (Patch(type: .strategicMerge, body: ["spec": ["ports": [["$patch": "delete"]]]]), 400,
             "does not contain declared merge key: port"),
        ]
        for (patch, code, message) in cases {
            do {
                _ = try registry.patch(registry.services, namespace: "default", name: "web", patch: patch,
                                       options: WriteOptions())
                Issue.record("expected \(code) for \(patch.body)")
            } catch {
                #expect(error.code == code, "\(patch.body): \(error.message)")
                #expect(error.reason == (code == 400 ? "BadRequest" : "Invalid"))
                #expect(error.message.contains(message) || error.details?.causes.first?.message.contains(message) == true,
                        "\(error.message)")
            }
        }
        let stored = try registry.get(registry.services, namespace: "default", name: "web")
        #expect(stored.object["spec"]?["ports"]?[0]?["port"] == 80)
    }

    @Test func podSpecIsImmutableExceptImage() throws {
        let registry = try makeRegistry()
        var object = try registry.create(registry.pods, namespace: "default", object: podObject("p"), options: WriteOptions()).object.object
        object["spec"]?["containers"]?[0]?["image"] = "nginx:2"
        object["metadata"]?["resourceVersion"] = nil
        let updated = try registry.update(registry.pods, namespace: "default", name: "p", object: object, options: WriteOptions())
        #expect(updated.object.object["spec"]?["containers"]?[0]?["image"] == "nginx:2")
        var changed = updated.object.object
        changed["spec"]?["restartPolicy"] = "Never"
        #expect(throws: StatusError.self) {
            try registry.update(registry.pods, namespace: "default", name: "p", object: changed, options: WriteOptions())
        }
    }
}

@Suite struct RegistryDeleteTests {
    @Test func finalizerHoldsObjectUntilRemoved() throws {
        let registry = try makeRegistry()
        var object = service("web")
        object["metadata"]?["finalizers"] = ["example.com/hold"]
        _ = try registry.create(registry.services, namespace: "default", object: object, options: WriteOptions())
        guard case .pending(let pending) = try registry.delete(registry.services, namespace: "default", name: "web", options: DeleteOptions()) else {
            Issue.record("expected the object to stay"); return
        }
        #expect(pending.object["metadata"]?["deletionTimestamp"] != nil)
        _ = try registry.patch(registry.services, namespace: "default", name: "web",
                               patch: Patch(type: .merge, body: ["metadata": ["finalizers": nil]]), options: WriteOptions())
        #expect(throws: StatusError.self) { try registry.get(registry.services, namespace: "default", name: "web") }
    }

    @Test func uidPreconditionMismatchIsConflictNamingTheKind() throws {
        let registry = try makeRegistry()
        let created = try registry.create(registry.services, namespace: "default", object: service("web"), options: WriteOptions()).object
        let uid = created.object["metadata"]?["uid"]?.stringValue ?? ""
        do {
            _ = try registry.delete(registry.services, namespace: "default", name: "web", options: DeleteOptions(preconditionUID: "x"))
            Issue.record("expected 409")
        } catch {
            #expect(error.message == "Operation cannot be fulfilled on Service \"web\": the UID in the precondition (x) does not match the UID in record (\(uid)). The object might have been deleted and then recreated")
        }
    }

    @Test func immortalNamespaceCannotBeDeleted() throws {
        let registry = try makeRegistry()
        do {
            _ = try registry.delete(registry.namespaces, namespace: "", name: "default", options: DeleteOptions())
            Issue.record("expected 403")
        } catch {
            #expect(error.code == 403)
            #expect(error.message == "namespaces \"default\" is forbidden: this namespace may not be deleted")
        }
    }

    @Test func namespaceDeletionMarksTerminatingAndBlocksCreates() throws {
        let registry = try makeRegistry()
        _ = try registry.create(registry.namespaces, namespace: "", object: ["metadata": ["name": "foo"]], options: WriteOptions())
        guard case .pending(let ns) = try registry.delete(registry.namespaces, namespace: "", name: "foo", options: DeleteOptions()) else {
            Issue.record("expected Terminating"); return
        }
        #expect(ns.object["status"]?["phase"] == "Terminating")
        do {
            _ = try registry.create(registry.services, namespace: "foo", object: service("web"), options: WriteOptions())
            Issue.record("expected 403")
        } catch {
            #expect(error.code == 403)
            #expect(error.message == "services \"web\" is forbidden: unable to create new content in namespace foo because it is being terminated")
        }
    }

    @Test func scheduledPodIsDeletedGracefully() throws {
        let registry = try makeRegistry()
        var object = podObject("p")
        object["spec"]?["nodeName"] = "node-1"
        _ = try registry.create(registry.pods, namespace: "default", object: object, options: WriteOptions())
        guard case .pending(let pod) = try registry.delete(registry.pods, namespace: "default", name: "p", options: DeleteOptions()) else {
            Issue.record("expected graceful deletion"); return
        }
        #expect(pod.object["metadata"]?["deletionGracePeriodSeconds"] == 30)
        guard case .deleted = try registry.delete(registry.pods, namespace: "default", name: "p",
                                                 options: DeleteOptions(gracePeriodSeconds: 0)) else {
            Issue.record("expected immediate deletion"); return
        }
    }
}

@Suite struct RegistryListTests {
    @Test func paginationIsASnapshotAtTheFirstPage() throws {
        let registry = try makeRegistry()
        for name in ["a", "b", "c"] {
            _ = try registry.create(registry.pods, namespace: "default", object: podObject(name), options: WriteOptions())
        }
        let first = try registry.list(registry.pods, namespace: "default", options: ListOptions(limit: 2))
        #expect(first.items.map(\.name) == ["a", "b"])
        #expect(first.remainingItemCount == 1)
        let token = try #require(first.continueToken)
        _ = try registry.create(registry.pods, namespace: "default", object: podObject("d"), options: WriteOptions())
        _ = try registry.delete(registry.pods, namespace: "default", name: "c", options: DeleteOptions())
        let second = try registry.list(registry.pods, namespace: "default", options: ListOptions(limit: 2, continueToken: token))
        #expect(second.items.map(\.name) == ["c"])
        #expect(second.resourceVersion == first.resourceVersion)
        #expect(second.continueToken == nil)
    }

    @Test(arguments: [
        ("app=web", ["a", "b"]), ("app!=web", ["c", "d"]), ("app in (web,db)", ["a", "b", "c"]),
        ("app notin (web)", ["c", "d"]), ("app", ["a", "b", "c"]), ("!app", ["d"]), ("app==db", ["c"]),
    ])
    func labelSelectorsFilterLists(selector: String, expected: [String]) throws {
        let registry = try makeRegistry()
        for (name, labels) in [("a", ["app": "web"]), ("b", ["app": "web"]), ("c", ["app": "db"]), ("d", [:])] as [(String, JSON)] {
            _ = try registry.create(registry.pods, namespace: "default", object: podObject(name, labels: labels), options: WriteOptions())
        }
        let result = try registry.list(registry.pods, namespace: nil, options: ListOptions(labelSelector: try LabelSelector.parse(selector)))
        #expect(result.items.map(\.name) == expected)
    }

    @Test func unsupportedFieldSelectorIs400() throws {
        let registry = try makeRegistry()
        do {
            _ = try registry.list(registry.services, namespace: nil, options: ListOptions(fieldSelector: try FieldSelector.parse("spec.foo=x")))
            Issue.record("expected 400")
        } catch {
            #expect(error.code == 400)
            #expect(error.message == "field label not supported: spec.foo")
        }
    }

    @Test func fieldSelectorOnPodPhase() throws {
        let registry = try makeRegistry()
        _ = try registry.create(registry.pods, namespace: "default", object: podObject("a"), options: WriteOptions())
        let pending = try registry.list(registry.pods, namespace: nil,
                                        options: ListOptions(fieldSelector: try FieldSelector.parse("status.phase=Pending")))
        #expect(pending.items.map(\.name) == ["a"])
        let running = try registry.list(registry.pods, namespace: nil,
                                        options: ListOptions(fieldSelector: try FieldSelector.parse("status.phase=Running")))
        #expect(running.items.isEmpty)
    }
}
