import Testing

@testable import KubeAPI

/// One `fieldSelector` string and its parsed terms (`field op value`, in upstream's sorted order) or 400 message.
struct FieldParseCase: Sendable, CustomTestStringConvertible {
    enum Outcome: Sendable, Equatable {
        case terms([String])
        case badRequest(String)
    }

    var input: String
    var expected: Outcome
    var testDescription: String { "\"\(input)\"" }

    static func ok(_ input: String, _ terms: [String]) -> Self { Self(input: input, expected: .terms(terms)) }
    static func error(_ input: String, _ message: String) -> Self { Self(input: input, expected: .badRequest(message)) }
}

@Test(
    "field selector parses like fields.ParseSelector, escapes and errors included",
    arguments: [
        FieldParseCase.ok("", []),
        .ok("metadata.name=web", ["metadata.name = web"]),
        .ok("metadata.name==web", ["metadata.name = web"]),
        .ok("metadata.name!=web", ["metadata.name != web"]),
        .ok("status.phase!=Running,spec.nodeName=n1", ["spec.nodeName = n1", "status.phase != Running"]),
        .ok("b=2,a=1", ["a = 1", "b = 2"]),
        .ok("a=b,,", ["a = b"]),
        .ok("spec.nodeName=", ["spec.nodeName = "]),
        .ok("=", []),
        .ok("a=!b", ["a = !b"]),
        .ok(#"metadata.name=a\,b"#, ["metadata.name = a,b"]),
        .ok(#"metadata.name=a\=b"#, ["metadata.name = a=b"]),
        .ok(#"metadata.name=a\\b"#, [#"metadata.name = a\b"#]),
        .ok(#"a=x\,y,b=z"#, ["a = x,y", "b = z"]),
        .error("foo", "invalid selector: 'foo'; can't understand 'foo'"),
        .error("foo,a=b", "invalid selector: 'foo,a=b'; can't understand 'foo'"),
        .error("a=b,zzz", "invalid selector: 'a=b,zzz'; can't understand 'zzz'"),
        .error("a=b=c", "invalid field selector: unescaped character in value: 61"),
        .error(#"a=b\x"#, #"invalid field selector: invalid escape sequence: \x"#),
        .error(#"a=b\"#, #"invalid field selector: invalid escape sequence: \"#),
    ])
func fieldSelectorParse(_ testCase: FieldParseCase) {
    let outcome: FieldParseCase.Outcome
    do {
        let selector = try FieldSelector.parse(testCase.input)
        outcome = .terms(selector.requirements.map { "\($0.field) \($0.op.rawValue) \($0.value)" })
    } catch {
        #expect(error.code == 400)
        outcome = .badRequest(error.message)
    }
    #expect(outcome == testCase.expected)
}

/// A selector, an object's selectable fields, and whether it is selected.
struct FieldMatchCase: Sendable, CustomTestStringConvertible {
    var selector: String
    var fields: [String: String]
    var matches: Bool
    var testDescription: String { "\"\(selector)\" → \(matches)" }
}

@Test(
    "field selector matching treats an absent field as the empty string",
    arguments: [
        FieldMatchCase(selector: "", fields: [:], matches: true),
        FieldMatchCase(selector: "metadata.name=web", fields: ["metadata.name": "web"], matches: true),
        FieldMatchCase(selector: "metadata.name=web", fields: ["metadata.name": "db"], matches: false),
        FieldMatchCase(selector: "spec.nodeName=", fields: [:], matches: true),
        FieldMatchCase(selector: "spec.nodeName!=", fields: ["spec.nodeName": "n1"], matches: true),
        FieldMatchCase(selector: "status.phase!=Running", fields: ["status.phase": "Running"], matches: false),
        FieldMatchCase(
            selector: "metadata.name=web,metadata.namespace=default",
            fields: ["metadata.name": "web", "metadata.namespace": "default"], matches: true),
        FieldMatchCase(
            selector: "metadata.name=web,metadata.namespace=kube-system",
            fields: ["metadata.name": "web", "metadata.namespace": "default"], matches: false),
        FieldMatchCase(selector: #"metadata.name=a\,b"#, fields: ["metadata.name": "a,b"], matches: true),
    ])
func fieldSelectorMatches(_ testCase: FieldMatchCase) throws {
    #expect(try FieldSelector.parse(testCase.selector).matches(testCase.fields) == testCase.matches)
}

@Test("unsupported fields are 400s worded per group, first sorted term reported")
func fieldSelectorValidate() throws {
    let service: Set<String> = ["metadata.name", "metadata.namespace", "spec.clusterIP", "spec.type"]
    try FieldSelector.parse("spec.type=ClusterIP,metadata.name=web").validate(supportedFields: service, coreGroup: true)

    let core = #expect(throws: StatusError.self) {
        try FieldSelector.parse("spec.foo=bar").validate(supportedFields: service, coreGroup: true)
    }
    #expect(core == StatusError.badRequest("field label not supported: spec.foo"))

    let slices = #expect(throws: StatusError.self) {
        try FieldSelector.parse("z.b=1,spec.foo=bar").validate(
            supportedFields: ["metadata.name", "metadata.namespace"], coreGroup: false)
    }
    #expect(slices?.message == #""spec.foo" is not a known field selector: only "metadata.name", "metadata.namespace""#)
    #expect(slices?.code == 400)
}

@Test(
    "a single metadata.name term names the object; anything else does not",
    arguments: [
        ("metadata.name=web", "web"),
        ("metadata.name==web", "web"),
        ("metadata.name!=web", nil),
        ("metadata.name=web,metadata.namespace=default", nil),
        ("", nil),
    ] as [(String, String?)])
func fieldSelectorSingleName(_ input: String, _ name: String?) throws {
    #expect(try FieldSelector.parse(input).singleNameMatch == name)
}

@Test("requiresExactMatch and String() mirror upstream")
func fieldSelectorExactMatchAndString() throws {
    let selector = try FieldSelector.parse(#"metadata.namespace=default,metadata.name=a\,b"#)
    #expect(selector.requiresExactMatch("metadata.namespace") == "default")
    #expect(selector.requiresExactMatch("spec.nodeName") == nil)
    #expect(selector.description == #"metadata.name=a\,b,metadata.namespace=default"#)
    #expect(try FieldSelector.parse("").isEmpty)
}
