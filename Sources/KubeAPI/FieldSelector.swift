/// A parsed `fieldSelector`: an AND of `field=value` / `field!=value` terms
/// (`k8s.io/apimachinery/pkg/fields/selector.go`).
///
/// Terms are split on unescaped commas and sorted (upstream sorts them before parsing, which decides which bad
/// term an error names); values may escape `\,` `\=` `\\`. Field names are not checked while parsing: which fields a
/// kind supports is decided by `validate(supportedFields:coreGroup:)`, as kube-apiserver's field-label conversion does.
public struct FieldSelector: Sendable, Equatable, CustomStringConvertible {
    /// The relation of a term; `==` parses as `equals`.
    public enum Operator: String, Sendable, Equatable {
        /// `field=value` or `field==value`.
        case equals = "="
        /// `field!=value`.
        case notEquals = "!="
    }

    /// One term (`fields.Requirement`).
    public struct Requirement: Sendable, Equatable, CustomStringConvertible {
        /// The field path, e.g. `metadata.name`, `spec.nodeName`.
        public var field: String
        /// The relation tested.
        public var op: Operator
        /// The unescaped value.
        public var value: String

        /// A term as given.
        public init(field: String, op: Operator, value: String) {
            self.field = field
            self.op = op
            self.value = value
        }

        /// `hasTerm.String()` / `notHasTerm.String()`, re-escaping the value (`EscapeValue`).
        public var description: String {
            var escaped = ""
            for character in value.unicodeScalars {
                if character == "\\" || character == "," || character == "=" { escaped += "\\" }
                escaped.unicodeScalars.append(character)
            }
            return field + op.rawValue + escaped
        }
    }

    /// The terms, sorted as upstream sorts the raw terms.
    public var requirements: [Requirement]

    /// A selector from terms as given.
    public init(requirements: [Requirement]) {
        self.requirements = requirements
    }

    /// Parses `?fieldSelector=` text (`fields.ParseSelector`); an empty string selects everything.
    ///
    /// Errors are 400 BadRequest with upstream's text: `invalid selector: '<s>'; can't understand '<term>'`,
    /// `invalid field selector: invalid escape sequence: \x`, or `invalid field selector: unescaped character in
    /// value: 61` (Go prints the rune as its number).
    public static func parse(_ text: String) throws(StatusError) -> FieldSelector {
        var requirements: [Requirement] = []
        for term in splitTerms(text).sorted(by: LabelSelector.goLess) where !term.isEmpty {
            guard let (field, op, rawValue) = splitTerm(term) else {
                throw StatusError.badRequest("invalid selector: '\(text)'; can't understand '\(term)'")
            }
            let value = try unescape(rawValue)
            // `hasTerm.Transform`: a term whose field and value are both empty selects everything and is dropped.
            if field.isEmpty && value.isEmpty { continue }
            requirements.append(Requirement(field: field, op: op, value: value))
        }
        return FieldSelector(requirements: requirements)
    }

    /// `Selector.Empty()`: no terms, so every object matches.
    public var isEmpty: Bool { requirements.isEmpty }

    /// Whether the object's selectable fields satisfy every term; an absent field reads as `""` (`Fields.Get`).
    public func matches(_ fields: [String: String]) -> Bool {
        requirements.allSatisfy { requirement in
            let actual = fields[requirement.field] ?? ""
            return requirement.op == .equals ? actual == requirement.value : actual != requirement.value
        }
    }

    /// Rejects fields the kind cannot select on, with the 400 of kube-apiserver's field-label conversion
    /// (`handlers/get.go` turns the conversion error into BadRequest). Core kinds use their conversion funcs
    /// (`pkg/apis/core/v1/conversion.go`: `field label not supported: spec.foo`); other groups fall back to
    /// `runtime.DefaultMetaV1FieldSelectorConversion` (`"spec.foo" is not a known field selector: only ...`).
    /// The first unsupported term in sorted order is reported.
    public func validate(supportedFields: Set<String>, coreGroup: Bool) throws(StatusError) {
        for requirement in requirements where !supportedFields.contains(requirement.field) {
            if coreGroup {
                throw StatusError.badRequest("field label not supported: \(requirement.field)")
            }
            throw StatusError.badRequest(
                "\(GoValue.quote(requirement.field)) is not a known field selector: "
                    + "only \"metadata.name\", \"metadata.namespace\""
            )
        }
    }

    /// `Selector.RequiresExactMatch`: the value of the first `field=value` term on `field`, if any.
    public func requiresExactMatch(_ field: String) -> String? {
        requirements.first { $0.field == field && $0.op == .equals }?.value
    }

    /// The name when the selector is exactly `metadata.name=<name>` (what `kubectl get svc web -w` sends), so a
    /// list or watch can be served from a single key.
    public var singleNameMatch: String? {
        guard requirements.count == 1, requirements[0].field == "metadata.name", requirements[0].op == .equals else {
            return nil
        }
        return requirements[0].value
    }

    /// `Selector.String()`: terms joined by `,`.
    public var description: String { requirements.map(\.description).joined(separator: ",") }

    // MARK: Upstream helpers

    /// `splitTerms`: split on commas not escaped by a backslash, keeping escapes in place; `""` gives no terms.
    static func splitTerms(_ selector: String) -> [String] {
        if selector.isEmpty { return [] }
        var terms: [String] = []
        var current = ""
        var inSlash = false
        for scalar in selector.unicodeScalars {
            if inSlash {
                inSlash = false
            } else if scalar == "\\" {
                inSlash = true
            } else if scalar == "," {
                terms.append(current)
                current = ""
                continue
            }
            current.unicodeScalars.append(scalar)
        }
        terms.append(current)
        return terms
    }

    /// `splitTerm`: the first `!=`, `==` or `=` (in that preference at each position) splits field from raw value.
    static func splitTerm(_ term: String) -> (String, Operator, String)? {
        let bytes = Array(term.utf8)
        for index in bytes.indices {
            let rest = bytes[index...]
            for (token, op) in [("!=", Operator.notEquals), ("==", .equals), ("=", .equals)]
            where rest.starts(with: token.utf8) {
                let field = String(decoding: bytes[..<index], as: UTF8.self)
                let value = String(decoding: bytes[(index + token.utf8.count)...], as: UTF8.self)
                return (field, op, value)
            }
        }
        return nil
    }

    /// `UnescapeValue`: `\\`, `\,`, `\=` are literal; any other escape, a trailing `\`, or a bare `,`/`=` is an error.
    static func unescape(_ raw: String) throws(StatusError) -> String {
        var value = ""
        var inSlash = false
        for scalar in raw.unicodeScalars {
            if inSlash {
                guard scalar == "\\" || scalar == "," || scalar == "=" else {
                    throw StatusError.badRequest("invalid field selector: invalid escape sequence: \\\(scalar)")
                }
                value.unicodeScalars.append(scalar)
                inSlash = false
            } else if scalar == "\\" {
                inSlash = true
            } else if scalar == "," || scalar == "=" {
                throw StatusError.badRequest("invalid field selector: unescaped character in value: \(scalar.value)")
            } else {
                value.unicodeScalars.append(scalar)
            }
        }
        if inSlash { throw StatusError.badRequest("invalid field selector: invalid escape sequence: \\") }
        return value
    }
}
