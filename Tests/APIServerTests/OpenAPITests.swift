import Foundation
import HTTPServer
import JSON
import Testing

@testable import APIServer

/// The embedded OpenAPI documents against `openapi/v3/`, their shape as kubectl reads it, entity tags, and
/// aggregated-discovery negotiation.
struct OpenAPIDocumentsTests {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("openapi").appendingPathComponent("v3")

    @Test("EmbeddedOpenAPI.swift holds exactly the files of openapi/v3 (run scripts/embed-openapi.sh)")
    func embeddedMatchesFiles() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".json") }
        #expect(Set(names) == Set(EmbeddedOpenAPI.files.keys), "run scripts/embed-openapi.sh")
        for name in names {
            let text = try String(contentsOf: Self.directory.appendingPathComponent(name), encoding: .utf8)
            #expect(EmbeddedOpenAPI.files[name] == text, "run scripts/embed-openapi.sh (\(name))")
        }
    }

    @Test("the index lists both group-versions and every document is found by its key")
    func indexResolves() {
        let documents = OpenAPIDocuments.embedded
        #expect(Set(documents.documents.keys) == ["api/v1", "apis/discovery.k8s.io/v1"])
        for document in documents.documents.values {
            #expect(document.hash.count == 128)
            #expect(document.entityTag == "\"\(document.hash)\"")
        }
    }

    @Test("every kind has a PATCH declaring fieldValidation and strategic merge, and a schema with its GVK",
          arguments: [
        ("api/v1", "/api/v1/namespaces/{namespace}/services/{name}", "Service", "io.k8s.api.core.v1.Service"),
        ("api/v1", "/api/v1/namespaces/{namespace}/pods/{name}", "Pod", "io.k8s.api.core.v1.Pod"),
        ("api/v1", "/api/v1/namespaces/{name}", "Namespace", "io.k8s.api.core.v1.Namespace"),
        ("apis/discovery.k8s.io/v1", "/apis/discovery.k8s.io/v1/namespaces/{namespace}/endpointslices/{name}",
         "EndpointSlice", "io.k8s.api.discovery.v1.EndpointSlice"),
    ])
    func patchOperations(key: String, path: String, kind: String, definition: String) throws {
        let document = try #require(OpenAPIDocuments.embedded.documents[key])
        let json = try JSON.parse(document.bytes)
        let patch = try #require(json["paths"]?[path]?["patch"])
        #expect(patch["x-kubernetes-group-version-kind"]?["kind"] == .string(kind))
        #expect(patch["x-kubernetes-action"] == "patch")
        let parameters = patch["parameters"]?.arrayValue ?? []
        #expect(parameters.contains { $0["name"] == "fieldValidation" && $0["in"] == "query" })
        #expect(patch["requestBody"]?["content"]?["application/strategic-merge-patch+json"] != nil)
        let schema = try #require(json["components"]?["schemas"]?[definition])
        #expect(schema["x-kubernetes-group-version-kind"]?[0]?["kind"] == .string(kind))
        // every reference resolves inside the document
        var references: [String] = []
        func collect(_ value: JSON) {
            switch value {
            case .object(let members):
                for (key, child) in members {
                    if key == "$ref", let target = child.stringValue {
                        references.append(target)
                    } else {
                        collect(child)
                    }
                }
            case .array(let items): items.forEach(collect)
            default: break
            }
        }
        collect(json)
        for reference in Set(references) {
            #expect(reference.hasPrefix("#/components/schemas/"))
            #expect(json["components"]?["schemas"]?[String(reference.dropFirst("#/components/schemas/".count))] != nil)
        }
    }

    @Test("If-None-Match matches the tag, a list containing it, weak forms and *", arguments: [
        ("\"abc\"", true), ("\"x\", \"abc\"", true), ("W/\"abc\"", true), ("*", true), ("\"abd\"", false),
    ])
    func entityTagMatching(header: String, matches: Bool) {
        #expect(EntityTag.matches(header, "\"abc\"") == matches)
    }

    @Test("entity tags are stable and differ with the bytes")
    func entityTags() {
        #expect(EntityTag.of(Array("a".utf8)) == EntityTag.of(Array("a".utf8)))
        #expect(EntityTag.of(Array("a".utf8)) != EntityTag.of(Array("b".utf8)))
        #expect(EntityTag.of([]).count == 18)
    }
}

struct OpenAPIAggregatedDiscoveryTests {
    static let kubectl = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,"
        + "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json"

    @Test("the Accept header picks the aggregated version, or legacy", arguments: [
        (kubectl, AggregatedDiscovery.Version.v2),
        ("application/json;as=APIGroupDiscoveryList;v=v2beta1;g=apidiscovery.k8s.io", .v2beta1),
        ("application/json; g=apidiscovery.k8s.io; v=v2; as=APIGroupDiscoveryList", .v2),
        ("application/json;g=apidiscovery.k8s.io;v=v3;as=APIGroupDiscoveryList,application/json", nil),
        ("application/json, */*", nil),
        ("", nil),
    ] as [(String, AggregatedDiscovery.Version?)])
    func negotiation(accept: String, version: AggregatedDiscovery.Version?) {
        #expect(AggregatedDiscovery.requestedVersion(accept) == version)
    }

    @Test("the Content-Type is exactly the one client-go keys on")
    func contentType() {
        #expect(
            AggregatedDiscovery.Version.v2.contentType
                == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList")
    }

    @Test("/api has the unnamed core group with status subresources; /apis names its groups")
    func documents() throws {
        let discovery = AggregatedDiscovery(resources: RequestTargetTests.resources)
        let core = try JSON.parse(try #require(discovery.legacy[.v2]).bytes)
        #expect(core["apiVersion"] == "apidiscovery.k8s.io/v2")
        #expect(core["items"]?[0]?["metadata"]?["name"] == nil)
        let resources = core["items"]?[0]?["versions"]?[0]?["resources"]?.arrayValue ?? []
        #expect(resources.compactMap { $0["resource"]?.stringValue } == ["namespaces", "pods", "services"])
        let services = try #require(resources.last)
        #expect(services["scope"] == "Namespaced")
        #expect(services["subresources"]?[0]?["subresource"] == "status")
        let groups = try JSON.parse(try #require(discovery.groups[.v2beta1]).bytes)
        #expect(groups["apiVersion"] == "apidiscovery.k8s.io/v2beta1")
        #expect(groups["items"]?[0]?["metadata"]?["name"] == "discovery.k8s.io")
        #expect(groups["items"]?[0]?["versions"]?[0]?["freshness"] == "Current")
    }
}
