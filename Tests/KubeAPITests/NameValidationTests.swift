import Testing

@testable import KubeAPI

/// A name, the rule it is checked with (and whether as a generateName prefix), and upstream's messages.
struct NameRuleCase: Sendable, CustomTestStringConvertible {
    var rule: NameRule
    var name: String
    var prefix: Bool = false
    var messages: [String]
    var testDescription: String { "\(rule) \(prefix ? "prefix " : "")\"\(name.prefix(20))\"" }
}

private let long64 = String(repeating: "a", count: 64)
private let long254 = String(repeating: "a", count: 254)

@Test(
    "name rules return upstream's messages",
    arguments: [
        NameRuleCase(rule: .dns1035Label, name: "web", messages: []),
        NameRuleCase(rule: .dns1035Label, name: "web-1", messages: []),
        NameRuleCase(rule: .dns1035Label, name: "1web", messages: [UpstreamText.dns1035Label]),
        NameRuleCase(rule: .dns1035Label, name: "web.v1", messages: [UpstreamText.dns1035Label]),
        NameRuleCase(rule: .dns1035Label, name: "Web", messages: [UpstreamText.dns1035Label]),
        NameRuleCase(rule: .dns1035Label, name: "web-", messages: [UpstreamText.dns1035Label]),
        NameRuleCase(rule: .dns1035Label, name: "", messages: [UpstreamText.dns1035Label]),
        NameRuleCase(rule: .dns1035Label, name: long64, messages: ["must be no more than 63 characters"]),
        NameRuleCase(rule: .dns1035Label, name: "web-", prefix: true, messages: []),
        NameRuleCase(rule: .dns1035Label, name: "a-", prefix: true, messages: []),  // masked to "a"
        NameRuleCase(rule: .dns1035Label, name: "-", prefix: true, messages: [UpstreamText.dns1035Label]),
        NameRuleCase(rule: .dns1123Label, name: "1web", messages: []),
        NameRuleCase(rule: .dns1123Label, name: "kube-system", messages: []),
        NameRuleCase(rule: .dns1123Label, name: "web.v1", messages: ["must not contain dots"]),
        NameRuleCase(rule: .dns1123Label, name: "Default", messages: [UpstreamText.dns1123Label]),
        NameRuleCase(rule: .dns1123Label, name: long64, messages: ["must be no more than 63 characters"]),
        NameRuleCase(rule: .dns1123Label, name: "ns-", prefix: true, messages: []),
        NameRuleCase(rule: .dns1123Subdomain, name: "web.v1", messages: []),
        NameRuleCase(rule: .dns1123Subdomain, name: "nginx-7c5ddbdf54-x2x4z", messages: []),
        NameRuleCase(rule: .dns1123Subdomain, name: "a..b", messages: [UpstreamText.subdomain]),
        NameRuleCase(rule: .dns1123Subdomain, name: "Pod", messages: [UpstreamText.subdomain]),
        NameRuleCase(rule: .dns1123Subdomain, name: "pod_1", messages: [UpstreamText.subdomain]),
        NameRuleCase(rule: .dns1123Subdomain, name: long254, messages: ["must be no more than 253 characters"]),
        NameRuleCase(rule: .dns1123Subdomain, name: "web-", prefix: true, messages: []),
    ])
func nameRule(_ testCase: NameRuleCase) {
    #expect(testCase.rule.validate(testCase.name, prefix: testCase.prefix) == testCase.messages)
}

@Test(
    "qualified names (label keys) follow IsQualifiedName",
    arguments: [
        ("app", []),
        ("app.kubernetes.io/name", []),
        ("MyName", []),
        ("my_name.x-1", []),
        ("bad key!", [UpstreamText.namePart]),
        ("-app", [UpstreamText.namePart]),
        ("", ["name part must be non-empty", UpstreamText.namePart]),
        ("example.com/", ["name part must be non-empty", UpstreamText.namePart]),
        ("/app", ["prefix part must be non-empty"]),
        ("Example.com/app", ["prefix part " + UpstreamText.subdomain]),
        ("a/b/c", [UpstreamText.qualifiedNameTooManySlashes]),
        (String(repeating: "k", count: 64), ["name part must be no more than 63 characters"]),
    ] as [(String, [String])])
