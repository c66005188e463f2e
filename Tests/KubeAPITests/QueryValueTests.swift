import Testing

@testable import KubeAPI

@Test(
    "query booleans: only absent, 0 and case-insensitive false are false",
    arguments: [
        ("True", true),
        ("", true),
        ("0", false),
        ("FALSE", false),
        ("false", false),
        ("yes", true),
        ("1", true),
        (nil, false),
    ] as [(String?, Bool)])
func queryBool(_ text: String?, _ expected: Bool) {
    #expect(QueryValue.bool(text) == expected)
}

@Test(
    "query integers parse like strconv.ParseInt and fail with its message as a 400",
    arguments: [
        ("500", 500),
        ("+5", 5),
        ("-1", -1),
        ("0", 0),
        ("9223372036854775807", Int64.max),
    ] as [(String, Int64)])
func queryInt(_ text: String, _ expected: Int64) throws {
    #expect(try QueryValue.int64(text, name: "limit") == expected)
}

@Test(
    "unparsable query integers are 400 BadRequest",
    arguments: [
        ("abc", #"strconv.ParseInt: parsing "abc": invalid syntax"#),
        ("", #"strconv.ParseInt: parsing "": invalid syntax"#),
        (" 5", #"strconv.ParseInt: parsing " 5": invalid syntax"#),
        ("1_000", #"strconv.ParseInt: parsing "1_000": invalid syntax"#),
        ("-", #"strconv.ParseInt: parsing "-": invalid syntax"#),
        ("99999999999999999999", #"strconv.ParseInt: parsing "99999999999999999999": value out of range"#),
    ])
func queryIntErrors(_ text: String, _ message: String) {
    let error = #expect(throws: StatusError.self) { try QueryValue.int64(text, name: "limit") }
    #expect(error == StatusError.badRequest(message))
}
