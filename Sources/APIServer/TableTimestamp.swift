import JSON
import KubeAPI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `metav1.Time` as nanoseconds since the Unix epoch, for the AGE and RESTARTS cells of server-side printing.
///
/// `printers.go` `translateTimestampSince`: a zero (absent) timestamp prints `<unknown>`, anything else the
/// `HumanDuration` of now minus it.
enum TableTimestamp {
    /// `translateTimestampSince(timestamp)` for a timestamp as it appears in an object (an RFC 3339 string or absent).
    static func since(_ timestamp: JSON?, now: Int64) -> String {
        guard let text = timestamp?.stringValue, let instant = parse(text) else { return "<unknown>" }
        return HumanDuration.format(nanoseconds: now &- instant)
    }

    /// Parses an RFC 3339 timestamp into nanoseconds since the epoch; nil for anything else.
    static func parse(_ text: String) -> Int64? {
        guard let instant = MetaTimestamp(rfc3339: text) else { return nil }
        return instant.seconds * HumanDuration.nanosecondsPerSecond + instant.nanoseconds
    }

    /// The wall clock in nanoseconds since the epoch.
    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * HumanDuration.nanosecondsPerSecond + Int64(spec.tv_nsec)
    }
}