func qualifiedName(_ value: String, _ messages: [String]) {
    #expect(NameValidation.isQualifiedName(value) == messages)
}

@Test(
    "label values follow IsValidLabelValue",
    arguments: [
        ("", []),
        ("web", []),
        ("1.0_beta-2", []),
        ("-web", [UpstreamText.labelValue]),
        ("a b", [UpstreamText.labelValue]),
        ("é", [UpstreamText.labelValue]),
        (long64, ["must be no more than 63 characters"]),
    ] as [(String, [String])])
func labelValue(_ value: String, _ messages: [String]) {
    #expect(NameValidation.isValidLabelValue(value) == messages)
}

@Test(
    "port names follow IANA_SVC_NAME rules",
    arguments: [
        ("http", []),
        ("http-alt2", []),
        (
            "HTTP",
            [
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "must contain at least one letter (a-z)",
            ]
        ),
        ("80", ["must contain at least one letter (a-z)"]),
        ("a--b", ["must not contain consecutive hyphens"]),
        ("-a", ["must not begin or end with a hyphen"]),
        ("abcdefghijklmnop", ["must be no more than 15 characters"]),
        (
            "",
            [
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "must contain at least one letter (a-z)",
            ]
        ),
    ] as [(String, [String])])
func portName(_ value: String, _ messages: [String]) {
    #expect(NameValidation.isValidPortName(value) == messages)
}

@Test(
    "IPs parse like ParseIPSloppy",
    arguments: [
        ("10.0.0.1", true), ("010.000.000.001", true), ("255.255.255.255", true), ("::1", true), ("::", true),
        ("2001:db8::ffff", true), ("::ffff:1.2.3.4", true), ("1:2:3:4:5:6:7:8", true), ("1:2:3:4:5:6:1.2.3.4", true),
        ("1.2.3", false), ("256.1.1.1", false), ("1.2.3.4.5", false), ("fe80::1%eth0", false), ("", false),
        ("1::2::3", false), ("1:2:3:4:5:6:7:8::", false), ("12345::", false), ("[::1]", false), ("1.2.3.4 ", false),
    ] as [(String, Bool)])
func ipAddress(_ value: String, _ valid: Bool) {
    #expect(
        NameValidation.isValidIP(value)
            == (valid ? [] : ["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]))
}

@Test("IPv4 and IPv6 families and bytes")
func ipFamilies() {
    #expect(NameValidation.parseIPSloppy("010.0.0.1")?.suffix(4) == [10, 0, 0, 1])
    #expect(NameValidation.isValidIPv4Address("::ffff:1.2.3.4").isEmpty)
    #expect(NameValidation.isValidIPv4Address("::1") == ["must be a valid IPv4 address"])
    #expect(NameValidation.isValidIPv6Address("10.0.0.1") == ["must be a valid IPv6 address"])
    #expect(
        NameValidation.parseIPSloppy("2001:db8::1") == [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
}

@Test("ports, C identifiers and path segments")
func otherFormats() {
    #expect(NameValidation.isValidPortNum(1).isEmpty)
    #expect(NameValidation.isValidPortNum(65535).isEmpty)
    #expect(NameValidation.isValidPortNum(0) == ["must be between 1 and 65535, inclusive"])
    #expect(NameValidation.isValidPortNum(65536) == ["must be between 1 and 65535, inclusive"])
    #expect(NameValidation.isCIdentifier("MY_VAR1").isEmpty)
    #expect(
        NameValidation.isCIdentifier("1x") == [
            "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric "
                + "characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is "
                + "'[A-Za-z_][A-Za-z0-9_]*')"
        ])
    #expect(NameValidation.isValidPathSegmentName(".") == ["may not be '.'"])
    #expect(NameValidation.isValidPathSegmentName("..") == ["may not be '..'"])
    #expect(NameValidation.isValidPathSegmentName("a/b%c") == ["may not contain '/'", "may not contain '%'"])
    #expect(NameValidation.isValidPathSegmentName("web").isEmpty)
    #expect(NameValidation.validatePathSegmentName(".", prefix: true).isEmpty)
}
