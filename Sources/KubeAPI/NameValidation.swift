/// The string-format checks of `k8s.io/apimachinery/pkg/util/validation/validation.go` and
/// `k8s.io/apimachinery/pkg/api/validation/path/name.go`.
///
/// Each check returns the list of upstream messages for the value (an empty list means valid), so
/// callers wrap them into `FieldError.invalid` exactly where kube-apiserver would. The regular
/// expressions upstream uses are matched by hand on UTF-8 bytes: every character class is ASCII and
/// Go's `len` counts bytes, so non-ASCII input fails the pattern and counts by its encoded size.
public enum NameValidation {
    /// `DNS1123LabelMaxLength`, `DNS1035LabelMaxLength`, the qualified-name part and label-value limit.
    public static let labelMaxLength = 63
    /// `DNS1123SubdomainMaxLength`.
    public static let subdomainMaxLength = 253

    /// The regex text upstream prints for a qualified name's name part (`qualifiedNameFmt`).
    public static let qualifiedNameFormat = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
    /// `labelValueFmt`.
    public static let labelValueFormat = "(" + qualifiedNameFormat + ")?"
    /// `dns1123LabelFmt`.
    public static let dns1123LabelFormat = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
    /// `dns1123SubdomainFmt`.
    public static let dns1123SubdomainFormat = dns1123LabelFormat + "(\\." + dns1123LabelFormat + ")*"
    /// `dns1035LabelFmt`.
    public static let dns1035LabelFormat = "[a-z]([-a-z0-9]*[a-z0-9])?"
    /// `cIdentifierFmt`.
    public static let cIdentifierFormat = "[A-Za-z_][A-Za-z0-9_]*"

    private static let qualifiedNameMessage =
        "must consist of alphanumeric characters, '-', '_' or '.', "
        + "and must start and end with an alphanumeric character"
    private static let labelValueMessage =
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', "
        + "and must start and end with an alphanumeric character"
    private static let dns1123LabelMessage =
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
        + "and must start and end with an alphanumeric character"
    private static let dns1123SubdomainMessage =
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', "
        + "and must start and end with an alphanumeric character"
    private static let dns1035LabelMessage =
        "a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
        + "start with an alphabetic character, and end with an alphanumeric character"
    private static let cIdentifierMessage =
        "a valid C identifier must start with alphabetic character or '_', "
        + "followed by a string of alphanumeric characters or '_'"

    // MARK: Message builders (`MaxLenError`, `RegexError`, `EmptyError`, `InclusiveRangeError`)

    /// `must be no more than N characters` (`MaxLenError`).
    public static func maxLenError(_ length: Int) -> String {
        "must be no more than \(length) characters"
    }

    /// `<msg> (e.g. 'a',  or 'b', regex used for validation is '<fmt>')` (`RegexError`), double space included.
    public static func regexError(_ message: String, _ format: String, examples: [String] = []) -> String {
        if examples.isEmpty { return message + " (regex used for validation is '" + format + "')" }
        var text = message + " (e.g. "
        for (index, example) in examples.enumerated() {
            if index > 0 { text += " or " }
            text += "'" + example + "', "
        }
        return text + "regex used for validation is '" + format + "')"
    }

    /// `must be non-empty` (`EmptyError`).
    public static func emptyError() -> String { "must be non-empty" }

    /// `must be between lo and hi, inclusive` (`InclusiveRangeError`).
    public static func inclusiveRangeError(_ low: Int, _ high: Int) -> String {
        "must be between \(low) and \(high), inclusive"
    }

    // MARK: Checks

    /// `IsQualifiedName`: label keys, annotation keys (lower-cased first) and finalizer names,
    /// `[prefix/]name` with a DNS-1123 subdomain prefix and a ≤63-character name.
    public static func isQualifiedName(_ value: String) -> [String] {
        isQualifiedName(bytes: Array(value.utf8))
    }

    static func isQualifiedName(bytes: [UInt8]) -> [String] {
        var errors: [String] = []
        let parts = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        let name: ArraySlice<UInt8>
        switch parts.count {
        case 1:
            name = parts[0]
        case 2:
            let prefix = parts[0]
            name = parts[1]
            if prefix.isEmpty {
                errors.append("prefix part " + emptyError())
            } else {
                errors += isDNS1123Subdomain(bytes: prefix).map { "prefix part " + $0 }
            }
        default:
            return [
                "a qualified name "
                    + regexError(qualifiedNameMessage, qualifiedNameFormat, examples: ["MyName", "my.name", "123-abc"])
                    + " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
            ]
        }
        if name.isEmpty {
            errors.append("name part " + emptyError())
        } else if name.count > labelMaxLength {
            errors.append("name part " + maxLenError(labelMaxLength))
        }
        if !matchesQualifiedName(name) {
            errors.append(
                "name part "
                    + regexError(qualifiedNameMessage, qualifiedNameFormat, examples: ["MyName", "my.name", "123-abc"]))
        }
        return errors
    }

    /// `IsValidLabelValue`: empty, or ≤63 characters of the qualified-name alphabet.
    public static func isValidLabelValue(_ value: String) -> [String] {
        let bytes = Array(value.utf8)
        var errors: [String] = []
        if bytes.count > labelMaxLength { errors.append(maxLenError(labelMaxLength)) }
        if !bytes.isEmpty && !matchesQualifiedName(bytes[...]) {
            errors.append(regexError(labelValueMessage, labelValueFormat, examples: ["MyValue", "my_value", "12345"]))
        }
        return errors
    }

    /// `IsDNS1123Label`: Namespace names. A valid subdomain gets the shorter `must not contain dots`.
    public static func isDNS1123Label(_ value: String) -> [String] {
        isDNS1123Label(bytes: Array(value.utf8)[...])
    }

