import JSON

/// The lexer and recursive-descent parser of `k8s.io/apimachinery/pkg/labels/selector.go`, ported step for step
/// (`Lexer`, `Parser.parse`, `parseRequirement`, `NewRequirement`) so that every error text and every quirk
/// (`in ()` is the set `{""}`, `in`/`notin` are plain identifiers in value position, a NUL byte ends the input)
/// is upstream's. Not thread-safe; one parser parses one string.
struct LabelSelectorParser {
    /// A parse failure carrying the exact upstream message.
    struct Failure: Error {
        var message: String
    }

    enum Token: Equatable {
        case error, endOfString, closedPar, comma, doesNotExist, doubleEquals, equals, greaterThan
        case identifier, `in`, lessThan, notEquals, notIn, openPar
    }

    /// `ParserContext`: in `values` position the keywords `in` and `notin` are identifiers.
    enum Context { case keyAndOperator, values }

    private var items: [(token: Token, literal: String)] = []
    private var position = 0

    /// Scans `text` completely (`Parser.scan`).
    init(_ text: String) {
        var lexer = Lexer(bytes: Array(text.utf8))
        while true {
            let item = lexer.lex()
            items.append(item)
            if item.token == .endOfString { break }
        }
    }

    /// `Parser.parse`: the requirements in input order.
    mutating func parse() throws(Failure) -> [LabelSelector.Requirement] {
        var requirements: [LabelSelector.Requirement] = []
        while true {
            let (token, literal) = lookahead(.values)
            switch token {
            case .identifier, .doesNotExist:
                do {
                    requirements.append(try parseRequirement())
                } catch {
                    throw Failure(message: "unable to parse requirement: \(error.message)")
                }
                let (next, nextLiteral) = consume(.values)
                switch next {
                case .endOfString:
                    return requirements
                case .comma:
                    let (after, afterLiteral) = lookahead(.values)
                    if after != .identifier && after != .doesNotExist {
                        throw Failure(message: "found '\(afterLiteral)', expected: identifier after ','")
                    }
                default:
                    throw Failure(message: "found '\(nextLiteral)', expected: ',' or 'end of string'")
                }
            case .endOfString:
                return requirements
            default:
                throw Failure(message: "found '\(literal)', expected: !, identifier, or 'end of string'")
            }
        }
    }

    private func lookahead(_ context: Context) -> (Token, String) {
        let item = items[min(position, items.count - 1)]
        return (Self.contextual(item.token, context), item.literal)
    }

    private mutating func consume(_ context: Context) -> (Token, String) {
        let item = lookahead(context)
        position += 1
        return item
    }

    private static func contextual(_ token: Token, _ context: Context) -> Token {
        if context == .values && (token == .in || token == .notIn) { return .identifier }
        return token
    }

    private mutating func parseRequirement() throws(Failure) -> LabelSelector.Requirement {
        let (key, inferred) = try parseKeyAndInferOperator()
        if let inferred, inferred == .exists || inferred == .doesNotExist {
            return try Self.newRequirement(key: key, op: inferred, values: [])
        }
        let op = try parseOperator()
        let values: [String]
        switch op {
        case .in, .notIn: values = try parseValues()
        default: values = try parseExactValue()
        }
        let sortedUnique = Array(Set(values)).sorted(by: LabelSelector.goLess)
        return try Self.newRequirement(key: key, op: op, values: sortedUnique)
    }

    /// `parseKeyAndInferOperator`: `[!]key`, inferring `exists` when the key stands alone.
    private mutating func parseKeyAndInferOperator() throws(Failure) -> (String, LabelSelector.Operator?) {
        var op: LabelSelector.Operator?
        var (token, literal) = consume(.values)
        if token == .doesNotExist {
            op = .doesNotExist
            (token, literal) = consume(.values)
        }
        guard token == .identifier else { throw Failure(message: "found '\(literal)', expected: identifier") }
        // Upstream validates with the parser's nil path, which `field.Path.String()` prints as `<nil>`.
        if let error = Self.keyError(literal, field: "<nil>") { throw Failure(message: error.description) }
        let (next, _) = lookahead(.values)
        if (next == .endOfString || next == .comma) && op != .doesNotExist { op = .exists }
        return (literal, op)
    }

