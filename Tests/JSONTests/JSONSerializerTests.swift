import Testing

@testable import JSON

/// Serialization must match Go's encoding/json byte for byte, since clients diff kube-apiserver output.
struct JSONSerializerTests {
    static let escapes: [(value: String, expected: String)] = [
        ("plain", #""plain""#),
        ("quote \" backslash \\", #""quote \" backslash \\""#),
        ("<script>&</script>", #""\u003cscript\u003e\u0026\u003c/script\u003e""#),
        ("line\u{2028}para\u{2029}", #""line\u2028para\u2029""#),
        ("\n\r\t", #""\n\r\t""#),
        ("\u{8}\u{C}", #""\b\f""#),
        ("\u{0}\u{1}\u{1F}\u{7F}", #""\u0000\u0001\u001f\#u{7F}""#),
        ("/ slash stays", #""/ slash stays""#),
        ("é中😀", #""é中😀""#),
        ("\u{2027}\u{202A}", "\"\u{2027}\u{202A}\""),
        ("€ and \u{E2}", "\"€ and \u{E2}\""),
        (
            "a long string with an escape at the very end, well past sixteen bytes\n",
            #""a long string with an escape at the very end, well past sixteen bytes\n""#
        ),
    ]

    @Test("strings are escaped like Go's encoding/json", arguments: escapes)
    func escaping(value: String, expected: String) throws {
        #expect(JSON.string(value).jsonString == expected)
        #expect(try JSON.parse(expected) == .string(value))
    }

    static let numbers: [(value: JSON, expected: String)] = [
        (.int(0), "0"),
        (.int(7), "7"),
        (.int(-7), "-7"),
        (.int(.max), "9223372036854775807"),
        (.int(.min), "-9223372036854775808"),
        (.double(1), "1"),
        (.double(-1.5), "-1.5"),
        (.double(0.1), "0.1"),
        (.double(1.0 / 3.0), "0.3333333333333333"),
        (.double(100), "100"),
        (.double(1e20), "100000000000000000000"),
        (.double(1e21), "1e+21"),
        (.double(1.5e300), "1.5e+300"),
        (.double(0.000001), "0.000001"),
        (.double(0.0000012), "0.0000012"),
        (.double(1e-7), "1e-7"),
        (.double(1.25e-10), "1.25e-10"),
        (.double(5e-324), "5e-324"),
        (.double(-0.0), "-0"),
        (.double(0), "0"),
        (.double(123456.789), "123456.789"),
        (.double(.infinity), "null"),
        (.double(.nan), "null"),
    ]

    @Test("numbers are formatted like Go's float64 and int64 encoding", arguments: numbers)
    func numberFormat(value: JSON, expected: String) {
        #expect(value.jsonString == expected)
    }

    static let pretty: [(value: JSON, expected: String)] = [
        ([:], "{}"),
        ([], "[]"),
        (1, "1"),
        (["a": 1], "{\n  \"a\": 1\n}"),
        ([1, 2], "[\n  1,\n  2\n]"),
        (
            ["kind": "Pod", "metadata": ["name": "x", "labels": [:]], "items": [[], ["a": nil]]],
            """
            {
              "kind": "Pod",
              "metadata": {
                "name": "x",
                "labels": {}
              },
              "items": [
                [],
                {
                  "a": null
                }
              ]
            }
            """
        ),
    ]

    @Test("pretty output matches json.MarshalIndent with two spaces", arguments: pretty)
    func prettyPrinting(value: JSON, expected: String) {
        #expect(String(decoding: value.serialized(pretty: true), as: UTF8.self) == expected)
    }

    @Test("serialize(into:) appends to existing bytes")
    func appends() {
        var output = Array("prefix:".utf8)
        JSON.array([true, false, nil]).serialize(into: &output, pretty: false)
        #expect(String(decoding: output, as: UTF8.self) == "prefix:[true,false,null]")
    }

    @Test("compact output has no whitespace and keeps key order")
    func compact() {
        let value: JSON = ["z": ["b": 1, "a": [1, 2.5, "s"]], "a": nil]
        #expect(value.jsonString == #"{"z":{"b":1,"a":[1,2.5,"s"]},"a":null}"#)
    }
}