    static func isDNS1123Label(bytes: ArraySlice<UInt8>) -> [String] {
        var errors: [String] = []
        if bytes.count > labelMaxLength { errors.append(maxLenError(labelMaxLength)) }
        if !matchesDNS1123Label(bytes) {
            if matchesDNS1123Subdomain(bytes) {
                errors.append("must not contain dots")
            } else {
                errors.append(regexError(dns1123LabelMessage, dns1123LabelFormat, examples: ["my-name", "123-abc"]))
            }
        }
        return errors
    }

    /// `IsDNS1123Subdomain`: Pod and EndpointSlice names, qualified-name prefixes.
    public static func isDNS1123Subdomain(_ value: String) -> [String] {
        isDNS1123Subdomain(bytes: Array(value.utf8)[...])
    }

    static func isDNS1123Subdomain(bytes: ArraySlice<UInt8>) -> [String] {
        var errors: [String] = []
        if bytes.count > subdomainMaxLength { errors.append(maxLenError(subdomainMaxLength)) }
        if !matchesDNS1123Subdomain(bytes) {
            errors.append(regexError(dns1123SubdomainMessage, dns1123SubdomainFormat, examples: ["example.com"]))
        }
        return errors
    }

    /// `IsDNS1035Label`: Service names (a leading digit is not allowed).
    public static func isDNS1035Label(_ value: String) -> [String] {
        isDNS1035Label(bytes: Array(value.utf8)[...])
    }

    static func isDNS1035Label(bytes: ArraySlice<UInt8>) -> [String] {
        var errors: [String] = []
        if bytes.count > labelMaxLength { errors.append(maxLenError(labelMaxLength)) }
        let valid =
            bytes.first.map(isLowerAlpha) == true && bytes.last.map(isLowerAlnum) == true
            && bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
        if !valid {
            errors.append(regexError(dns1035LabelMessage, dns1035LabelFormat, examples: ["my-name", "abc-123"]))
        }
        return errors
    }

    /// `IsCIdentifier`: environment-style identifiers.
    public static func isCIdentifier(_ value: String) -> [String] {
        let bytes = Array(value.utf8)
        let valid =
            bytes.first.map { isAlpha($0) || $0 == UInt8(ascii: "_") } == true
            && bytes.allSatisfy { isAlnum($0) || $0 == UInt8(ascii: "_") }
        return valid
            ? [] : [regexError(cIdentifierMessage, cIdentifierFormat, examples: ["my_name", "MY_NAME", "MyName"])]
    }

    /// `IsValidPortNum`: 1...65535.
    public static func isValidPortNum(_ port: Int64) -> [String] {
        (1...65535).contains(port) ? [] : [inclusiveRangeError(1, 65535)]
    }

    /// `IsValidPortName` (IANA_SVC_NAME): ≤15 of `[-a-z0-9]`, at least one letter, no `--`, no leading or trailing `-`.
    public static func isValidPortName(_ port: String) -> [String] {
        let bytes = Array(port.utf8)
        let dash = UInt8(ascii: "-")
        var errors: [String] = []
        if bytes.count > 15 { errors.append(maxLenError(15)) }
        if bytes.isEmpty || !bytes.allSatisfy({ isLowerAlnum($0) || $0 == dash }) {
            errors.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
        }
        if !bytes.contains(where: isLowerAlpha) { errors.append("must contain at least one letter (a-z)") }
        if zip(bytes, bytes.dropFirst()).contains(where: { $0 == dash && $1 == dash }) {
            errors.append("must not contain consecutive hyphens")
        }
        if let first = bytes.first, let last = bytes.last, first == dash || last == dash {
            errors.append("must not begin or end with a hyphen")
        }
        return errors
    }

    /// `IsValidPathSegmentName` (`api/validation/path/name.go`): every object name must be usable as one URL path
    /// segment, so not `.` or `..` and without `/` or `%`.
    public static func isValidPathSegmentName(_ name: String) -> [String] {
        for illegal in [".", ".."] where name == illegal { return ["may not be '\(illegal)'"] }
        return isValidPathSegmentPrefix(name)
    }

    /// `IsValidPathSegmentPrefix`: the check for a generateName, which cannot be `.`-exact once a suffix is added.
    public static func isValidPathSegmentPrefix(_ name: String) -> [String] {
        ["/", "%"].filter { name.contains($0) }.map { "may not contain '\($0)'" }
    }

    /// `ValidatePathSegmentName(name, prefix)`.
    public static func validatePathSegmentName(_ name: String, prefix: Bool) -> [String] {
        prefix ? isValidPathSegmentPrefix(name) : isValidPathSegmentName(name)
    }

    // MARK: Byte matchers for the upstream regular expressions

    static func isLowerAlpha(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    static func isLowerAlnum(_ byte: UInt8) -> Bool { isLowerAlpha(byte) || isDigit(byte) }
    static func isAlpha(_ byte: UInt8) -> Bool {
        isLowerAlpha(byte) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }
    static func isAlnum(_ byte: UInt8) -> Bool { isAlpha(byte) || isDigit(byte) }

    /// `^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$`.
    static func matchesQualifiedName(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first, let last = bytes.last, isAlnum(first), isAlnum(last) else { return false }
        return bytes.allSatisfy {
            isAlnum($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: ".")
        }
    }

    /// `^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`.
    static func matchesDNS1123Label(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard let first = bytes.first, let last = bytes.last, isLowerAlnum(first), isLowerAlnum(last) else {
            return false
        }
        return bytes.allSatisfy { isLowerAlnum($0) || $0 == UInt8(ascii: "-") }
    }

    /// `^label(\.label)*$`.
    static func matchesDNS1123Subdomain(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy(matchesDNS1123Label)
    }
}