    private mutating func parseOperator() throws(Failure) -> LabelSelector.Operator {
        let (token, literal) = consume(.keyAndOperator)
        switch token {
        case .in: return .in
        case .equals: return .equals
        case .doubleEquals: return .doubleEquals
        case .greaterThan: return .greaterThan
        case .lessThan: return .lessThan
        case .notIn: return .notIn
        case .notEquals: return .notEquals
        default: throw Failure(message: "found '\(literal)', expected: in, notin, =, ==, !=, gt, lt")
        }
    }

    /// `parseValues`: `( ... )`; `()` is the one-element set `{""}`.
    private mutating func parseValues() throws(Failure) -> [String] {
        let (open, openLiteral) = consume(.values)
        guard open == .openPar else { throw Failure(message: "found '\(openLiteral)' expected: '('") }
        let (token, literal) = lookahead(.values)
        switch token {
        case .identifier, .comma:
            let values = try parseIdentifiersList()
            // Upstream reports the token that *opened* the list here, not the offending one.
            guard consume(.values).0 == .closedPar else { throw Failure(message: "found '\(literal)', expected: ')'") }
            return values
        case .closedPar:
            _ = consume(.values)
            return [""]
        default:
            throw Failure(message: "found '\(literal)', expected: ',', ')' or identifier")
        }
    }

    /// `parseIdentifiersList`: comma-separated, possibly empty identifiers.
    private mutating func parseIdentifiersList() throws(Failure) -> [String] {
        var values: [String] = []
        while true {
            let (token, literal) = consume(.values)
            switch token {
            case .identifier:
                values.append(literal)
                let (next, nextLiteral) = lookahead(.values)
                switch next {
                case .comma: continue
                case .closedPar: return values
                default: throw Failure(message: "found '\(nextLiteral)', expected: ',' or ')'")
                }
            case .comma:
                if values.isEmpty { values.append("") }
                let (next, _) = lookahead(.values)
                if next == .closedPar {
                    values.append("")
                    return values
                }
                if next == .comma {
                    _ = consume(.values)
                    values.append("")
                }
            default:
                throw Failure(message: "found '\(literal)', expected: ',', or identifier")
            }
        }
    }

    /// `parseExactValue`: one value, empty when the requirement ends right after the operator.
    private mutating func parseExactValue() throws(Failure) -> [String] {
        let (next, _) = lookahead(.values)
        if next == .endOfString || next == .comma { return [""] }
        let (token, literal) = consume(.values)
        guard token == .identifier else { throw Failure(message: "found '\(literal)', expected: identifier") }
        return [literal]
    }

    /// `NewRequirement`'s checks with the parser's nil root path (so fields read `key`, `values`, `values[0][k]`).
    static func newRequirement(key: String, op: LabelSelector.Operator, values: [String])
        throws(Failure) -> LabelSelector.Requirement
    {
        var errors: [FieldError] = []
        if let error = keyError(key, field: "key") { errors.append(error) }
        let valuesJSON = JSON.array(values.map { .string($0) })
        switch op {
        case .in, .notIn:
            if values.isEmpty {
                errors.append(.invalid("values", valuesJSON, "for 'in', 'notin' operators, values set can't be empty"))
            }
        case .equals, .doubleEquals, .notEquals:
            if values.count != 1 {
                errors.append(.invalid("values", valuesJSON, "exact-match compatibility requires one single value"))
            }
        case .exists, .doesNotExist:
            if !values.isEmpty {
                errors.append(.invalid("values", valuesJSON, "values set must be empty for exists and does not exist"))
            }
        case .greaterThan, .lessThan:
            if values.count != 1 {
                errors.append(.invalid("values", valuesJSON, "for 'Gt', 'Lt' operators, exactly one value is required"))
            }
            for (index, value) in values.enumerated() {
                if case .value = QueryValue.parseInt64(value) { continue }
                errors.append(
                    .invalid(
                        "values[\(index)]", string: value, "for 'Gt', 'Lt' operators, the value must be an integer"))
            }
        }
        for (index, value) in values.enumerated() {
            let messages = NameValidation.isValidLabelValue(value)
            if !messages.isEmpty {
                errors.append(.invalid("values[\(index)][\(key)]", string: value, messages.joined(separator: "; ")))
            }
        }
        if !errors.isEmpty { throw Failure(message: aggregate(errors)) }
        return LabelSelector.Requirement(key: key, op: op, values: values)
    }

