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
        for record in try CSVReader.records(text) {
            guard record.count >= 3 else {
                throw SecurityConfigurationError(
                    "token file '\(path)' must have at least 3 columns (token, user name, user uid), "
                        + "found \(record.count)")
            }
            recordNumber += 1
            guard !record[0].isEmpty else {
                warnings.append("empty token has been found in token file '\(path)', record number '\(recordNumber)'")
                continue
            }
            if !seen.insert(record[0]).inserted {
                warnings.append(
                    "duplicate token has been found in token file '\(path)', record number '\(recordNumber)'")
            }
            let groups = record.count >= 4
                ? record[3].split(separator: ",", omittingEmptySubsequences: false).map(String.init) : []
            entries.append(Entry(token: record[0], user: UserInfo(name: record[1], uid: record[2], groups: groups)))
        }
        self.entries = entries
        self.warnings = warnings
    }
}
