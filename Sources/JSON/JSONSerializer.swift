extension JSON {
    /// This value as UTF-8 JSON text, byte-for-byte what Go's `encoding/json` (and so kube-apiserver) writes.
    ///
    /// Compact output has no spaces. `pretty` output matches `json.MarshalIndent(v, "", "  ")`, which is what
    /// `?pretty=true` returns: two-space indent, `"key": value`, empty containers as `{}` and `[]`, and no trailing
    /// newline (append one where the wire format wants it).
    public func serialized(pretty: Bool = false) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(1024)
        serialize(into: &output, pretty: pretty)
        return output
    }

    /// Appends this value as JSON text to `output`; see `serialized(pretty:)` for the format.
    ///
    /// Strings escape `"`, `\`, control characters (`\b`, `\f`, `\n`, `\r`, `\t` short as Go 1.22+ writes them,
    /// the rest `\u00XX`), and, like Go's
    /// HTML-safe default, `<`, `>`, `&`, U+2028 and U+2029. Doubles use the shortest form that round-trips,
    /// formatted as Go formats float64 (`1`, `0.5`, `1e+21`, `1e-7`). Non-finite doubles, which JSON cannot
    /// express and `parse` never produces, are written as `null`.
    public func serialize(into output: inout [UInt8], pretty: Bool = false) {
        if pretty {
            JSONWriter.writePretty(self, into: &output, indent: 0)
        } else {
            JSONWriter.writeCompact(self, into: &output)
        }
    }

    /// This value as compact JSON text in a `String`.
    public var jsonString: String {
        String(decoding: serialized(), as: UTF8.self)
    }
}

/// The serializer's recursive writers. Stateless; every function appends to the buffer it is given.
enum JSONWriter {
    static func writeCompact(_ value: JSON, into output: inout [UInt8]) {
        switch value {
        case .object(let object):
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in object.members {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                writeCompact(member, into: &output)
            }
            output.append(UInt8(ascii: "}"))
        case .array(let array):
            output.append(UInt8(ascii: "["))
            var first = true
            for element in array {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                writeCompact(element, into: &output)
            }
            output.append(UInt8(ascii: "]"))
        default:
            writeScalar(value, into: &output)
        }
    }

    static func writePretty(_ value: JSON, into output: inout [UInt8], indent: Int) {
        switch value {
        case .object(let object):
            guard !object.members.isEmpty else { return appendLiteral("{}", into: &output) }
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, member) in object.members {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                newline(indent + 1, into: &output)
                writeString(key, into: &output)
                output.append(UInt8(ascii: ":"))
                output.append(UInt8(ascii: " "))
                writePretty(member, into: &output, indent: indent + 1)
            }
            newline(indent, into: &output)
            output.append(UInt8(ascii: "}"))
        case .array(let array):
            guard !array.isEmpty else { return appendLiteral("[]", into: &output) }
            output.append(UInt8(ascii: "["))
            var first = true
            for element in array {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                newline(indent + 1, into: &output)
                writePretty(element, into: &output, indent: indent + 1)
            }
            newline(indent, into: &output)
            output.append(UInt8(ascii: "]"))
        default:
            writeScalar(value, into: &output)
        }
    }

    private static func newline(_ indent: Int, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\n"))
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * indent))
    }

    @inline(__always)
    static func appendLiteral(_ literal: StaticString, into output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    @inline(__always)
    static func writeScalar(_ value: JSON, into output: inout [UInt8]) {
        switch value {
        case .null: appendLiteral("null", into: &output)
        case .bool(let flag): appendLiteral(flag ? "true" : "false", into: &output)
        case .int(let integer): writeInteger(integer, into: &output)
        case .double(let double): writeDouble(double, into: &output)
        case .string(let string): writeString(string, into: &output)
        case .array, .object: writeCompact(value, into: &output)
        }
    }

    static func writeInteger(_ value: Int64, into output: inout [UInt8]) {
        if value >= 0 && value < 10 {
            output.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        if value < 0 { output.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }

    /// Writes `string` quoted, escaping exactly what Go's `encoding/json` escapes by default.
    static func writeString(_ string: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        let handled: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
            writeEscaped(bytes, into: &output)
        }
        if handled == nil {
            let bytes = Array(string.utf8)
            bytes.withUnsafeBufferPointer { writeEscaped($0, into: &output) }
        }
        output.append(UInt8(ascii: "\""))
    }

    private static func writeEscaped(_ bytes: UnsafeBufferPointer<UInt8>, into output: inout [UInt8]) {
        var runStart = 0
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            if byte >= 0x20 && byte != UInt8(ascii: "\"") && byte != UInt8(ascii: "\\") && byte != UInt8(ascii: "<")
                && byte != UInt8(ascii: ">") && byte != UInt8(ascii: "&") && byte != 0xE2
            {
                index += 1
                continue
            }
            // U+2028 and U+2029 are E2 80 A8 / E2 80 A9; other E2 sequences pass through.
            var skip = 1
            if byte == 0xE2 {
                guard index + 2 < count, bytes[index + 1] == 0x80, bytes[index + 2] & 0xFE == 0xA8 else {
                    index += 1
                    continue
                }
                skip = 3
            }
            if runStart < index {
                output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
            }
            switch byte {
            case UInt8(ascii: "\""): appendLiteral("\\\"", into: &output)
            case UInt8(ascii: "\\"): appendLiteral("\\\\", into: &output)
            case 0x08: appendLiteral("\\b", into: &output)
            case 0x0C: appendLiteral("\\f", into: &output)
            case 0x0A: appendLiteral("\\n", into: &output)
            case 0x0D: appendLiteral("\\r", into: &output)
            case 0x09: appendLiteral("\\t", into: &output)
            case 0xE2: appendLiteral(bytes[index + 2] == 0xA8 ? "\\u2028" : "\\u2029", into: &output)
            default: writeUnicodeEscape(byte, into: &output)
            }
            index += skip
            runStart = index
        }
        if runStart < count {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<count]))
        }
    }

    private static func writeUnicodeEscape(_ byte: UInt8, into output: inout [UInt8]) {
        let hex: StaticString = "0123456789abcdef"
        appendLiteral("\\u00", into: &output)
        output.append(hex.utf8Start[Int(byte >> 4)])
        output.append(hex.utf8Start[Int(byte & 0xF)])
    }
}
