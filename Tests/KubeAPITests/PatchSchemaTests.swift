import Foundation
import JSON
import Testing

@testable import KubeAPI

/// The generated patch-strategy table (`Sources/KubeAPI/PatchSchemaTable.swift`) against the committed OpenAPI data
/// it is generated from, so that neither can change without the other (`scripts/gen-openapi.py` regenerates both).
struct PatchSchemaTableTests {
    static let openapiDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("openapi")

    static func load(_ name: String) throws -> JSON {
        let data = try Data(contentsOf: openapiDirectory.appendingPathComponent(name))
        return try JSON.parse(String(decoding: data, as: UTF8.self))
    }

    /// The definition a property's value (or list element) refers to.
    static func valueDefinition(_ property: JSON) -> String? {
        let reference = property["$ref"]?.stringValue ?? property["items"]?["$ref"]?.stringValue
        return reference.map { String($0.dropFirst("#/$defs/".count)) }
    }

    /// The rows recomputed from `openapi/definitions.json` the way the generator computes them.
    static func expectedRows(_ definitions: JSONObject) -> [PatchSchemaRow] {
        func hasMeta(_ property: JSON) -> Bool {
            property["x-kubernetes-patch-strategy"] != nil || property["x-kubernetes-patch-merge-key"] != nil
        }
        func properties(_ name: String) -> JSONObject { definitions[name]?["properties"]?.objectValue ?? [:] }
        var relevant = Set(definitions.keys.filter { properties($0).contains { hasMeta($0.value) } })
        var changed = true
        while changed {
            changed = false
            for name in definitions.keys where !relevant.contains(name) {
                if properties(name).contains(where: { valueDefinition($0.value).map(relevant.contains) ?? false }) {
                    relevant.insert(name)
                    changed = true
                }
            }
        }
        var rows: [PatchSchemaRow] = []
        for name in relevant.sorted() {
            for (field, property) in properties(name).sorted(by: { $0.key < $1.key }) {
                let value = valueDefinition(property).flatMap { relevant.contains($0) ? $0 : nil } ?? ""
                guard hasMeta(property) || !value.isEmpty else { continue }
                rows.append(
                    PatchSchemaRow(
                        name, field, strategy: property["x-kubernetes-patch-strategy"]?.stringValue ?? "",
                        mergeKey: property["x-kubernetes-patch-merge-key"]?.stringValue ?? "",
                        value: value))
            }
        }
        return rows
    }

    @Test("the generated table is what openapi/definitions.json says")
    func tableMatchesDefinitions() throws {
        let definitions = try #require(try Self.load("definitions.json")["$defs"]?.objectValue)
        let expected = Self.expectedRows(definitions)
        let missing = expected.filter { !PatchSchema.fieldRows.contains($0) }
        let unexpected = PatchSchema.fieldRows.filter { !expected.contains($0) }
        #expect(
            missing.isEmpty && unexpected.isEmpty,
            "run scripts/gen-openapi.py; missing rows: \(missing), unexpected rows: \(unexpected)")
        #expect(PatchSchema.fieldRows == expected, "rows out of order: run scripts/gen-openapi.py")
        for (kind, definition) in PatchSchema.kindDefinitions {
            #expect(definitions[definition]?["x-kubernetes-group-version-kind"]?[0]?["kind"] == .string(kind))
        }
        #expect(PatchSchema.kindDefinitions.keys.sorted() == ["EndpointSlice", "Namespace", "Pod", "Service"])
    }

    @Test("every path in openapi/patch-strategies.json resolves to its metadata through the lookup")
    func pathsResolve() throws {
        let kinds = try #require(try Self.load("patch-strategies.json").objectValue)
        #expect(kinds.count == 4)
        for (kind, paths) in kinds {
            for (path, meta) in try #require(paths.objectValue) {
                var schema = try #require(PatchSchema.lookup(forKind: kind))
                var field = StrategicMergePatchField.unspecified
                for component in path.split(separator: ".") {
                    field = schema.field(String(component.hasSuffix("[]") ? component.dropLast(2) : component))
                    schema = field.schema
                }
                #expect(
                    field.strategies.joined(separator: ",") == meta["strategy"]?.stringValue ?? "", "\(kind) \(path)")
                #expect(field.mergeKey == meta["mergeKey"]?.stringValue, "\(kind) \(path)")
            }
        }
    }

    static let knownPaths: [(kind: String, path: String, strategy: String, mergeKey: String?)] = [
        ("Service", "spec.ports", "merge", "port"),
        ("Service", "metadata.finalizers", "merge", nil),
        ("Service", "metadata.ownerReferences", "merge", "uid"),
        ("Service", "status.conditions", "merge", "type"),
        ("Service", "spec.externalIPs", "", nil),
        ("Pod", "spec.containers", "merge", "name"),
        ("Pod", "spec.containers.ports", "merge", "containerPort"),
        ("Pod", "spec.initContainers.env", "merge", "name"),
        ("Pod", "spec.volumes", "merge,retainKeys", "name"),
        ("Pod", "spec.tolerations", "", nil),
        ("Pod", "status.podIPs", "merge", "ip"),
        ("Namespace", "spec.finalizers", "", nil),
        ("EndpointSlice", "endpoints", "", nil),
        ("EndpointSlice", "ports", "", nil),
    ]

    @Test("fields documented in kubernetes-api.md §14.2 have their strategies", arguments: knownPaths)
    func knownPath(kind: String, path: String, strategy: String, mergeKey: String?) throws {
        var schema = try #require(PatchSchema.lookup(forKind: kind))
        var field = StrategicMergePatchField.unspecified
        for component in path.split(separator: ".") {
            field = schema.field(String(component))
            schema = field.schema
        }
        #expect(field.strategies.joined(separator: ",") == strategy)
        #expect(field.mergeKey == mergeKey)
    }

    @Test("kinds that are not served have no schema")
    func unknownKind() {
        #expect(PatchSchema.lookup(forKind: "Deployment") == nil)
        #expect(PatchSchema.lookup(forKind: "ServiceList") == nil)
    }
}

