/// The subset of RFC 4180 that Go's `encoding/csv` reader accepts with its default settings (what kube-apiserver's
/// token file reader uses): `,` separates fields, `\n` or `\r\n` ends a record, blank lines are skipped, a field
/// starting with `"` is quoted (`""` is a quote; commas and newlines allowed), a `"` elsewhere is an error.
/// Errors carry Go's `csv.ParseError` text. Not thread-safe (a value used by one parse).
struct CSVReader {
    private static let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"),
        carriageReturn = UInt8(ascii: "\r")

    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var previousLineStart = 0
    /// The line the record being read started on.
    private var recordLine = 1

    private init(_ text: String) { bytes = Array(text.utf8) }

    /// Splits `text` into records of fields.
    static func records(_ text: String) throws(SecurityConfigurationError) -> [[String]] {
        var reader = CSVReader(text)
        var records: [[String]] = []
        while reader.index < reader.bytes.count {
            if reader.atLineEnd {
                reader.consumeLineEnd()  // a blank line
                continue
            }
            records.append(try reader.record())
        }
        return records
    }

    private var current: UInt8? { index < bytes.count ? bytes[index] : nil }
    private var next: UInt8? { index + 1 < bytes.count ? bytes[index + 1] : nil }

    /// At `\n`, at `\r\n`, or at a `\r` that ends the input.
    private var atLineEnd: Bool {
        current == Self.newline || (current == Self.carriageReturn && (next == nil || next == Self.newline))
    }

    private mutating func consumeLineEnd() {
        if current == Self.carriageReturn { index += 1 }
        if current == Self.newline { index += 1 }
        startLine()
    }

    private mutating func startLine() {
        line += 1
        previousLineStart = lineStart
        lineStart = index
    }

    private mutating func record() throws(SecurityConfigurationError) -> [String] {
        recordLine = line
        var fields: [String] = []
        while true {
            fields.append(current == Self.quote ? try quotedField() : try unquotedField())
            guard current == Self.comma else {
                if current != nil { consumeLineEnd() }
                return fields
            }
            index += 1
        }
    }

    private mutating func unquotedField() throws(SecurityConfigurationError) -> String {
        var field: [UInt8] = []
        while let byte = current, byte != Self.comma, !atLineEnd {
            if byte == Self.quote { throw error(column: index - lineStart + 1, "bare \" in non-quoted field") }
            field.append(byte)
            index += 1
        }
        return String(decoding: field, as: UTF8.self)
    }

    private mutating func quotedField() throws(SecurityConfigurationError) -> String {
        index += 1  // the opening quote
        var field: [UInt8] = []
        while true {
            guard let byte = current else {
                // Go reports the end of the last line that had content, not the empty line after it.
                let endsWithNewline = bytes.last == Self.newline
                if endsWithNewline { line -= 1 }
                return try missingQuote(column: index - (endsWithNewline ? previousLineStart : lineStart) + 1)
            }
            if byte == Self.quote {
                if next == Self.quote {
                    field.append(Self.quote)
                    index += 2
                    continue
                }
                index += 1
                guard current == nil || current == Self.comma || atLineEnd else {
                    return try missingQuote(column: index - lineStart)
                }
                return String(decoding: field, as: UTF8.self)
            }
            if byte == Self.carriageReturn, next == Self.newline {
                index += 1  // "\r\n" inside quotes is "\n"
                continue
            }
            index += 1
            field.append(byte)
            if byte == Self.newline { startLine() }
        }
    }

    private func missingQuote(column: Int) throws(SecurityConfigurationError) -> String {
        throw error(column: column, "extraneous or missing \" in quoted-field")
    }

    /// Go's `csv.ParseError` text.
    private func error(column: Int, _ reason: String) -> SecurityConfigurationError {
        if recordLine != line {
            return SecurityConfigurationError(
                "record on line \(recordLine); parse error on line \(line), column \(column): \(reason)")
        }
        return SecurityConfigurationError("parse error on line \(line), column \(column): \(reason)")
    }
}
