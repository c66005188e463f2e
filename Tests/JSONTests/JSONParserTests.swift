import Testing

@testable import JSON

/// Parsing: what is accepted, what it becomes, and how it round-trips through the serializer.
struct JSONParserTests {
    /// Input text and the compact text it must serialize back to.
    static let roundTrips: [(input: String, output: String)] = [
        (#"{"b":1,"a":2,"c":{"z":true,"y":false}}"#, #"{"b":1,"a":2,"c":{"z":true,"y":false}}"#),
        (" {\n  \"kind\" : \"Pod\" ,\t\"items\" : [ 1 , 2 ]\r\n} ", #"{"kind":"Pod","items":[1,2]}"#),
        ("9223372036854775807", "9223372036854775807"),
        ("-9223372036854775808", "-9223372036854775808"),
        ("9223372036854775808", "9223372036854776000"),
        ("-9223372036854775809", "-9223372036854776000"),
        ("123456789012345678901234567890", "1.2345678901234568e+29"),
        ("-0", "0"),
        ("-0.0", "-0"),
        ("0", "0"),
        ("1.5", "1.5"),
        ("1E2", "100"),
        ("2.5e-3", "0.0025"),
        ("0.000001", "0.000001"),
        ("1e-7", "1e-7"),
        ("1e21", "1e+21"),
        ("1e20", "100000000000000000000"),
        ("0.1", "0.1"),
        ("[]", "[]"),
        ("{}", "{}"),
        ("[[],{},[{}]]", "[[],{},[{}]]"),
        ("null", "null"),
        ("true", "true"),
        (#""\u00e9\u4e2d""#, #""é中""#),
        (#""\ud83d\ude00""#, #""😀""#),
        (#""😀 é""#, #""😀 é""#),
        (#""\/\b\f\n\r\t\"\\""#, #""/\b\f\n\r\t\"\\""#),
        (#""\u0041\u0000""#, #""A\u0000""#),
        (
            #""a very long string that is well past the small-string limit""#,
            #""a very long string that is well past the small-string limit""#
        ),
    ]

    @Test("parse then serialize reproduces Go's encoding", arguments: roundTrips)
    func roundTrip(input: String, output: String) throws {
        let value = try JSON.parse(input)
        #expect(value.jsonString == output)
        #expect(try JSON.parse(value.serialized()) == JSON.parse(output))
    }

    @Test("integers that fit Int64 stay exact integers")
    func integersStayExact() throws {
        #expect(try JSON.parse("9223372036854775807") == .int(.max))
        #expect(try JSON.parse("-9223372036854775808") == .int(.min))
        #expect(try JSON.parse("-0") == .int(0))
        #expect(try JSON.parse("9007199254740993") == .int(9_007_199_254_740_993))
        #expect(try JSON.parse("9223372036854775808") == .double(9_223_372_036_854_775_808))
        #expect(try JSON.parse("1.0") == .double(1))
        #expect(try JSON.parse("-0.0").serialized() == Array("-0".utf8))
    }

    @Test("object key order is kept")
    func keyOrder() throws {
        let value = try JSON.parse(#"{"z":1,"a":2,"m":3}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
    }

    @Test("strings decode escapes, surrogate pairs and raw UTF-8")
    func strings() throws {
        #expect(try JSON.parse(#""\ud83d\ude00""#) == .string("😀"))
        #expect(try JSON.parse(#""\uD834\uDD1E""#) == .string("\u{1D11E}"))
        #expect(try JSON.parse(#""tab\there""#) == .string("tab\there"))
        #expect(try JSON.parse(Array("\"\u{10FFFF}\u{800}\u{7FF}\"".utf8)) == .string("\u{10FFFF}\u{800}\u{7FF}"))
    }

    @Test("every input format parses the same")
    func inputFormats() throws {
        let text = #"{"a":[1,"x",null]}"#
        let bytes = Array(text.utf8)
        let fromBuffer = try bytes.withUnsafeBytes { buffer in try JSON.parse(buffer) }
        #expect(try JSON.parse(text) == JSON.parse(bytes))
        #expect(fromBuffer == ["a": [1, "x", nil]])
    }

    @Test("large objects keep the last duplicate and stay in order")
    func largeObject() throws {
        let members = (0..<200).map { "\"k\($0)\":\($0)" }.joined(separator: ",")
        var duplicates: [String] = []
        let value = try JSON.parse("{\(members),\"k5\":-5}", duplicateKeys: &duplicates)
        #expect(value.objectValue?.count == 200)
        #expect(value["k5"] == .int(-5))
        #expect(value.objectValue?.keys.first == "k0")
        #expect(duplicates == ["k5"])
    }

    /// Documents with repeated keys and the paths Kubernetes' strict decoding reports for them.
    static let duplicateCases: [(input: String, paths: [String], result: String)] = [
        (#"{"a":1,"b":2}"#, [], #"{"a":1,"b":2}"#),
        (#"{"a":1,"b":2,"a":3}"#, ["a"], #"{"a":3,"b":2}"#),
        (#"{"metadata":{"name":"x","name":"y"}}"#, ["metadata.name"], #"{"metadata":{"name":"y"}}"#),
        (
            #"{"spec":{"ports":[{"port":1},{"port":1,"port":2}]}}"#, ["spec.ports[1].port"],
            #"{"spec":{"ports":[{"port":1},{"port":2}]}}"#
        ),
        (
            #"{"spec":{"ports":[],"ports":[1]},"kind":"x","kind":"y"}"#, ["spec.ports", "kind"],
            #"{"spec":{"ports":[1]},"kind":"y"}"#
        ),
        (#"[{"a":1,"a":2},{"a":1,"a":2}]"#, ["[0].a", "[1].a"], #"[{"a":2},{"a":2}]"#),
        (#"{"a":{"x":1},"a":{"y":2},"a":3}"#, ["a"], #"{"a":3}"#),
        (#"{"\u0061":1,"a":2}"#, ["a"], #"{"a":2}"#),
    ]

    @Test("duplicate keys keep the last value and report their dotted path", arguments: duplicateCases)
    func duplicateKeys(input: String, paths: [String], result: String) throws {
        var duplicates: [String] = []
        let value = try JSON.parse(input, duplicateKeys: &duplicates)
        #expect(duplicates == paths)
        #expect(value.jsonString == result)
        #expect(try JSON.parse(input) == value)
    }

    @Test("a realistic Pod parses and re-serializes byte for byte")
    func pod() throws {
        let pod =
            #"{"kind":"Pod","apiVersion":"v1","metadata":{"name":"nginx","namespace":"default","labels":{"app":"nginx"}},"spec":{"containers":[{"name":"nginx","image":"nginx:1.27.3","ports":[{"containerPort":80,"protocol":"TCP"}]}],"terminationGracePeriodSeconds":30},"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastProbeTime":null,"lastTransitionTime":"2025-01-14T09:21:41Z"}],"podIP":"10.244.1.17"}}"#
        let value = try JSON.parse(pod)
        #expect(value.jsonString == pod)
        #expect(value["spec"]?["containers"]?[0]?["ports"]?[0]?["containerPort"] == .int(80))
    }
}
