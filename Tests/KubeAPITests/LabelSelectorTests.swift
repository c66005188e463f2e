import JSON
import Testing

@testable import KubeAPI

/// Messages `k8s.io/apimachinery/pkg/util/validation` prints, spelled out once for the tables below.
enum UpstreamText {
    static let labelValue =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start "
        + "and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
        + "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
    static let qualifiedNamePart =
        "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
        + "character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
        + "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
    static let namePart = "name part " + qualifiedNamePart
    static let subdomain =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start "
        + "and end with an alphanumeric character (e.g. 'example.com', regex used for validation is "
        + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
    static let dns1123Label =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end "
        + "with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is "
        + "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
    static let dns1035Label =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
        + "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for "
        + "validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"
    static let qualifiedNameTooManySlashes =
        "a qualified name " + qualifiedNamePart
        + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
    static let binaryOperators = "in, notin, =, ==, !=, gt, lt"
}

/// One `labelSelector` string and what kube-apiserver makes of it: the normalised selector (`String()`), or the
/// 400 message.
struct LabelParseCase: Sendable, CustomTestStringConvertible {
    enum Outcome: Sendable, Equatable {
        case selector(String)
        case badRequest(String)
    }

    var input: String
    var expected: Outcome
    var testDescription: String { "\"\(input)\"" }

    static func ok(_ input: String, _ normalised: String) -> Self {
        Self(input: input, expected: .selector(normalised))
    }
    static func error(_ input: String, _ message: String) -> Self { Self(input: input, expected: .badRequest(message)) }
}

private let requirementPrefix = "unable to parse requirement: "

@Test(
    "label selector parses like labels.Parse, with upstream's normal form and error texts",
    arguments: [
        LabelParseCase.ok("", ""),
        .ok("   ", ""),
        .ok("x=a,y=b,z=c", "x=a,y=b,z=c"),
        .ok("x!=a,y=b", "x!=a,y=b"),
        .ok("x=", "x="),
        .ok("x= ,z= ", "x=,z="),
        .ok("x==a", "x==a"),
        .ok("!x", "!x"),
        .ok("x>1,z<5", "x>1,z<5"),
        .ok("x=a,a=x", "a=x,x=a"),
        .ok("  app = web  ", "app=web"),
        .ok("app=web,tier!=db,env in (a,b)", "app=web,env in (a,b),tier!=db"),
        .ok(
            "!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name",
            "!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name"),
        .ok("kubernetes.io/service-name=web", "kubernetes.io/service-name=web"),
        .ok("x in (foo,,baz),y,z notin ()", "x in (,baz,foo),y,z notin ()"),
        .ok("env in (prod, dev)", "env in (dev,prod)"),
        .ok("x in (a,b,a)", "x in (a,b)"),
        .ok("x in (a,)", "x in (,a)"),
        .ok("x in (,)", "x in ()"),
        .ok("in in (in)", "in in (in)"),
        .ok("x=in,y notin (notin)", "x=in,y notin (notin)"),
        .error("a\tb", requirementPrefix + "found 'b', expected: " + UpstreamText.binaryOperators),
        .error("!", requirementPrefix + "found '', expected: identifier"),
        .error("!=x", "found '!=', expected: !, identifier, or 'end of string'"),
        .error("=x", "found '=', expected: !, identifier, or 'end of string'"),
        .error(",x", "found ',', expected: !, identifier, or 'end of string'"),
        .error("x,", "found '', expected: identifier after ','"),
        .error("x==a==b", "found '==', expected: ',' or 'end of string'"),
        .error("!x=a", "found '=', expected: ',' or 'end of string'"),
        .error("x=a)", "found ')', expected: ',' or 'end of string'"),
        .error("x in (a))", "found ')', expected: ',' or 'end of string'"),
        .error("bad key=x", requirementPrefix + "found 'key', expected: " + UpstreamText.binaryOperators),
        .error("x in a", requirementPrefix + "found 'a' expected: '('"),
        .error("x notin", requirementPrefix + "found '' expected: '('"),
        .error("x in (a", requirementPrefix + "found '', expected: ',' or ')'"),
        .error("x in (a b)", requirementPrefix + "found 'b', expected: ',' or ')'"),
        .error("x in (a=b)", requirementPrefix + "found '=', expected: ',' or ')'"),
        .error("x in (=)", requirementPrefix + "found '=', expected: ',', ')' or identifier"),
        .error("x=(a)", requirementPrefix + "found '(', expected: identifier"),
        .error(
            "x<a",
            requirementPrefix
                + "values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer"),
        .error(
            "x>",
            requirementPrefix + "values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer"
        ),
        .error(
            "x>-1a",
            requirementPrefix + "[values[0]: Invalid value: \"-1a\": for 'Gt', 'Lt' operators, the value must be "
                + "an integer, values[0][x]: Invalid value: \"-1a\": " + UpstreamText.labelValue + "]"),
        .error("x=a||y=b", requirementPrefix + "values[0][x]: Invalid value: \"a||y\": " + UpstreamText.labelValue),
        .error("x in (a,-b)", requirementPrefix + "values[0][x]: Invalid value: \"-b\": " + UpstreamText.labelValue),
        .error(
            "x=" + String(repeating: "v", count: 64),
            requirementPrefix + "values[0][x]: Invalid value: \""
                + String(repeating: "v", count: 64) + "\": must be no more than 63 characters"),
        .error("-app=web", requirementPrefix + "<nil>: Invalid value: \"-app\": " + UpstreamText.namePart),
        .error(
            "Example.com/app",
            requirementPrefix + "<nil>: Invalid value: \"Example.com/app\": prefix part "
                + UpstreamText.subdomain),
        .error(
            "a/b/c", requirementPrefix + "<nil>: Invalid value: \"a/b/c\": " + UpstreamText.qualifiedNameTooManySlashes),
        .error("/app", requirementPrefix + "<nil>: Invalid value: \"/app\": prefix part must be non-empty"),
    ])
