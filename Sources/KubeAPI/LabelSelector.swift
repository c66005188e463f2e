import JSON

/// A parsed `labelSelector`: an AND of requirements, as `k8s.io/apimachinery/pkg/labels/selector.go` builds it.
///
/// Parsing follows upstream's lexer and recursive-descent parser token for token, so accepted inputs,
/// requirement values (sorted and de-duplicated, `in ()` meaning `{""}`) and error texts are the ones
/// kube-apiserver produces for `?labelSelector=`. Requirements are sorted by key, as upstream sorts them.
public struct LabelSelector: Sendable, Equatable, CustomStringConvertible {
    /// The relation a requirement tests, with upstream's `selection.Operator` spelling as raw value.
    public enum Operator: String, Sendable, Equatable, CaseIterable {
        /// `k=v`.
        case equals = "="
        /// `k==v`.
        case doubleEquals = "=="
        /// `k!=v`: absent or different.
        case notEquals = "!="
        /// `k in (a,b)`.
        case `in` = "in"
        /// `k notin (a,b)`: absent or not in the set.
        case notIn = "notin"
        /// `k`.
        case exists = "exists"
        /// `!k`.
        case doesNotExist = "!"
        /// `k>5`: present and an integer greater than the value.
        case greaterThan = "gt"
        /// `k<5`: present and an integer less than the value.
        case lessThan = "lt"
    }

    /// One `labels.Requirement`: a key, an operator and its values.
    public struct Requirement: Sendable, Equatable, CustomStringConvertible {
        /// The label key (a qualified name).
        public var key: String
        /// The relation tested.
        public var op: Operator
        /// The values, sorted and unique for parsed selectors; empty for `exists` / `doesNotExist`.
        public var values: [String]

        /// A requirement as given; parsing is what validates, this does not.
        public init(key: String, op: Operator, values: [String]) {
            self.key = key
            self.op = op
            self.values = values
        }

        /// `Requirement.Matches`: `lookup` returns a label's value or nil when the label is absent.
        public func matches(_ lookup: (String) -> String?) -> Bool {
            let value = lookup(key)
            switch op {
            case .in, .equals, .doubleEquals:
                guard let value else { return false }
                return values.contains(value)
            case .notIn, .notEquals:
                guard let value else { return true }
                return !values.contains(value)
            case .exists:
                return value != nil
            case .doesNotExist:
                return value == nil
            case .greaterThan, .lessThan:
                // Both sides must parse as base-10 int64 (`strconv.ParseInt`), else no match.
                guard let value, case .value(let have) = QueryValue.parseInt64(value), values.count == 1,
                    case .value(let want) = QueryValue.parseInt64(values[0])
                else { return false }
                return op == .greaterThan ? have > want : have < want
            }
        }

        /// `Requirement.String()`: `!k`, `k`, `k=v`, `k in (a,b)`, `k>5`.
        public var description: String {
            switch op {
            case .doesNotExist: return "!" + key
            case .exists: return key
            case .equals, .doubleEquals, .notEquals: return key + op.rawValue + values.joined(separator: ",")
            case .in: return key + " in (" + values.sorted(by: LabelSelector.goLess).joined(separator: ",") + ")"
            case .notIn: return key + " notin (" + values.sorted(by: LabelSelector.goLess).joined(separator: ",") + ")"
            case .greaterThan: return key + ">" + values.joined(separator: ",")
            case .lessThan: return key + "<" + values.joined(separator: ",")
            }
        }
    }

    /// The requirements, all of which must match; sorted by key.
    public var requirements: [Requirement]

    /// A selector from requirements, sorted by key as upstream keeps them.
    public init(requirements: [Requirement]) {
        self.requirements = requirements.sorted { LabelSelector.goLess($0.key, $1.key) }
    }

    /// `labels.SelectorFromSet`: one `key=value` requirement per pair, unvalidated (a Service's `spec.selector`).
    /// An empty set selects everything.
    public init(matchLabels: [(String, String)]) {
        self.init(requirements: matchLabels.map { Requirement(key: $0.0, op: .equals, values: [$0.1]) })
    }

    /// Parses `?labelSelector=` text (`labels.Parse`); an empty or all-whitespace string selects everything.
    ///
    /// Errors are 400 BadRequest with the parser's message as kube-apiserver sends it, e.g.
    /// `unable to parse requirement: found '', expected: identifier` for `!`.
    public static func parse(_ text: String) throws(StatusError) -> LabelSelector {
        var parser = LabelSelectorParser(text)
        do {
            return LabelSelector(requirements: try parser.parse())
        } catch {
            throw StatusError.badRequest(error.message)
        }
    }

    /// `Selector.Empty()`: no requirements, so every object matches.
    public var isEmpty: Bool { requirements.isEmpty }

    /// Whether `metadata.labels` (a JSON object of strings, or nil for no labels) satisfies every requirement.
    /// A non-string label value counts as absent.
    public func matches(_ labels: JSONObject?) -> Bool {
        requirements.allSatisfy { $0.matches { key in labels?[key]?.stringValue } }
    }

    /// Whether a label map satisfies every requirement.
    public func matches(_ labels: [String: String]) -> Bool {
        requirements.allSatisfy { $0.matches { labels[$0] } }
    }

    /// `Selector.RequiresExactMatch`: the value the first requirement on `key` pins with `=`, `==` or a one-value `in`.
    public func requiresExactMatch(_ key: String) -> String? {
        guard let requirement = requirements.first(where: { $0.key == key }) else { return nil }
        switch requirement.op {
        case .equals, .doubleEquals, .in: return requirement.values.count == 1 ? requirement.values[0] : nil
        default: return nil
        }
    }

    /// `Selector.String()`: requirements joined by `,`.
    public var description: String { requirements.map(\.description).joined(separator: ",") }

    /// Go's string `<`: byte-wise, which Swift's `String <` is not for every input.
    static func goLess(_ lhs: String, _ rhs: String) -> Bool {
        lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
    }
}
