import Testing

@testable import APIServer

@Suite struct TableHumanDurationTests {
    static let second: Int64 = 1_000_000_000
    static let minute = 60 * second
    static let hour = 60 * minute
    static let day = 24 * hour

    /// `duration_test.go` `TestHumanDuration` plus the boundaries of every branch.
    @Test("AGE is HumanDuration: about two significant figures", arguments: [
        (-2 * second, "<invalid>"),
        (-1 * second - 500_000_000, "0s"),
        (-1 * second, "0s"),
        (-500_000_000, "0s"),
        (0, "0s"),
        (999_999_999, "0s"),
        (second, "1s"),
        (59 * second, "59s"),
        (60 * second, "60s"),
        (119 * second, "119s"),
        (2 * minute, "2m"),
        (2 * minute + 3 * second, "2m3s"),
        (9 * minute + 59 * second, "9m59s"),
        (10 * minute, "10m"),
        (10 * minute + 59 * second, "10m"),
        (179 * minute, "179m"),
        (3 * hour, "3h"),
        (3 * hour + 5 * minute, "3h5m"),
        (7 * hour + 59 * minute, "7h59m"),
        (8 * hour, "8h"),
        (10 * hour, "10h"),
        (47 * hour + 59 * minute, "47h"),
        (48 * hour, "2d"),
        (2 * day + 3 * hour, "2d3h"),
        (3 * day, "3d"),
        (7 * day + 23 * hour, "7d23h"),
        (8 * day, "8d"),
        (729 * day, "729d"),
        (730 * day, "2y"),
        (740 * day, "2y10d"),
        (8 * 365 * day - day, "7y364d"),
        (8 * 365 * day, "8y"),
        (100 * 365 * day + 100 * day, "100y"),
    ] as [(Int64, String)])
    func humanDuration(nanoseconds: Int64, expected: String) {
        #expect(HumanDuration.format(nanoseconds: nanoseconds) == expected)
    }

    @Test("RFC 3339 timestamps parse to the instant, any offset or fraction", arguments: [
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:01.5Z", 1_500_000_000),
        ("2024-12-11T17:59:15Z", 1_733_939_955 * 1_000_000_000),
        ("2024-12-11T18:59:15+01:00", 1_733_939_955 * 1_000_000_000),
        ("2000-02-29T00:00:00Z", 951_782_400 * 1_000_000_000),
    ] as [(String, Int64)])
    func timestampParses(text: String, nanoseconds: Int64) {
        #expect(TableTimestamp.parse(text) == nanoseconds)
    }

    @Test("a missing or malformed creationTimestamp prints <unknown>", arguments: [nil, "", "yesterday", "2024-12-11"])
    func unknownTimestamp(text: String?) {
        #expect(TableTimestamp.since(text.map { .string($0) }, now: 0) == "<unknown>")
    }

    @Test func ageIsMeasuredFromCreation() {
        let created = TableTimestamp.parse("2024-12-11T17:59:15Z")!
        #expect(TableTimestamp.since("2024-12-11T17:59:15Z", now: created + 5 * Self.minute + 12 * Self.second) == "5m12s")
    }
}