func labelSelectorParse(_ testCase: LabelParseCase) {
    let outcome: LabelParseCase.Outcome
    do {
        outcome = .selector(try LabelSelector.parse(testCase.input).description)
    } catch {
        #expect(error.code == 400)
        #expect(error.reason == "BadRequest")
        outcome = .badRequest(error.message)
    }
    #expect(outcome == testCase.expected)
}

/// A selector, a label set, and whether upstream's `Matches` selects it.
struct LabelMatchCase: Sendable, CustomTestStringConvertible {
    var selector: String
    var labels: [String: String]
    var matches: Bool
    var testDescription: String { "\"\(selector)\" on \(labels.sorted { $0.key < $1.key }) → \(matches)" }
}

@Test(
    "label selector matches label sets like Requirement.Matches",
    arguments: [
        LabelMatchCase(selector: "", labels: [:], matches: true),
        LabelMatchCase(selector: "app=web", labels: ["app": "web"], matches: true),
        LabelMatchCase(selector: "app==web", labels: ["app": "db"], matches: false),
        LabelMatchCase(selector: "app=web", labels: [:], matches: false),
        LabelMatchCase(selector: "tier!=db", labels: [:], matches: true),
        LabelMatchCase(selector: "tier!=db", labels: ["tier": "db"], matches: false),
        LabelMatchCase(selector: "env in (a,b)", labels: ["env": "b"], matches: true),
        LabelMatchCase(selector: "env in (a,b)", labels: ["env": "c"], matches: false),
        LabelMatchCase(selector: "env in (a,b)", labels: [:], matches: false),
        LabelMatchCase(selector: "env notin (a,b)", labels: [:], matches: true),
        LabelMatchCase(selector: "env notin (a,b)", labels: ["env": "a"], matches: false),
        LabelMatchCase(selector: "app", labels: ["app": ""], matches: true),
        LabelMatchCase(selector: "app", labels: [:], matches: false),
        LabelMatchCase(selector: "!app", labels: [:], matches: true),
        LabelMatchCase(selector: "!app", labels: ["app": "x"], matches: false),
        LabelMatchCase(selector: "x=", labels: ["x": ""], matches: true),
        LabelMatchCase(selector: "x=", labels: [:], matches: false),
        LabelMatchCase(selector: "x in ()", labels: ["x": ""], matches: true),
        LabelMatchCase(selector: "x>5", labels: ["x": "6"], matches: true),
        LabelMatchCase(selector: "x>5", labels: ["x": "5"], matches: false),
        LabelMatchCase(selector: "x>5", labels: ["x": "abc"], matches: false),
        LabelMatchCase(selector: "x>5", labels: [:], matches: false),
        LabelMatchCase(selector: "x<5", labels: ["x": "-3"], matches: true),
        LabelMatchCase(
            selector: "!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name",
            labels: ["app": "web"], matches: true),
        LabelMatchCase(
            selector: "!service.kubernetes.io/headless,!service.kubernetes.io/service-proxy-name",
            labels: ["service.kubernetes.io/headless": ""], matches: false),
        LabelMatchCase(selector: "app=web,tier!=db,env in (a,b)", labels: ["app": "web", "env": "a"], matches: true),
        LabelMatchCase(
            selector: "app=web,tier!=db,env in (a,b)", labels: ["app": "web", "env": "a", "tier": "db"],
            matches: false),
    ])
func labelSelectorMatches(_ testCase: LabelMatchCase) throws {
    let selector = try LabelSelector.parse(testCase.selector)
    #expect(selector.matches(testCase.labels) == testCase.matches)
    let object = JSONObject(testCase.labels.map { (key: $0.key, value: JSON.string($0.value)) })
    #expect(selector.matches(object) == testCase.matches)
}

@Test("an empty selector matches objects without labels and non-string label values count as absent")
func labelSelectorOnJSON() throws {
    #expect(try LabelSelector.parse("").matches(nil as JSONObject?))
    #expect(try LabelSelector.parse("").isEmpty)
    #expect(try !LabelSelector.parse("app").matches(nil as JSONObject?))
    #expect(try LabelSelector.parse("!app").matches(["app": 5] as JSONObject))
}

@Test("a Service selector built from matchLabels equals the parsed form and matches the same pods")
func labelSelectorFromMatchLabels() throws {
    let fromSpec = LabelSelector(matchLabels: [("tier", "web"), ("app", "shop")])
    #expect(fromSpec == (try LabelSelector.parse("app=shop,tier=web")))
    #expect(fromSpec.description == "app=shop,tier=web")
    #expect(fromSpec.matches(["app": "shop", "tier": "web", "extra": "x"]))
    #expect(!fromSpec.matches(["app": "shop"]))
    #expect(LabelSelector(matchLabels: []).isEmpty)
    #expect(fromSpec.requirements.map(\.key) == ["app", "tier"])
    #expect(fromSpec.requiresExactMatch("app") == "shop")
    #expect((try LabelSelector.parse("app in (a,b)")).requiresExactMatch("app") == nil)
}
