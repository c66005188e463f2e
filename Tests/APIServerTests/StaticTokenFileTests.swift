import Testing

@testable import APIServer

/// `--token-auth-file` parsing, pinned to what kube-apiserver's `tokenfile.NewCSV` (Go `encoding/csv`) accepts.
@Suite struct StaticTokenFileTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let text: String
        let expected: [StaticTokenFile.Entry]
        var testDescription: String { text.debugDescription }
    }

    static func entry(_ token: String, _ name: String, _ uid: String, _ groups: [String] = []) -> StaticTokenFile.Entry {
        StaticTokenFile.Entry(token: token, user: UserInfo(name: name, uid: uid, groups: groups))
    }

    @Test(arguments: [
        Case(text: "t1,alice,1\n", expected: [entry("t1", "alice", "1")]),
        Case(text: "t1,alice,1", expected: [entry("t1", "alice", "1")]),
        Case(text: "t1,alice,1,\"g1,g2\"\n", expected: [entry("t1", "alice", "1", ["g1", "g2"])]),
        Case(text: "t1,alice,1,g1\n", expected: [entry("t1", "alice", "1", ["g1"])]),
        // An empty 4th column is one empty group name, as strings.Split("", ",") gives [""].
        Case(text: "t1,alice,1,\n", expected: [entry("t1", "alice", "1", [""])]),
        // Columns after the 4th are ignored.
        Case(text: "t1,alice,1,g1,extra\n", expected: [entry("t1", "alice", "1", ["g1"])]),
        // Blank lines (LF and CRLF) are skipped; CRLF line endings are stripped.
        Case(text: "\nt1,alice,1\r\n\r\nt2,bob,2\r\n", expected: [entry("t1", "alice", "1"), entry("t2", "bob", "2")]),
        // Quoted fields: doubled quotes, embedded commas and newlines.
        Case(text: "\"t\"\"1\",\"a,b\",\"x\ny\"\n", expected: [entry("t\"1", "a,b", "x\ny")]),
        // Spaces are kept as part of the field (no TrimLeadingSpace).
        Case(text: "t1, alice ,1\n", expected: [entry("t1", " alice ", "1")]),
        // An empty token is skipped; later fields don't matter.
        Case(text: ",nobody,0\nt1,alice,1\n", expected: [entry("t1", "alice", "1")]),
        // A repeated token is kept in order (lookups take the later one).
        Case(text: "t1,alice,1\nt1,bob,2\n", expected: [entry("t1", "alice", "1"), entry("t1", "bob", "2")]),
        Case(text: "", expected: []),
    ])
    func validFilesParseLikeKubeAPIServer(_ test: Case) throws {
        let file = try StaticTokenFile(parsing: test.text, path: "tokens.csv")
        #expect(file.entries == test.expected)
    }

    @Test(arguments: [
        ("t1,alice\n", "token file 'tokens.csv' must have at least 3 columns (token, user name, user uid), found 2"),
        ("t1,alice,1\n   \n", "token file 'tokens.csv' must have at least 3 columns (token, user name, user uid), found 1"),
        ("t1,al\"ice,1\n", "parse error on line 1, column 6: bare \" in non-quoted field"),
        ("t1,\"alice\"x,1\n", "parse error on line 1, column 10: extraneous or missing \" in quoted-field"),
        ("t1,\"alice,1\n", "parse error on line 1, column 13: extraneous or missing \" in quoted-field"),
        (" \"t1\",alice,1\n", "parse error on line 1, column 2: bare \" in non-quoted field"),
    ])
    func malformedFilesAreRejectedWithGoCSVMessages(text: String, message: String) {
        #expect(throws: SecurityConfigurationError(message)) {
            try StaticTokenFile(parsing: text, path: "tokens.csv")
        }
    }

    @Test func emptyAndDuplicateTokensAreReportedAsWarnings() throws {
        let file = try StaticTokenFile(parsing: ",x,0\nt,a,1\nt,b,2\n", path: "f.csv")
        #expect(file.warnings == [
            "empty token has been found in token file 'f.csv', record number '1'",
            "duplicate token has been found in token file 'f.csv', record number '3'",
        ])
    }
}
