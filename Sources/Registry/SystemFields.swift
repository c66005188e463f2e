import KubeAPI

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sources of the values the server itself assigns: uids, timestamps and generated names.
public enum SystemFields {
    /// A random RFC 4122 version-4 UUID in lower-case canonical form, as `uuid.NewUUID` gives.
    public static func uuid() -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[6] = (bytes[6] & 0x0f) | 0x40
        bytes[8] = (bytes[8] & 0x3f) | 0x80
        let hex = bytes.map { byte -> String in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return hex[0..<4].joined() + "-" + hex[4..<6].joined() + "-" + hex[6..<8].joined() + "-"
            + hex[8..<10].joined() + "-" + hex[10..<16].joined()
    }

    /// Seconds since the Unix epoch, now.
    public static func nowSeconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }

    /// RFC 3339 UTC with second precision (`2024-12-11T17:59:15Z`), the format of `metav1.Time`.
    public static func timestamp(_ seconds: Int64 = nowSeconds()) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))Z"
    }

    /// Parses an RFC 3339 timestamp back to epoch seconds (fractions and offsets honoured); nil if malformed.
    public static func parseTimestamp(_ text: String) -> Int64? {
        MetaTimestamp(rfc3339: text)?.seconds
    }

    /// The alphabet of `k8s.io/apimachinery/pkg/util/rand` (no vowels, no confusable characters).
    static let nameAlphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    /// `generateName` plus 5 random characters, the prefix cut to 58 characters (`names/generate.go`).
    public static func generateName(prefix: String) -> String {
        let base = prefix.count > 58 ? String(prefix.prefix(58)) : prefix
        var generator = SystemRandomNumberGenerator()
        let suffix = String((0..<5).map { _ in nameAlphabet[Int.random(in: 0..<nameAlphabet.count, using: &generator)] })
        return base + suffix
    }
}
