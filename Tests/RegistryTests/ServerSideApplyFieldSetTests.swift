import JSON
import Testing

@testable import Registry

@Suite struct ServerSideApplyFieldSetTests {
    static let serviceSchema = ServerSideApplySchema.forKind("Service")!

    @Test func appliedServiceFieldSetUsesListMapKeysWithDefaultedProtocol() throws {
        let config: JSON = ["metadata": ["labels": ["app": "web"]],
                            "spec": ["selector": ["app": "web"], "ports": [["name": "http", "port": 80, "targetPort": 8080]]]]
        let set = FieldSet(of: config, schema: Self.serviceSchema)
        let expected = try JSON.parse("""
            {"f:metadata":{"f:labels":{"f:app":{}}},"f:spec":{"f:ports":{"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":\
            {".":{},"f:name":{},"f:port":{},"f:targetPort":{}}},"f:selector":{}}}
            """)
        #expect(set.fieldsV1 == expected)
        #expect(FieldSet(fieldsV1: expected).fieldsV1 == expected)
    }

    @Test func setItemsAreValues() {
        let set = FieldSet(of: ["metadata": ["finalizers": ["a", "b"]]], schema: Self.serviceSchema)
        #expect(set.fieldsV1 == ["f:metadata": ["f:finalizers": ["v:\"a\"": [:], "v:\"b\"": [:]]]])
    }

    @Test func compareMarksAddedContainersAndModifiedLeaves() {
        let old: JSON = ["spec": ["ports": [["port": 80, "protocol": "TCP", "targetPort": 8080]]]]
        let new: JSON = ["metadata": ["labels": ["app": "web"]],
                         "spec": ["ports": [["port": 80, "protocol": "TCP", "targetPort": 8081]]]]
        let (changed, removed) = FieldSet.compare(old, new, schema: Self.serviceSchema)
        #expect(changed.fieldsV1 == [
            "f:metadata": ["f:labels": [".": [:], "f:app": [:]]],
            "f:spec": ["f:ports": ["k:{\"port\":80,\"protocol\":\"TCP\"}": ["f:targetPort": [:]]]],
        ])
        #expect(removed.isEmpty)
    }

    @Test func conflictPathsPrintLikeStructuredMergeDiff() {
        let path: [FieldPathElement] = [.field("spec"), .field("ports"), .key(["protocol": "TCP", "port": 80]),
                                        .field("targetPort")]
        #expect(FieldSet.describe(path) == ".spec.ports[port=80,protocol=\"TCP\"].targetPort")
        #expect(FieldSet.describe([.field("metadata"), .field("finalizers"), .value("x")]) == ".metadata.finalizers[=\"x\"]")
    }

    @Test func mergeKeepsLiveItemsAndMergesMatchingOnes() {
        let live: JSON = ["spec": ["ports": [["port": 80, "protocol": "TCP", "targetPort": 8080, "name": "http"],
                                             ["port": 443, "protocol": "TCP"]]]]
        let applied: JSON = ["spec": ["ports": [["port": 80, "targetPort": 9090]]]]
        let merged = FieldSet.merge(live, applied, schema: Self.serviceSchema)
        #expect(merged["spec"]?["ports"] == [["port": 80, "protocol": "TCP", "targetPort": 9090, "name": "http"],
                                             ["port": 443, "protocol": "TCP"]])
    }
}
