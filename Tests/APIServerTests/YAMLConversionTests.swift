import JSON
import Testing

@testable import APIServer

/// YAML bodies become JSON as `sigs.k8s.io/yaml` `YAMLToJSON` makes them, and JSON answers become YAML as
/// `JSONToYAML` writes them.
struct YAMLConversionTests {
    static func json(_ yaml: String) throws -> JSON { try YAMLConversion.json(fromYAML: Array(yaml.utf8)) }

    @Test("plain scalars resolve by YAML 1.1, as goyaml.v2 does", arguments: [
        ("on", JSON.bool(true)), ("yes", .bool(true)), ("Y", .bool(true)), ("off", .bool(false)), ("no", .bool(false)),
        ("~", .null), ("null", .null), ("80", .int(80)), ("0x1F", .int(31)), ("010", .int(8)), ("1_000", .int(1000)),
        ("-9223372036854775808", .int(Int64.min)), ("1.5", .double(1.5)), ("1e3", .double(1000)),
        ("web", .string("web")), ("1.2.3", .string("1.2.3")), ("'on'", .string("on")), ("\"80\"", .string("80")),
    ])
    func scalars(yaml: String, expected: JSON) throws {
        #expect(try Self.json("value: \(yaml)")["value"] == expected)
    }

    @Test("a Service manifest keeps its key order and exact integers")
    func service() throws {
        let yaml = """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              labels: {zeta: "1", alpha: a}
            spec:
              selector:
                app: web
              ports:
              - port: 80
                targetPort: 9223372036854775807
              description: |
                two
                lines
            """
        let value = try Self.json(yaml)
        #expect(value.serialized() == Array(#"""
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","labels":{"zeta":"1","alpha":"a"}},"spec":{"selector":{"app":"web"},"ports":[{"port":80,"targetPort":9223372036854775807}],"description":"two\nlines"}}
            """#.utf8))
    }

    @Test("a repeated key is kept twice, so that strict decoding reports it")
    func duplicateKeys() throws {
        let value = try Self.json("metadata:\n  name: a\n  name: b\n")
        var duplicates: [String] = []
        _ = try JSON.parse(value.serialized(), duplicateKeys: &duplicates)
        #expect(!duplicates.isEmpty)
    }

    @Test("invalid YAML is an error, not a crash", arguments: ["a: [1, 2", "a: b: c", "\t- x", "key: 'unterminated"])
    func invalid(yaml: String) {
        #expect(throws: YAMLConversion.ConversionError.self) { try Self.json(yaml) }
    }

    @Test("100,000 levels of nesting are refused before composing (the recursive composer overflowed the stack)",
          arguments: [
        String(repeating: "[", count: 100_000),
        String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000),
        String(repeating: "- ", count: 100_000) + "x",
        String(repeating: "{a: ", count: 50_000),
        String(repeating: "[", count: 201) + String(repeating: "]", count: 201),
    ])
    func deepNesting(yaml: String) throws {
        #expect(throws: YAMLConversion.ConversionError.self) { try YAMLConversion.json(fromYAML: Array(yaml.utf8)) }
        #expect(YAMLNestingLimit.exceeds(yaml, limit: YAMLConversion.maxDepth))
    }

    @Test("a document whose aliases expand to millions of values is refused")
    func billionLaughs() throws {
        var yaml = "a: &a [x, x, x, x, x, x, x, x, x]\n"
        for (name, previous) in zip("bcdefgh", "abcdefg") {
            yaml += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ", ") + "]\n"
        }
        #expect(throws: YAMLConversion.ConversionError.self) { try YAMLConversion.json(fromYAML: Array(yaml.utf8)) }
        // modest aliasing is fine
        let json = try YAMLConversion.json(fromYAML: Array("a: &a [1, 2]\nb: *a\n".utf8))
        #expect(json["b"] == [1, 2])
    }

    @Test("nesting within the limit is measured exactly")
    func shallowNesting() throws {
        let yaml = String(repeating: "[", count: 150) + String(repeating: "]", count: 150)
        #expect(!YAMLNestingLimit.exceeds(yaml, limit: YAMLConversion.maxDepth))
        #expect(!YAMLNestingLimit.exceeds("a: {b: [1, {c: d}]}\n", limit: 4))
        #expect(YAMLNestingLimit.exceeds("a: {b: [1, {c: d}]}\n", limit: 3))
    }

    @Test("JSON answers become YAML with sorted keys and strings quoted only when needed")
    func output() throws {
        let value = try JSON.parse(#"""
            {"kind":"Service","apiVersion":"v1","metadata":{"name":"web","labels":{"b":"true","a":"80"}},"spec":{"ports":[{"port":80,"name":""}],"x":null,"note":"a\nb"}}
            """#)
        let text = String(decoding: YAMLConversion.yaml(fromJSON: value), as: UTF8.self)
        #expect(text == """
            apiVersion: v1
            kind: Service
            metadata:
              labels:
                a: "80"
                b: "true"
              name: web
            spec:
              note: |-
                a
                b
              ports:
              - name: ""
                port: 80
              x: null

            """)
        #expect(try Self.json(text) == YAMLConversionTests.sortedCopy(value))
    }

    static func sortedCopy(_ value: JSON) -> JSON {
        switch value {
        case .array(let items): return .array(items.map(sortedCopy))
        case .object(let members):
            return .object(JSONObject(members.sorted { $0.key < $1.key }.map { (key: $0.key, value: sortedCopy($0.value)) }))
        default: return value
        }
    }

    @Test("Accept picks YAML only when its first answerable range is YAML", arguments: [
        ("application/yaml", true), ("application/yaml, application/json", true), ("application/json, application/yaml", false),
        ("*/*", false), (nil, false), ("application/vnd.kubernetes.protobuf, application/yaml", true),
    ] as [(String?, Bool)])
    func accept(header: String?, yaml: Bool) {
        #expect(YAMLResponse.preferred(header) == yaml)
    }
}
