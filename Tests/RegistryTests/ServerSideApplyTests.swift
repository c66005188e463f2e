import JSON
import KubeAPI
import Testing

@testable import Registry

/// Server-side apply through the Registry, as `kubectl apply --server-side` drives it (reference §14.4).
@Suite struct ServerSideApplyTests {
    static func config(targetPort: Int64 = 8080, extraPort: Bool = false, labels: JSON = ["app": "web"]) -> JSON {
        var ports: [JSON] = [["name": "http", "port": 80, "targetPort": .int(targetPort)]]
        if extraPort { ports.append(["name": "https", "port": 443, "targetPort": 8443]) }
        return ["apiVersion": "v1", "kind": "Service",
                "metadata": ["name": "web", "namespace": "default", "labels": labels],
                "spec": ["selector": ["app": "web"], "ports": .array(ports)]]
    }

    static func apply(_ registry: Registry, _ body: JSON, manager: String = "kubectl",
                      force: Bool = false) throws(StatusError) -> WriteResult {
        try registry.patch(registry.services, namespace: "default", name: "web", patch: Patch(type: .apply, body: body),
                           options: WriteOptions(fieldManager: manager, force: force))
    }

    static func entries(_ object: JSON) -> [String: JSON] {
        var result: [String: JSON] = [:]
        for entry in object["metadata"]?["managedFields"]?.arrayValue ?? [] {
            result[entry["manager"]!.stringValue! + "/" + entry["operation"]!.stringValue!] = entry
        }
        return result
    }

    @Test func applyCreatesTheObjectWithAnApplyEntry() throws {
        let registry = try makeRegistry()
        let result = try Self.apply(registry, Self.config())
        #expect(result.created)
        let object = result.object.object
        #expect(object["spec"]?["ports"]?[0]?["protocol"] == "TCP")
        let entry = try #require(Self.entries(object)["kubectl/Apply"])
        #expect(entry["apiVersion"] == "v1")
        #expect(entry["fieldsType"] == "FieldsV1")
        #expect(entry["time"]?.stringValue != nil)
        #expect(entry["fieldsV1"]?["f:spec"]?["f:ports"]?["k:{\"port\":80,\"protocol\":\"TCP\"}"]?["f:targetPort"] == [:])
        #expect(entry["fieldsV1"]?["f:spec"]?["f:type"] == nil)
    }

    @Test func reapplyingTheSameConfigurationIsANoOp() throws {
        let registry = try makeRegistry()
        let first = try Self.apply(registry, Self.config())
        let second = try Self.apply(registry, Self.config())
        #expect(!second.created)
        #expect(second.object.resourceVersion == first.object.resourceVersion)
    }

    @Test func fieldsDroppedFromTheConfigurationAreRemoved() throws {
        let registry = try makeRegistry()
        _ = try Self.apply(registry, Self.config(extraPort: true, labels: ["app": "web", "tier": "front"]))
        let object = try Self.apply(registry, Self.config()).object.object
        #expect(object["spec"]?["ports"]?.arrayValue?.count == 1)
        #expect(object["metadata"]?["labels"] == ["app": "web"])
        let fields = try #require(Self.entries(object)["kubectl/Apply"]?["fieldsV1"])
        #expect(fields["f:spec"]?["f:ports"]?["k:{\"port\":443,\"protocol\":\"TCP\"}"] == nil)
    }

    @Test func fieldsOwnedByAnotherManagerAreKeptWhenDropped() throws {
        let registry = try makeRegistry()
        _ = try Self.apply(registry, Self.config(labels: ["app": "web", "tier": "front"]))
        _ = try Self.apply(registry, ["apiVersion": "v1", "kind": "Service",
                                      "metadata": ["name": "web", "labels": ["tier": "front"]]], manager: "other")
        let object = try Self.apply(registry, Self.config()).object.object
        #expect(object["metadata"]?["labels"] == ["app": "web", "tier": "front"])
    }

