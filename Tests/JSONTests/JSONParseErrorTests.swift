import Testing

@testable import JSON

/// Inputs the parser must reject, with the Go-style message and the offset it reports.
struct JSONParseErrorTests {
    static let rejected: [(name: String, input: [UInt8], message: String, offset: Int)] = [
        ("empty input", [], "unexpected end of JSON input", 0),
        ("only whitespace", Array("  ".utf8), "unexpected end of JSON input", 2),
        ("trailing garbage", Array("{} x".utf8), "invalid character 'x' after top-level value", 3),
        ("two values", Array("1 2".utf8), "invalid character '2' after top-level value", 2),
        ("leading zero", Array("01".utf8), "invalid character '1' after top-level value", 1),
        ("leading zero in object", Array(#"{"a":007}"#.utf8), "invalid character '0' after object key:value pair", 6),
        ("trailing comma in array", Array("[1,]".utf8), "invalid character ']' looking for beginning of value", 3),
        (
            "trailing comma in object", Array(#"{"a":1,}"#.utf8),
            "invalid character '}' looking for beginning of object key string", 7
        ),
        ("missing colon", Array(#"{"a" 1}"#.utf8), "invalid character '1' after object key", 5),
        ("missing comma", Array("[1 2]".utf8), "invalid character '2' after array element", 3),
        (
            "single quotes", Array("{'a':1}".utf8),
            "invalid character '\\'' looking for beginning of object key string", 1
        ),
        ("bare word", Array("nul".utf8), "unexpected end of JSON input", 3),
        ("bad literal", Array("trve".utf8), "invalid character 'v' in literal true (expecting 'u')", 2),
        ("unterminated string", Array(#"{"a":"bc"#.utf8), "unexpected end of JSON input", 8),
        ("unterminated array", Array("[1,2".utf8), "unexpected end of JSON input", 4),
        ("newline in string", Array("\"a\nb\"".utf8), "invalid character '\\n' in string literal", 2),
        ("control char in string", [0x22, 0x01, 0x22], "invalid character '\\x01' in string literal", 1),
        ("bad escape", Array(#""\x""#.utf8), "invalid character 'x' in string escape code", 2),
        (
            "bad unicode escape", Array(#""\u12G4""#.utf8),
            "invalid character 'G' in \u{5C}u hexadecimal character escape", 5
        ),
        ("lone high surrogate", Array(#""\ud800""#.utf8), "invalid lone surrogate escape in string literal", 1),
        ("high surrogate then letter", Array(#""\ud800x""#.utf8), "invalid lone surrogate escape in string literal", 1),
        ("two high surrogates", Array(#""\ud800\ud800""#.utf8), "invalid lone surrogate escape in string literal", 1),
        ("lone low surrogate", Array(#""\udc00""#.utf8), "invalid lone surrogate escape in string literal", 1),
        ("invalid UTF-8 byte", [0x22, 0xFF, 0x22], "invalid UTF-8 in string", 1),
        ("continuation without lead", [0x22, 0x80, 0x22], "invalid UTF-8 in string", 1),
        ("overlong slash", [0x22, 0xC0, 0xAF, 0x22], "invalid UTF-8 in string", 1),
        ("overlong three bytes", [0x22, 0xE0, 0x80, 0xAF, 0x22], "invalid UTF-8 in string", 1),
        ("overlong four bytes", [0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], "invalid UTF-8 in string", 1),
        ("UTF-8 encoded surrogate", [0x22, 0xED, 0xA0, 0x80, 0x22], "invalid UTF-8 in string", 1),
        ("above U+10FFFF", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "invalid UTF-8 in string", 1),
        ("truncated sequence", [0x22, 0xE2, 0x82, 0x22], "invalid UTF-8 in string", 1),
        ("invalid UTF-8 in key", [0x7B, 0x22, 0xFE, 0x22, 0x3A, 0x31, 0x7D], "invalid UTF-8 in string", 2),
        ("minus alone", Array("-".utf8), "unexpected end of JSON input", 1),
        ("minus letter", Array("-a".utf8), "invalid character 'a' in numeric literal", 1),
        ("dot without digits", Array("1.e5".utf8), "invalid character 'e' after decimal point in numeric literal", 2),
        ("exponent without digits", Array("1e+".utf8), "unexpected end of JSON input", 3),
        ("exponent letter", Array("1ex".utf8), "invalid character 'x' in exponent of numeric literal", 2),
        ("leading plus", Array("+1".utf8), "invalid character '+' looking for beginning of value", 0),
        ("leading dot", Array(".5".utf8), "invalid character '.' looking for beginning of value", 0),
        ("NaN", Array("NaN".utf8), "invalid character 'N' looking for beginning of value", 0),
        ("huge exponent", Array("1e400".utf8), "json: cannot unmarshal number 1e400 into Go value of type float64", 0),
        ("byte order mark", [0xEF, 0xBB, 0xBF, 0x31], "invalid character 'ï' looking for beginning of value", 0),
    ]

    @Test("malformed JSON is rejected with Go's message", arguments: rejected)
    func rejects(name: String, input: [UInt8], message: String, offset: Int) {
        #expect(throws: JSONParseError(offset: offset, message: message), "\(name)") { try JSON.parse(input) }
    }

    @Test("10,000-deep nesting is an error, not a crash", arguments: ["[", "{\"a\":"])
    func deepNesting(opener: String) {
        let input = String(repeating: opener, count: 10_000)
        #expect(
            throws: JSONParseError(
                offset: 1000 * opener.utf8.count, message: "invalid character '\(opener.first!)' exceeded max depth")
        ) {
            try JSON.parse(input)
        }
    }

    @Test("nesting exactly at maxDepth is accepted; one more is not")
    func depthLimit() throws {
        let atLimit = String(repeating: "[", count: 5) + String(repeating: "]", count: 5)
        #expect(try JSON.parse(atLimit, maxDepth: 5).jsonString == atLimit)
        #expect(throws: JSONParseError.self) { try JSON.parse("[" + atLimit + "]", maxDepth: 5) }
        // The parser itself is iterative, so a caller may allow more than the default depth.
        let deep = String(repeating: "[", count: 3_000) + String(repeating: "]", count: 3_000)
        #expect(try JSON.parse(deep, maxDepth: 3_000).arrayValue?.count == 1)
    }

    @Test("description is the bare message")
    func description() {
        let error = JSONParseError(offset: 3, message: "unexpected end of JSON input")
        #expect(error.description == "unexpected end of JSON input")
    }
}
