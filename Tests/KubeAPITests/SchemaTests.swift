import Foundation
import JSON
import Testing

@testable import KubeAPI

/// The generated object schema (`Sources/KubeAPI/ObjectSchemaTable.swift`) against `openapi/definitions.json`, and
/// unknown-field pruning and `fieldValidation` built on it (reference §6.9).
struct SchemaTableTests {
    /// A property's value shape as the generator spells it.
    static func shape(_ property: JSON) -> String {
        if let reference = property["$ref"]?.stringValue { return String(reference.dropFirst("#/$defs/".count)) }
        if let items = property["items"], items.objectValue != nil { return "[]" + shape(items) }
        if let values = property["additionalProperties"], values.objectValue != nil { return "{}" + shape(values) }
        return ""
    }

    @Test("the generated table is what openapi/definitions.json says")
    func tableMatchesDefinitions() throws {
        let definitions = try #require(try PatchSchemaTableTests.load("definitions.json")["$defs"]?.objectValue)
        var expected: [ObjectSchemaRow] = []
        for name in definitions.keys.sorted() {
            let properties = definitions[name]?["properties"]?.objectValue ?? [:]
            for (field, property) in properties.sorted(by: { $0.key < $1.key }) {
                expected.append(ObjectSchemaRow(name, field, Self.shape(property)))
            }
        }
        #expect(ObjectSchema.fieldRows == expected, "run scripts/gen-openapi.py")
    }

    @Test("served kinds resolve to definitions with their top-level fields")
    func kindsResolve() throws {
        let service = try #require(ObjectSchema.definition(forKind: "Service"))
        let fields = try #require(ObjectSchema.fields(of: service))
        #expect(Set(fields.keys) == ["apiVersion", "kind", "metadata", "spec", "status"])
        let ports = ObjectSchema.fields(of: "io.k8s.api.core.v1.ServiceSpec")?["ports"]
        #expect(ports == .list(.object("io.k8s.api.core.v1.ServicePort")))
        #expect(ObjectSchema.fields(of: "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")?["labels"] == .map(.scalar))
        #expect(ObjectSchema.fields(of: "io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1") == nil)
    }
}

struct SchemaPruningTests {
    @Test("unknown fields are dropped and reported with sigs.k8s.io/json paths, in document order", arguments: [
        (#"{"spec":{"foo":1,"ports":[{"port":80,"bar":2}]}}"#, #"{"spec":{"ports":[{"port":80}]}}"#,
         [#"unknown field "spec.foo""#, #"unknown field "spec.ports[0].bar""#]),
        (#"{"metadata":{"name":"a","labels":{"x":"y"},"nope":true}}"#, #"{"metadata":{"name":"a","labels":{"x":"y"}}}"#,
         [#"unknown field "metadata.nope""#]),
        (#"{"top":1,"kind":"Service"}"#, #"{"kind":"Service"}"#, [#"unknown field "top""#]),
        // free-form values (FieldsV1) and values of the wrong type are left to validation
        (#"{"metadata":{"managedFields":[{"fieldsV1":{"f:spec":{}}}]},"spec":"x"}"#,
         #"{"metadata":{"managedFields":[{"fieldsV1":{"f:spec":{}}}]},"spec":"x"}"#, []),
    ])
    func prunes(input: String, output: String, problems: [String]) throws {
        var object = try JSON.parse(input)
        #expect(FieldPruning.prune(&object, kind: "Service") == problems)
        #expect(object == (try JSON.parse(output)))
    }

    @Test("a duplicate is reported right after the field it repeats")
    func duplicatesInOrder() throws {
        var object = try JSON.parse(#"{"spec":{"type":"ClusterIP","foo":1}}"#)
        let problems = FieldPruning.prune(&object, kind: "Service", duplicateFields: ["spec.type", "status.x"])
        #expect(
            problems == [#"duplicate field "spec.type""#, #"unknown field "spec.foo""#, #"duplicate field "status.x""#])
    }

    @Test("a kind without a schema is left alone")
    func unknownKind() throws {
        var object = try JSON.parse(#"{"spec":{"foo":1}}"#)
        #expect(FieldPruning.prune(&object, kind: "Widget").isEmpty)
        #expect(object["spec"]?["foo"] == .int(1))
    }

    static let service = ResourceInfo(group: "", version: "v1", resource: "services", singular: "service",
                                      kind: "Service", namespaced: true, verbs: [], nameRule: .dns1035Label)
    static let body = Array(#"{"kind":"Service","spec":{"foo":1,"bar":2,"type":"A","type":"B"}}"#.utf8)

    @Test("Strict is a 400 strict decoding error listing every problem")
    func strict() throws {
        #expect {
            _ = try FieldPruning.decode(Self.body, Self.service, validation: .strict)
        } throws: { error in
            let status = error as? StatusError
            let expected = #"Service in version "v1" cannot be handled as a Service: strict decoding error: "#
                + #"unknown field "spec.foo", unknown field "spec.bar", duplicate field "spec.type""#
            return status?.code == 400 && status?.message == expected
        }
    }

    @Test("Warn returns one warning per problem, Ignore none; both drop the fields", arguments: [
        (FieldValidationDirective.warn, 3), (.ignore, 0),
    ])
    func warnAndIgnore(validation: FieldValidationDirective, warnings: Int) throws {
        let (object, problems) = try FieldPruning.decode(Self.body, Self.service, validation: validation)
        #expect(problems.count == warnings)
        #expect(object == (try JSON.parse(#"{"kind":"Service","spec":{"type":"B"}}"#)))
    }

    @Test("patch values are shown as Go shows them", arguments: [
        (#"{"spec":{"b":[1,"x",null],"a":true}}"#, "map[spec:map[a:true b:[1 x <nil>]]]"),
    ])
    func goFormat(input: String, shown: String) throws {
        #expect(FieldPruning.goFormat(try JSON.parse(input)) == shown)
        #expect(FieldPruning.sortedJSON(try JSON.parse(#"{"b":1,"a":{"d":1,"c":2}}"#)) == #"{"a":{"c":2,"d":1},"b":1}"#)
    }
}