    @Test func changingAFieldOwnedByAnUpdaterIsAConflict() throws {
        let registry = try makeRegistry()
        _ = try registry.create(registry.services, namespace: "default", object: Self.config(targetPort: 8081),
                                options: WriteOptions(fieldManager: "kubectl-client-side-apply"))
        let error = #expect(throws: StatusError.self) { try Self.apply(registry, Self.config()) }
        #expect(error?.code == 409)
        #expect(error?.reason == "Conflict")
        #expect(error?.message == "Apply failed with 1 conflict: conflict with \"kubectl-client-side-apply\" using v1: "
            + ".spec.ports[port=80,protocol=\"TCP\"].targetPort")
        #expect(error?.details?.causes == [.init(reason: "FieldManagerConflict",
                                                message: "conflict with \"kubectl-client-side-apply\" using v1",
                                                field: ".spec.ports[port=80,protocol=\"TCP\"].targetPort")])
    }

    @Test func sameValueIsSharedNotAConflict() throws {
        let registry = try makeRegistry()
        _ = try registry.create(registry.services, namespace: "default", object: Self.config(),
                                options: WriteOptions(fieldManager: "kubectl-client-side-apply"))
        let object = try Self.apply(registry, Self.config()).object.object
        #expect(Self.entries(object).keys.sorted() == ["kubectl-client-side-apply/Update", "kubectl/Apply"])
    }

    @Test func severalConflictsAreGroupedByManager() throws {
        let registry = try makeRegistry()
        _ = try registry.create(registry.services, namespace: "default", object: Self.config(targetPort: 8081),
                                options: WriteOptions(fieldManager: "kubectl-client-side-apply"))
        var changed = Self.config()
        changed["spec"]?["selector"] = ["app": "other"]
        let error = #expect(throws: StatusError.self) { try Self.apply(registry, changed) }
        #expect(error?.message == """
            Apply failed with 2 conflicts: conflicts with "kubectl-client-side-apply" using v1:
            - .spec.ports[port=80,protocol="TCP"].targetPort
            - .spec.selector
            """)
    }

    @Test func forceTakesOwnership() throws {
        let registry = try makeRegistry()
        _ = try registry.create(registry.services, namespace: "default", object: Self.config(targetPort: 8081),
                                options: WriteOptions(fieldManager: "kubectl-client-side-apply"))
        let object = try Self.apply(registry, Self.config(), force: true).object.object
        #expect(object["spec"]?["ports"]?[0]?["targetPort"] == 8080)
        let port = "k:{\"port\":80,\"protocol\":\"TCP\"}"
        let csa = try #require(Self.entries(object)["kubectl-client-side-apply/Update"]?["fieldsV1"])
        #expect(csa["f:spec"]?["f:ports"]?[port]?["f:targetPort"] == nil)
        #expect(csa["f:spec"]?["f:ports"]?[port]?["f:name"] == [:])
        let mine = try #require(Self.entries(object)["kubectl/Apply"]?["fieldsV1"])
        #expect(mine["f:spec"]?["f:ports"]?[port]?["f:targetPort"] == [:])
        // Now owned by the applier alone: a second apply of another value is no conflict.
        _ = try Self.apply(registry, Self.config(targetPort: 9090))
    }

    @Test func updatesTakeOwnershipOfWhatTheyChange() throws {
        let registry = try makeRegistry()
        _ = try Self.apply(registry, Self.config())
        var object = try registry.get(registry.services, namespace: "default", name: "web").object
        object["spec"]?["ports"]?[0]?["targetPort"] = 7070
        let updated = try registry.update(registry.services, namespace: "default", name: "web", object: object,
                                          options: WriteOptions(fieldManager: "kubectl-edit")).object.object
        let entries = Self.entries(updated)
        let port = "k:{\"port\":80,\"protocol\":\"TCP\"}"
        #expect(entries["kubectl-edit/Update"]?["fieldsV1"] == ["f:spec": ["f:ports": [port: ["f:targetPort": [:]]]]])
        #expect(entries["kubectl/Apply"]?["fieldsV1"]?["f:spec"]?["f:ports"]?[port]?["f:targetPort"] == nil)
        let error = #expect(throws: StatusError.self) { try Self.apply(registry, Self.config()) }
        #expect(error?.message.contains("conflict with \"kubectl-edit\" using v1") == true)
    }

    @Test func createRecordsAnUpdateEntryWithDefaultedFieldsAndNoSystemMetadata() throws {
        let registry = try makeRegistry()
        let object = try registry.create(registry.services, namespace: "default",
                                         object: service("web", ports: [["port": 80]], labels: [:]),
                                         options: WriteOptions(fieldManager: "curl")).object.object
        let entries = try #require(object["metadata"]?["managedFields"]?.arrayValue)
        #expect(entries.count == 1)
        #expect(entries[0]["operation"] == "Update")
        let fields = try #require(entries[0]["fieldsV1"])
        #expect(fields["f:metadata"] == nil)
        #expect(fields["f:spec"]?["f:sessionAffinity"] == [:])
        #expect(fields["f:spec"]?["f:ports"]?["."] == [:])
        #expect(fields["f:status"] == nil)
    }

    @Test func writersWithoutAManagerLeaveEntriesAlone() throws {
        let registry = try makeRegistry()
        let created = try registry.create(registry.services, namespace: "default", object: Self.config(),
                                          options: WriteOptions()).object.object
        #expect(created["metadata"]?["managedFields"] == nil)
    }
}

extension ServerSideApplyTests {
    /// kubectl's CSA→SSA migration gives the Apply entry the client-side manager's fields, `.` of lists and maps
    /// included; re-applying the manifest must keep the lists it still fills.
    @Test func reapplyAfterOwningWholeListsKeepsTheirRemainingItems() throws {
        let registry = try makeRegistry()
        _ = try Self.apply(registry, Self.config(extraPort: true))
        var object = try registry.get(registry.services, namespace: "default", name: "web").object
        var entry = try #require(object["metadata"]?["managedFields"]?[0])
        entry["fieldsV1"]?["f:spec"]?["f:ports"]?["."] = [:]
        entry["fieldsV1"]?["f:metadata"]?["f:labels"]?["."] = [:]
        object["metadata"]?["managedFields"] = [entry]
        _ = try registry.update(registry.services, namespace: "default", name: "web", object: object,
                                options: WriteOptions(fieldManager: "kubectl"))
        let result = try Self.apply(registry, Self.config()).object.object
        #expect(result["spec"]?["ports"]?.arrayValue?.map { $0["port"] } == [80])
        #expect(result["metadata"]?["labels"] == ["app": "web"])
    }
}