    /// `validateLabelKey`: one Invalid error with all qualified-name messages joined by `; `.
    static func keyError(_ key: String, field: String) -> FieldError? {
        let messages = NameValidation.isQualifiedName(key)
        return messages.isEmpty ? nil : .invalid(field, string: key, messages.joined(separator: "; "))
    }

    /// `utilerrors.aggregate.Error()`: one message as is, several de-duplicated inside `[...]`.
    static func aggregate(_ errors: [FieldError]) -> String {
        if errors.count == 1 { return errors[0].description }
        var seen: [String] = []
        for message in errors.map(\.description) where !seen.contains(message) { seen.append(message) }
        return seen.count == 1 ? seen[0] : "[" + seen.joined(separator: ", ") + "]"
    }
}

/// The byte lexer of `labels/selector.go` (`Lexer.Lex`).
private struct Lexer {
    let bytes: [UInt8]
    var position = 0

    /// The next byte, or 0 at the end (upstream treats a NUL byte the same way).
    mutating func read() -> UInt8 {
        guard position < bytes.count else { return 0 }
        position += 1
        return bytes[position - 1]
    }

    mutating func unread() { position -= 1 }

    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
            || byte == UInt8(ascii: "\n")
    }

    static func isSpecialSymbol(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "="), UInt8(ascii: "!"), UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","),
            UInt8(ascii: ">"), UInt8(ascii: "<"):
            return true
        default:
            return false
        }
    }

    /// `string2token`.
    static func token(for literal: String) -> LabelSelectorParser.Token? {
        switch literal {
        case ")": return .closedPar
        case ",": return .comma
        case "!": return .doesNotExist
        case "==": return .doubleEquals
        case "=": return .equals
        case ">": return .greaterThan
        case "in": return .in
        case "<": return .lessThan
        case "!=": return .notEquals
        case "notin": return .notIn
        case "(": return .openPar
        default: return nil
        }
    }

    mutating func lex() -> (token: LabelSelectorParser.Token, literal: String) {
        var byte = read()
        while Self.isWhitespace(byte) { byte = read() }
        if byte == 0 { return (.endOfString, "") }
        unread()
        return Self.isSpecialSymbol(byte) ? scanSpecialSymbol() : scanIdentifierOrKeyword()
    }

    private mutating func scanIdentifierOrKeyword() -> (token: LabelSelectorParser.Token, literal: String) {
        var buffer: [UInt8] = []
        while true {
            let byte = read()
            if byte == 0 { break }
            if Self.isSpecialSymbol(byte) || Self.isWhitespace(byte) {
                unread()
                break
            }
            buffer.append(byte)
        }
        let literal = String(decoding: buffer, as: UTF8.self)
        return (Self.token(for: literal) ?? .identifier, literal)
    }

    /// Longest operator made of special symbols (`!=`, `==`, or a single symbol).
    private mutating func scanSpecialSymbol() -> (token: LabelSelectorParser.Token, literal: String) {
        var buffer: [UInt8] = []
        var last: (token: LabelSelectorParser.Token, literal: String)?
        while true {
            let byte = read()
            if byte == 0 { break }
            guard Self.isSpecialSymbol(byte) else {
                unread()
                break
            }
            buffer.append(byte)
            let literal = String(decoding: buffer, as: UTF8.self)
            if let token = Self.token(for: literal) {
                last = (token, literal)
            } else if last != nil {
                unread()
                break
            }
        }
        return last ?? (.error, "error expected: keyword found '\(String(decoding: buffer, as: UTF8.self))'")
    }
}
