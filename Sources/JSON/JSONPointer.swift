/// An RFC 6901 JSON Pointer such as `/spec/ports/0/port` or `/metadata/labels/app.kubernetes.io~1name`.
///
/// The text form escapes `~` as `~0` and `/` as `~1`; `tokens` holds the decoded reference tokens. The empty
/// pointer `""` refers to the whole document. In an array, `-` names the position after the last element
/// (only meaningful for adding).
public struct JSONPointer: Sendable, Hashable, CustomStringConvertible {
    /// The decoded reference tokens, outermost first.
    public var tokens: [String]

    /// The pointer made of `tokens` (already decoded; they are escaped when printed).
    public init(tokens: [String]) {
        self.tokens = tokens
    }

    /// Parses the text form. Returns nil unless `text` is empty or starts with `/`, and every `~` is followed
    /// by `0` or `1`.
    public init?(_ text: String) {
        guard !text.isEmpty else {
            self.tokens = []
            return
        }
        guard text.utf8.first == UInt8(ascii: "/") else { return nil }
        var tokens: [String] = []
        for rawToken in text.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            guard rawToken.contains(UInt8(ascii: "~")) else {
                tokens.append(String(decoding: rawToken, as: UTF8.self))
                continue
            }
            var decoded: [UInt8] = []
            var iterator = rawToken.makeIterator()
            while let byte = iterator.next() {
                guard byte == UInt8(ascii: "~") else {
                    decoded.append(byte)
                    continue
                }
                switch iterator.next() {
                case UInt8(ascii: "0"): decoded.append(UInt8(ascii: "~"))
                case UInt8(ascii: "1"): decoded.append(UInt8(ascii: "/"))
                default: return nil
                }
            }
            tokens.append(String(decoding: decoded, as: UTF8.self))
        }
        self.tokens = tokens
    }

    /// The escaped text form, e.g. `/metadata/annotations/example.com~1owner`.
    public var description: String {
        var text = ""
        for token in tokens {
            text += "/"
            text += token.replacing("~", with: "~0").replacing("/", with: "~1")
        }
        return text
    }

    /// The array index a token denotes, following evanphx/json-patch (what kube-apiserver uses), which reads
    /// it with Go's `strconv.Atoi`: an optional sign and decimal digits. Negative indices count from the end.
    static func arrayIndex(_ token: String) -> Int? {
        var utf8 = Substring(token).utf8
        var negative = false
        if let sign = utf8.first, sign == UInt8(ascii: "-") || sign == UInt8(ascii: "+") {
            negative = sign == UInt8(ascii: "-")
            utf8 = utf8.dropFirst()
        }
        guard !utf8.isEmpty, utf8.count <= 18 else { return nil }
        var value = 0
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return negative ? -value : value
    }
}

extension JSON {
    /// The value `pointer` refers to, or nil when any step is missing (absent key, index out of range or not a
    /// number, or a step into a scalar).
    public subscript(pointer pointer: JSONPointer) -> JSON? {
        var current = self
        for token in pointer.tokens {
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let index = JSONPointer.arrayIndex(token), index >= 0, index < array.count else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }
}
