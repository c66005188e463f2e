import JSON
import Store
import Testing

@testable import APIServer

@Suite struct TableNegotiationTests {
    static let kubectl = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,"
        + "application/json"

    @Test("the Accept header picks a Table version or plain JSON", arguments: [
        (kubectl, "v1"),
        ("application/json;as=Table;v=v1beta1;g=meta.k8s.io", "v1beta1"),
        ("application/json;as=Table;v=v1beta1;g=meta.k8s.io, application/json;as=Table;v=v1;g=meta.k8s.io", "v1beta1"),
        ("application/json, application/json;as=Table;v=v1;g=meta.k8s.io", nil),
        ("application/json;q=0.5, application/json;as=Table;v=v1;g=meta.k8s.io", "v1"),
        ("application/json;as=Table;v=v1;g=meta.k8s.io;q=0, application/json", nil),
        ("application/json;as=Table", nil),
        ("application/json;as=Table;v=v2;g=meta.k8s.io", nil),
        ("application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io, application/json", nil),
        ("application/yaml;as=Table;v=v1;g=meta.k8s.io, application/json", nil),
        ("*/*;as=Table;v=v1;g=meta.k8s.io", "v1"),
        ("application/json", nil),
        ("", nil),
    ] as [(String, String?)])
    func tableVersion(accept: String, expected: String?) {
        #expect(TableNegotiation.tableVersion(accept: accept) == expected)
    }

    @Test("a Table range alone is acceptable; other conversions alone are not", arguments: [
        ("application/json;as=Table;v=v1;g=meta.k8s.io", true),
        ("application/json;as=Table;v=v1beta1;g=meta.k8s.io", true),
        ("application/json;as=Table;v=v9;g=meta.k8s.io", false),
        ("application/json;as=PartialObjectMetadata;v=v1;g=meta.k8s.io", false),
        (kubectl, true),
    ])
    func acceptable(accept: String, expected: Bool) {
        #expect(ContentNegotiation.acceptsJSON(accept) == expected)
    }

    static func stored(_ text: String, resourceVersion: Int64 = 7) -> StoredObject {
        StoredObject(namespace: "default", name: "web", resourceVersion: resourceVersion, stamping: try! JSON.parse(text))
    }

    static let service = stored(#"{"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"default","uid":"u1","creationTimestamp":"2024-12-11T17:59:15Z","labels":{"app":"web"}},"spec":{"type":"ClusterIP","clusterIPs":["10.96.0.10"],"ports":[{"port":80,"protocol":"TCP"}]}}"#)

    @Test func listTableMirrorsListMetadataAndCarriesPartialObjectMetadata() throws {
        let table = Table(printer: .services, request: TableRequest(version: "v1", includeObject: .metadata))
            .list([Self.service], resourceVersion: 42, continueToken: "abc", remainingItemCount: 3)
        #expect(table["kind"] == "Table")
        #expect(table["apiVersion"] == "meta.k8s.io/v1")
        #expect(table["metadata"] == ["resourceVersion": "42", "continue": "abc", "remainingItemCount": 3])
        #expect(table["columnDefinitions"]?.arrayValue?.count == 7)
        let column = try #require(table["columnDefinitions"]?[6]?.objectValue)
        #expect(column.keys == ["name", "type", "format", "description", "priority"])
        #expect(column["priority"] == 1)
        let row = try #require(table["rows"]?[0])
        #expect(row["cells"]?.arrayValue?.count == 7)
        #expect(row["object"]?["kind"] == "PartialObjectMetadata")
        #expect(row["object"]?["apiVersion"] == "meta.k8s.io/v1")
        #expect(row["object"]?["metadata"]?["namespace"] == "default")
        #expect(row["object"]?["metadata"]?["labels"] == ["app": "web"])
        #expect(row["object"]?["metadata"]?["resourceVersion"] == "7")
        #expect(row["object"]?["spec"] == nil)
    }

    @Test func includeObjectNoneAndObject() {
        let none = Table(printer: .services, request: TableRequest(version: "v1", includeObject: .none)).single(Self.service)
        #expect(none["rows"]?[0]?["object"] == .null)
        #expect(none["metadata"] == ["resourceVersion": "7"])
        let full = Table(printer: .services, request: TableRequest(version: "v1beta1", includeObject: .object)).single(Self.service)
        #expect(full["apiVersion"] == "meta.k8s.io/v1beta1")
        #expect(full["rows"]?[0]?["object"] == Self.service.object)
    }

    @Test func emptyListKeepsColumnsAndHasNoRows() {
        let table = Table(printer: .pods, request: TableRequest(version: "v1", includeObject: .metadata))
            .list([], resourceVersion: 5, continueToken: nil, remainingItemCount: nil)
        #expect(table["rows"] == .array([]))
        #expect(table["columnDefinitions"]?.arrayValue?.count == 9)
    }

    @Test func tableWatchSendsColumnDefinitionsOnlyOnce() throws {
        let encoder = TableWatchEncoder(table: Table(printer: .services,
                                                     request: TableRequest(version: "v1", includeObject: .metadata)))
        let first = try JSON.parse(encoder.line(type: "ADDED", object: Self.service))
        let second = try JSON.parse(encoder.line(type: "MODIFIED", object: Self.stored(
            #"{"kind":"Service","apiVersion":"v1","metadata":{"name":"web","namespace":"default","creationTimestamp":"2024-12-11T17:59:15Z"},"spec":{"type":"ClusterIP","clusterIPs":["10.96.0.10"]}}"#,
            resourceVersion: 8)))
        #expect(first["type"] == "ADDED")
        #expect(first["object"]?["kind"] == "Table")
        #expect(first["object"]?["columnDefinitions"]?.arrayValue?.count == 7)
        #expect(first["object"]?["rows"]?.arrayValue?.count == 1)
        #expect(second["type"] == "MODIFIED")
        #expect(second["object"]?["columnDefinitions"] == .null)
        #expect(second["object"]?["metadata"] == ["resourceVersion": "8"])
        #expect(second["object"]?["rows"]?[0]?["cells"]?[4] == "<none>")
    }
}
