/// kube-apiserver's `--token-auth-file`: a CSV file of `token,user,uid[,"group1,group2,..."]` records, read
/// exactly as `tokenfile.NewCSV` reads it with Go's `encoding/csv` (`FieldsPerRecord = -1`):
///
/// - records end at `\n` (a `\r` before it is dropped); blank lines are skipped;
/// - a field starting with `"` is quoted: it may hold commas and newlines, `""` is one quote, and the closing
///   quote must be followed by a comma or the end of the line; a `"` inside an unquoted field is an error;
/// - every record needs at least 3 fields; the 4th, if present, is split on `,` into groups (so an empty 4th
///   field is one empty group name, as upstream); fields after the 4th are ignored;
/// - a record with an empty token is skipped; a repeated token replaces the earlier record (upstream warns).
public struct StaticTokenFile: Sendable, Equatable {
    /// One record: its token and user, in file order.
    public struct Entry: Sendable, Equatable {
        public var token: String
        public var user: UserInfo
    }

    /// The records with a non-empty token, in file order (repeated tokens included, later ones win in lookups).
    public let entries: [Entry]
    /// Tokens skipped or replaced, as warnings to log ("empty token ... record number N").
    public let warnings: [String]

    /// Parses the text of the file at `path` (the path only appears in messages).
    public init(parsing text: String, path: String) throws(SecurityConfigurationError) {
        var entries: [Entry] = []
        var warnings: [String] = []
        var seen = Set<String>()
        var recordNumber = 0
        for record in try CSVRecords.parse(text) {
            guard record.count >= 3 else {
                throw SecurityConfigurationError(
                    "token file '\(path)' must have at least 3 columns (token, user name, user uid), found \(record.count)")
            }
            recordNumber += 1
            guard !record[0].isEmpty else {
                warnings.append("empty token has been found in token file '\(path)', record number '\(recordNumber)'")
                continue
            }
            if !seen.insert(record[0]).inserted {
                warnings.append("duplicate token has been found in token file '\(path)', record number '\(recordNumber)'")
            }
            let groups = record.count >= 4 ? record[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init) : []
            entries.append(Entry(token: record[0], user: UserInfo(name: record[1], uid: record[2], groups: groups)))
        }
        self.entries = entries
        self.warnings = warnings
    }
}


/// The subset of RFC 4180 that Go's `encoding/csv` reader accepts with its default settings.
enum CSVRecords {
    /// Splits `text` into records of fields, or throws Go's `ParseError` text.
    static func parse(_ text: String) throws(SecurityConfigurationError) -> [[String]] {
        let bytes = Array(text.utf8)
        var records: [[String]] = []
        var index = 0
        var line = 1
        while index < bytes.count {
            // A blank line (only a line ending) is skipped.
            if bytes[index] == UInt8(ascii: "\n") || (bytes[index] == UInt8(ascii: "\r") && index + 1 < bytes.count && bytes[index + 1] == UInt8(ascii: "\n")) {
                index += bytes[index] == UInt8(ascii: "\n") ? 1 : 2
                line += 1
                continue
            }
            records.append(try record(bytes, at: &index, line: &line))
        }
        return records
    }

    /// Reads one record starting at `index`, leaving `index` after its line ending.
    private static func record(_ bytes: [UInt8], at index: inout Int, line: inout Int) throws(SecurityConfigurationError) -> [String] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")
        let startLine = line
        var fields: [String] = []
        var lineStart = index
        var previousLineStart = index
        while true {
            var field: [UInt8] = []
            if index < bytes.count, bytes[index] == quote {
                index += 1
                while true {
                    guard index < bytes.count else {
                        // Go reports the end of the last line that had content, not the empty line after it.
                        let endsWithNewline = bytes.last == newline
                        throw parseError(startLine: startLine, line: endsWithNewline ? line - 1 : line,
                                         column: index - (endsWithNewline ? previousLineStart : lineStart) + 1,
                                         "extraneous or missing \" in quoted-field")
                    }
                    let byte = bytes[index]
                    if byte == quote {
                        if index + 1 < bytes.count, bytes[index + 1] == quote {
                            field.append(quote)
                            index += 2
                            continue
                        }
                        index += 1
                        break
                    }
                    if byte == cr, index + 1 < bytes.count, bytes[index + 1] == newline {
                        index += 1  // "\r\n" inside quotes is "\n"
                        continue
                    }
                    if byte == newline {
                        line += 1
                        previousLineStart = lineStart
                        lineStart = index + 1
                    }
                    field.append(byte)
                    index += 1
                }
                let atEnd = index >= bytes.count || bytes[index] == comma || bytes[index] == newline
                    || (bytes[index] == cr && (index + 1 >= bytes.count || bytes[index + 1] == newline))
                guard atEnd else {
                    throw parseError(startLine: startLine, line: line, column: index - lineStart,
                                     "extraneous or missing \" in quoted-field")
                }
            } else {
                while index < bytes.count, bytes[index] != comma, bytes[index] != newline {
                    if bytes[index] == quote {
                        throw parseError(startLine: startLine, line: line, column: index - lineStart + 1,
                                         "bare \" in non-quoted field")
                    }
                    field.append(bytes[index])
                    index += 1
                }
                if field.last == cr, index >= bytes.count || bytes[index] == newline { field.removeLast() }
            }
            if index < bytes.count, bytes[index] == cr, index + 1 >= bytes.count || bytes[index + 1] == newline {
                index += 1  // the "\r" of a "\r\n" after a quoted field
            }
            fields.append(String(decoding: field, as: UTF8.self))
            if index < bytes.count, bytes[index] == comma {
                index += 1
                continue
            }
            if index < bytes.count { index += 1 }  // the newline
            line += 1
            return fields
        }
    }

    /// Go's `csv.ParseError` text.
    private static func parseError(startLine: Int, line: Int, column: Int, _ reason: String) -> SecurityConfigurationError {
        if startLine != line {
            return SecurityConfigurationError("record on line \(startLine); parse error on line \(line), column \(column): \(reason)")
        }
        return SecurityConfigurationError("parse error on line \(line), column \(column): \(reason)")
    }
}
