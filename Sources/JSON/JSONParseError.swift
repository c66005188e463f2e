/// A syntax error found while parsing JSON text.
///
/// `message` reads like Go's `encoding/json` `SyntaxError` (what kube-apiserver puts into its 400 responses),
/// for example `invalid character 'x' looking for beginning of value` or `unexpected end of JSON input`.
/// Errors Go does not have (invalid UTF-8, lone surrogate escapes, which Go silently replaces with U+FFFD)
/// use the same lower-case style.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The byte offset in the input where the problem was detected (0-based).
    public var offset: Int
    /// The Go-style error text, without the offset.
    public var message: String

    /// Creates an error at `offset` with `message`.
    public init(offset: Int, message: String) {
        self.offset = offset
        self.message = message
    }

    /// The message alone, so it can be embedded in Kubernetes-style errors as Go would (`json parse error: …`).
    public var description: String { message }
}

extension JSONParseError {
    static func unexpectedEnd(at offset: Int) -> JSONParseError {
        JSONParseError(offset: offset, message: "unexpected end of JSON input")
    }

    /// Go's `invalid character 'c' <context>`; `c` is the byte at `offset`.
    static func invalidCharacter(_ byte: UInt8, at offset: Int, _ context: String) -> JSONParseError {
        JSONParseError(offset: offset, message: "invalid character \(quoteCharacter(byte)) \(context)")
    }

    static func invalidUTF8(at offset: Int) -> JSONParseError {
        JSONParseError(offset: offset, message: "invalid UTF-8 in string")
    }

    /// Mirrors Go's `quoteChar`: `'\''` for a quote, `'"'` for a double quote, otherwise the `strconv.Quote`d
    /// character between single quotes (`'\n'`, `'\x01'`).
    static func quoteCharacter(_ byte: UInt8) -> String {
        switch byte {
        case UInt8(ascii: "'"): return "'\\''"
        case UInt8(ascii: "\""): return "'\"'"
        case UInt8(ascii: "\\"): return "'\\\\'"
        case 0x07: return "'\\a'"
        case 0x08: return "'\\b'"
        case 0x0C: return "'\\f'"
        case 0x0A: return "'\\n'"
        case 0x0D: return "'\\r'"
        case 0x09: return "'\\t'"
        case 0x0B: return "'\\v'"
        case 0x20..<0x7F: return "'\(Character(Unicode.Scalar(byte)))'"
        default:
            let hex = String(byte, radix: 16)
            if byte < 0x80 { return "'\\x\(hex.count == 1 ? "0" + hex : hex)'" }
            // Go converts the byte to a rune (Latin-1), which prints as itself.
            return "'\(Character(Unicode.Scalar(byte)))'"
        }
    }
}
