/// Query-parameter scalars decoded the way `k8s.io/apimachinery/pkg/runtime/conversion.go` decodes `url.Values`
/// into `ListOptions` / `DeleteOptions`.
public enum QueryValue {
    /// `Convert_Slice_string_To_bool`: nil (parameter absent), `"0"` or case-insensitive `"false"` are false,
    /// every other value is true, including `""` (`?watch`). The Python client sends `watch=True`.
    public static func bool(_ text: String?) -> Bool {
        guard let text else { return false }
        // `strings.EqualFold` folds the long s (U+017F) to `s`, so `falſe` is false too.
        return !(text == "0" || String(text.lowercased().map { $0 == "\u{17F}" ? "s" : $0 }) == "false")
    }

    /// `Convert_Slice_string_To_int64` (`strconv.ParseInt(s, 10, 64)`): an optional sign and decimal digits.
    ///
    /// Garbage is a 400 BadRequest whose message is Go's error text, as kube-apiserver passes it through
    /// unchanged (`strconv.ParseInt: parsing "abc": invalid syntax`, `... value out of range`); `name`, the
    /// parameter's name, is therefore not part of the message and only documents the call site.
    public static func int64(_ text: String, name: String) throws(StatusError) -> Int64 {
        switch parseInt64(text) {
        case .value(let value): return value
        case .invalidSyntax:
            throw StatusError.badRequest("strconv.ParseInt: parsing \(GoValue.quote(text)): invalid syntax")
        case .outOfRange:
            throw StatusError.badRequest("strconv.ParseInt: parsing \(GoValue.quote(text)): value out of range")
        }
    }

    /// Outcome of Go's `strconv.ParseInt(s, 10, 64)`.
    enum ParsedInt: Equatable {
        case value(Int64)
        case invalidSyntax
        case outOfRange
    }

    /// `strconv.ParseInt(s, 10, 64)`: `[+-]?[0-9]+`, no spaces, no underscores (base 10).
    static func parseInt64(_ text: String) -> ParsedInt {
        var digits = Substring(text)
        if let first = digits.first, first == "+" || first == "-" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return .invalidSyntax
        }
        guard let value = Int64(text) else { return .outOfRange }
        return .value(value)
    }
}
