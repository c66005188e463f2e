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
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes[4] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T") else { return nil }
        func number(_ range: Range<Int>) -> Int32? {
            var value: Int32 = 0
            for index in range {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                value = value * 10 + Int32(digit)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        var seconds = Int64(timegm(&parts))
        var index = 19
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
        }
        guard index < bytes.count else { return nil }
        if bytes[index] == UInt8(ascii: "Z") || bytes[index] == UInt8(ascii: "z") { return seconds }
        guard bytes.count >= index + 6, let offsetHours = number(index + 1..<index + 3),
              let offsetMinutes = number(index + 4..<index + 6) else { return nil }
        let offset = Int64(offsetHours) * 3600 + Int64(offsetMinutes) * 60
        seconds += bytes[index] == UInt8(ascii: "+") ? -offset : offset
        return seconds
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