/// Strategic merge patches as kubectl and controllers send them, applied with the served kinds' real schemas.
struct KindStrategicMergePatchTests {
    static let service = #"""
        {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default",
         "labels":{"app":"web","tier":"fe"},"finalizers":["a.example/x","b.example/y"],
         "ownerReferences":[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"u1"}]},
         "spec":{"selector":{"app":"web"},"type":"ClusterIP","clusterIP":"10.96.0.10","externalIPs":["1.2.3.4","5.6.7.8"],
          "ports":[{"name":"http","protocol":"TCP","port":80,"targetPort":8080},
                   {"name":"https","protocol":"TCP","port":443,"targetPort":8443}]},
         "status":{"loadBalancer":{},"conditions":[{"type":"A","status":"True"}]}}
        """#
    static let dnsService = #"""
        {"spec":{"ports":[{"name":"dns-tcp","protocol":"TCP","port":53},{"name":"dns","protocol":"UDP","port":53}]}}
        """#
    static let pod = #"""
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","namespace":"default"},
         "spec":{"containers":[
           {"name":"app","image":"nginx:1.25","command":["nginx","-g","daemon off;"],"env":[{"name":"A","value":"1"}],
            "ports":[{"containerPort":8080,"protocol":"TCP"},{"containerPort":9090,"protocol":"TCP","name":"metrics"}]},
           {"name":"sidecar","image":"busybox"}],
          "tolerations":[{"key":"a","operator":"Exists"}],"volumes":[{"name":"data","emptyDir":{}}]},
         "status":{"phase":"Running","podIPs":[{"ip":"10.0.0.5"}],
          "conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"False"}]}}
        """#
    static let namespace = #"""
        {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns","finalizers":["x"]},
         "spec":{"finalizers":["kubernetes"]},"status":{"phase":"Active"}}
        """#
    static let endpointSlice = #"""
        {"apiVersion":"discovery.k8s.io/v1","kind":"EndpointSlice","metadata":{"name":"web-abc"},"addressType":"IPv4",
         "endpoints":[{"addresses":["10.0.0.5"]},{"addresses":["10.0.0.6"]}],"ports":[{"name":"http","port":8080}]}
        """#

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let kind: String
        let original: String
        let patch: String
        /// Dotted path of the value to compare (`spec.ports`).
        let path: String
        let expected: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "kubectl patch merges into the port with the same port number", kind: "Service", original: service,
            patch: #"{"spec":{"ports":[{"port":80,"targetPort":7070}]}}"#, path: "spec.ports",
            expected:
                #"[{"name":"http","protocol":"TCP","port":80,"targetPort":7070},{"name":"https","protocol":"TCP","port":443,"targetPort":8443}]"#
        ),
        Case(
            name: "kubectl label adds a label", kind: "Service", original: service,
            patch: #"{"metadata":{"labels":{"env":"prod"}}}"#, path: "metadata.labels",
            expected: #"{"app":"web","tier":"fe","env":"prod"}"#),
        Case(
            name: "kubectl label key- deletes it with null", kind: "Service", original: service,
            patch: #"{"metadata":{"labels":{"tier":null}}}"#, path: "metadata.labels", expected: #"{"app":"web"}"#),
        Case(
            name: "finalizers are a union, new ones first", kind: "Service", original: service,
            patch: #"{"metadata":{"finalizers":["c.example/z","a.example/x"]}}"#, path: "metadata.finalizers",
            expected: #"["c.example/z","a.example/x","b.example/y"]"#),
        Case(
            name: "$deleteFromPrimitiveList/finalizers removes one", kind: "Service", original: service,
            patch: #"{"metadata":{"$deleteFromPrimitiveList/finalizers":["a.example/x"]}}"#,
            path: "metadata.finalizers",
            expected: #"["b.example/y"]"#),
        Case(
            name: "ownerReferences merge by uid", kind: "Service", original: service,
            patch: #"{"metadata":{"ownerReferences":[{"uid":"u1","controller":true}]}}"#,
            path: "metadata.ownerReferences",
            expected: #"[{"apiVersion":"apps/v1","kind":"Deployment","name":"web","uid":"u1","controller":true}]"#),
        Case(
            name: "$patch replace on spec.ports replaces the list", kind: "Service", original: service,
            patch: #"{"spec":{"ports":[{"port":8080,"protocol":"TCP"},{"$patch":"replace"}]}}"#, path: "spec.ports",
            expected: #"[{"port":8080,"protocol":"TCP"}]"#),
        Case(
            name: "$patch delete removes one port", kind: "Service", original: service,
            patch: #"{"spec":{"ports":[{"port":443,"$patch":"delete"}]}}"#, path: "spec.ports",
            expected: #"[{"name":"http","protocol":"TCP","port":80,"targetPort":8080}]"#),
        Case(
            name: "spec.externalIPs has no strategy and is replaced", kind: "Service", original: service,
            patch: #"{"spec":{"externalIPs":["9.9.9.9"]}}"#, path: "spec.externalIPs", expected: #"["9.9.9.9"]"#),
        Case(
            name: "spec.selector merges like a map", kind: "Service", original: service,
            patch: #"{"spec":{"selector":{"tier":"fe"}}}"#, path: "spec.selector",
            expected: #"{"app":"web","tier":"fe"}"#),
        Case(
            name: "kubectl apply's $setElementOrder/ports sets the order", kind: "Service", original: service,
            patch:
                #"{"spec":{"$setElementOrder/ports":[{"port":443},{"port":80}],"ports":[{"port":80,"targetPort":8081}]}}"#,
            path: "spec.ports",
            expected:
                #"[{"name":"https","protocol":"TCP","port":443,"targetPort":8443},{"name":"http","protocol":"TCP","port":80,"targetPort":8081}]"#
        ),
        Case(
            name: "kubectl apply removing a port and adding another", kind: "Service", original: service,
            patch:
                #"{"spec":{"$setElementOrder/ports":[{"port":443},{"port":81}],"ports":[{"port":81,"targetPort":81},{"$patch":"delete","port":80}]}}"#,
            path: "spec.ports",
            expected: #"[{"name":"https","protocol":"TCP","port":443,"targetPort":8443},{"port":81,"targetPort":81}]"#),
        Case(
            name: "status.conditions merge by type", kind: "Service", original: service,
            patch: #"{"status":{"conditions":[{"type":"A","status":"False"},{"type":"B","status":"True"}]}}"#,
            path: "status.conditions", expected: #"[{"type":"A","status":"False"},{"type":"B","status":"True"}]"#),
        Case(
            name: "ports merge on port alone, so 53/UDP lands on 53/TCP (upstream wart)", kind: "Service",
            original: dnsService, patch: #"{"spec":{"ports":[{"port":53,"protocol":"UDP","targetPort":5353}]}}"#,
            path: "spec.ports",
            expected:
                #"[{"name":"dns-tcp","protocol":"UDP","port":53,"targetPort":5353},{"name":"dns","protocol":"UDP","port":53}]"#
        ),
        Case(
            name: "a container image change keeps its other fields", kind: "Pod", original: pod,
            patch: #"{"spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}}"#, path: "spec.containers",
            expected: #"""
                [{"name":"app","image":"nginx:1.27","command":["nginx","-g","daemon off;"],"env":[{"name":"A","value":"1"}],
                  "ports":[{"containerPort":8080,"protocol":"TCP"},{"containerPort":9090,"protocol":"TCP","name":"metrics"}]},
                 {"name":"sidecar","image":"busybox"}]
                """#),
        Case(
            name: "$patch delete removes a container", kind: "Pod", original: pod,
            patch: #"{"spec":{"containers":[{"name":"sidecar","$patch":"delete"}]}}"#, path: "spec.containers.1",
            expected: "null"),
        Case(
            name: "container ports merge by containerPort", kind: "Pod", original: pod,
            patch: #"{"spec":{"containers":[{"name":"app","ports":[{"containerPort":8080,"name":"web"}]}]}}"#,
            path: "spec.containers.0.ports",
            expected:
                #"[{"containerPort":8080,"protocol":"TCP","name":"web"},{"containerPort":9090,"protocol":"TCP","name":"metrics"}]"#
        ),
        Case(
            name: "container env merges by name", kind: "Pod", original: pod,
            patch:
                #"{"spec":{"containers":[{"name":"app","env":[{"name":"A","value":"2"},{"name":"B","value":"3"}]}]}}"#,
            path: "spec.containers.0.env", expected: #"[{"name":"A","value":"2"},{"name":"B","value":"3"}]"#),
        Case(
            name: "container command is atomic", kind: "Pod", original: pod,
            patch: #"{"spec":{"containers":[{"name":"app","command":["sh"]}]}}"#, path: "spec.containers.0.command",
            expected: #"["sh"]"#),
        Case(
            name: "tolerations have no strategy and are replaced", kind: "Pod", original: pod,
            patch: #"{"spec":{"tolerations":[{"key":"b","operator":"Exists"}]}}"#, path: "spec.tolerations",
            expected: #"[{"key":"b","operator":"Exists"}]"#),
        Case(
            name: "$retainKeys switches a volume's source", kind: "Pod", original: pod,
            patch:
                #"{"spec":{"volumes":[{"name":"data","$retainKeys":["name","hostPath"],"hostPath":{"path":"/srv"}}]}}"#,
            path: "spec.volumes", expected: #"[{"name":"data","hostPath":{"path":"/srv"}}]"#),
        Case(
            name: "status.podIPs merge by ip", kind: "Pod", original: pod,
            patch: #"{"status":{"podIPs":[{"ip":"10.0.0.5"},{"ip":"fd00::5"}]}}"#, path: "status.podIPs",
            expected: #"[{"ip":"10.0.0.5"},{"ip":"fd00::5"}]"#),
        Case(
            name: "the kubelet's Ready condition merges by type", kind: "Pod", original: pod,
            patch: #"{"status":{"conditions":[{"type":"Ready","status":"True"}]}}"#, path: "status.conditions",
            expected: #"[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True"}]"#),
        Case(
            name: "Namespace spec.finalizers are replaced, metadata.finalizers merged", kind: "Namespace",
            original: namespace, patch: #"{"metadata":{"finalizers":["y"]},"spec":{"finalizers":["z"]}}"#, path: "",
            expected: #"""
                {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"ns","finalizers":["y","x"]},
                 "spec":{"finalizers":["z"]},"status":{"phase":"Active"}}
                """#),
        Case(
            name: "EndpointSlice endpoints are replaced", kind: "EndpointSlice", original: endpointSlice,
            patch: #"{"endpoints":[{"addresses":["10.0.0.9"]}]}"#, path: "endpoints",
            expected: #"[{"addresses":["10.0.0.9"]}]"#),
    ]

    static func value(at path: String, in json: JSON) -> JSON {
        var value = json
        for component in path.split(separator: ".") {
            if let index = Int(component) {
                value = value[index] ?? .null
            } else {
                value = value[String(component)] ?? .null
            }
        }
        return value
    }

    @Test("applies with the kind's schema", arguments: cases)
    func applies(_ testCase: Case) throws {
        let schema = try #require(PatchSchema.lookup(forKind: testCase.kind))
        let result = try JSON.strategicMergePatch(
            try JSON.parse(testCase.original), try JSON.parse(testCase.patch), schema: schema)
        let actual = Self.value(at: testCase.path, in: result)
        #expect(actual == (try JSON.parse(testCase.expected)), "got \(actual.jsonString)")
    }
}
