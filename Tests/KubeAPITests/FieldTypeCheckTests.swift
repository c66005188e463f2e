import Foundation
import JSON
import Testing

@testable import KubeAPI

/// Wrong JSON types are decode errors worded as sigs.k8s.io/json words them (a 400 on create/update, a 422 on a
/// patch), checked against the generated scalar-type table.
struct FieldTypeCheckTests {
    @Test("the generated scalar-type table is what openapi/definitions.json and enums.json say")
    func tableMatchesDefinitions() throws {
        let definitions = try #require(try PatchSchemaTableTests.load("definitions.json")["$defs"]?.objectValue)
        let enumFields = try PatchSchemaTableTests.load("enums.json")["fields"]
        var expected: [String] = []
        for name in definitions.keys.sorted() {
            let properties = definitions[name]?["properties"]?.objectValue ?? [:]
            for (field, property) in properties.sorted(by: { $0.key < $1.key }) {
                var leaf = property
                while true {
                    if let items = leaf["items"], items.objectValue != nil {
                        leaf = items
                    } else if let values = leaf["additionalProperties"], values.objectValue != nil {
                        leaf = values
                    } else {
                        break
                    }
                }
                if leaf["$ref"] != nil { continue }
                let types = (leaf["type"]?.arrayValue ?? [leaf["type"] ?? .null]).compactMap(\.stringValue)
                    .filter { $0 != "null" }
                var goType: String
                switch types {
                case ["string"]: goType = "string"
                case ["boolean"]: goType = "bool"
                case ["integer"]: goType = leaf["format"]?.stringValue ?? "int64"
                default:
                    Issue.record("unexpected scalar \(name).\(field)")
                    continue
                }
                if goType == "string", let named = enumFields?[name]?[field]?.stringValue {
                    goType = String(named.split(separator: "/").last ?? "")
                }
                expected.append("\(name) \(field) \(goType)")
            }
        }
        #expect(ScalarTypes.rows.map { "\($0.definition) \($0.field) \($0.type)" } == expected,
                "run scripts/gen-openapi.py")
    }

    @Test("wrong types are reported as Go's decoder reports them", arguments: [
        ("Service", #"{"spec":{"ports":[{"port":"80"}]}}"#,
         "json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32"),
        ("Service", #"{"spec":{"ports":[{"port":1.5}]}}"#,
         "json: cannot unmarshal number 1.5 into Go struct field ServicePort.spec.ports.port of type int32"),
        ("Service", #"{"spec":{"ports":[{"port":4294967296}]}}"#,
         "json: cannot unmarshal number 4294967296 into Go struct field ServicePort.spec.ports.port of type int32"),
        // beyond Int64 the parser keeps a double, shown in its shortest form (Go would echo the literal)
        ("Service", #"{"spec":{"ports":[{"port":9223372036854775808}]}}"#,
         "json: cannot unmarshal number 9223372036854776000 into Go struct field ServicePort.spec.ports.port of type int32"),
        ("Service", #"{"spec":{"ports":[{"targetPort":true}]}}"#,
         "json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32"),
        ("Service", #"{"spec":{"ports":"x"}}"#,
         "json: cannot unmarshal string into Go struct field ServiceSpec.spec.ports of type []v1.ServicePort"),
        ("Service", #"{"spec":{"ports":["x"]}}"#,
         "json: cannot unmarshal string into Go struct field ServiceSpec.spec.ports of type v1.ServicePort"),
        ("Service", #"{"spec":{"type":5}}"#,
         "json: cannot unmarshal number into Go struct field ServiceSpec.spec.type of type v1.ServiceType"),
        ("Service", #"{"spec":"x"}"#,
         "json: cannot unmarshal string into Go struct field Service.spec of type v1.ServiceSpec"),
        ("Service", #"{"metadata":{"labels":[]}}"#,
         "json: cannot unmarshal array into Go struct field ObjectMeta.metadata.labels of type map[string]string"),
        ("Service", #"{"metadata":{"labels":{"a":5}}}"#,
         "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string"),
        ("Service", #"{"metadata":{"creationTimestamp":5}}"#,
         "json: cannot unmarshal number into Go struct field ObjectMeta.metadata.creationTimestamp of type string"),
        ("Namespace", #"{"spec":{"finalizers":"kubernetes"}}"#,
         // FinalizerName is a named string type without +enum: the table knows it only as string
         "json: cannot unmarshal string into Go struct field NamespaceSpec.spec.finalizers of type []string"),
        ("Pod", #"{"spec":{"activeDeadlineSeconds":1.5}}"#,
         "json: cannot unmarshal number 1.5 into Go struct field PodSpec.spec.activeDeadlineSeconds of type int64"),
        ("Pod", #"{"spec":{"hostNetwork":"true"}}"#,
         "json: cannot unmarshal string into Go struct field PodSpec.spec.hostNetwork of type bool"),
        ("Pod", #"{"spec":{"containers":[{"resources":{"limits":{"cpu":true}}}]}}"#,
         FieldTypeCheck.quantityFormatError),
        ("EndpointSlice", #"{"endpoints":[{"conditions":{"ready":"yes"}}]}"#,
         "json: cannot unmarshal string into Go struct field EndpointConditions.endpoints.conditions.ready of type bool"),
        // the first mismatch in document order wins
        ("Service", #"{"spec":{"clusterIP":1,"ports":"x"}}"#,
         "json: cannot unmarshal number into Go struct field ServiceSpec.spec.clusterIP of type string"),
    ])
    func mismatch(kind: String, body: String, expected: String) throws {
        #expect(FieldTypeCheck.firstMismatch(in: try JSON.parse(body), kind: kind) == expected)
    }

    @Test("values that fit are accepted: null anywhere, IntOrString both ways, quantities, free-form fields, unknown fields",
          arguments: [
        ("Service", #"{"spec":{"ports":[{"port":80,"targetPort":"http","nodePort":null}],"type":null},"x":{"y":1}}"#),
        ("Service", #"{"spec":{"ports":[{"port":-0,"targetPort":8080}]},"metadata":{"managedFields":[{"fieldsV1":{"f:a":{}}}]}}"#),
        ("Pod", #"{"spec":{"containers":[{"resources":{"limits":{"cpu":"100m","memory":1e9}}}]}}"#),
        ("Widget", #"{"spec":"anything"}"#),
    ])
    func fits(kind: String, body: String) throws {
        #expect(FieldTypeCheck.firstMismatch(in: try JSON.parse(body), kind: kind) == nil)
    }

    static let service = ResourceInfo(group: "", version: "v1", resource: "services", singular: "service",
                                      kind: "Service", namespaced: true, verbs: [], nameRule: .dns1035Label)

    @Test("decoding a body: wrong types are a 400, unreadable type meta the serializer's Interpret error", arguments: [
        (#"{"spec":{"ports":[{"port":"80"}]}}"#,
         #"Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32"#),
        (#"{"kind":5}"#,
         #"the object provided is unrecognized (must be of type Service): couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .kind of type string ({"kind":5})"#),
        (#"{"metadata":{"name":"a-rather-long-name"},"spec":"#,
         #"the object provided is unrecognized (must be of type Service): couldn't get version/kind; json parse error: unexpected end of JSON input ({"metadata":{"name":"a-rather- ...)"#),
        ("", "the object provided is unrecognized (must be of type Service): couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)"),
    ])
    func decode(body: String, message: String) throws {
        #expect {
            _ = try FieldPruning.decode(Array(body.utf8), Self.service, validation: .strict)
        } throws: { error in
            let status = error as? StatusError
            return status?.code == 400 && status?.reason == "BadRequest" && status?.message == message
        }
    }
}
