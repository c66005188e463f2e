/// The AGE of server-side printing: `k8s.io/apimachinery/pkg/util/duration.HumanDuration`, about two
/// significant figures (`59s`, `2m3s`, `10m`, `3h5m`, `10h`, `2d3h`, `3d`, `2y10d`), reference §10.2.
enum HumanDuration {
    static let nanosecondsPerSecond: Int64 = 1_000_000_000

    /// Formats an elapsed time in nanoseconds. A little negative (clock skew under 2 s) is `0s`; more is `<invalid>`.
    static func format(nanoseconds duration: Int64) -> String {
        // Go's `int(d.Seconds())` truncates toward zero, as Swift's integer division does.
        let seconds = duration / nanosecondsPerSecond
        if seconds < -1 { return "<invalid>" }
        if seconds < 0 { return "0s" }
        if seconds < 60 * 2 { return "\(seconds)s" }
        let minutes = seconds / 60
        if minutes < 10 {
            let rest = seconds % 60
            return rest == 0 ? "\(minutes)m" : "\(minutes)m\(rest)s"
        }
        if minutes < 60 * 3 { return "\(minutes)m" }
        let hours = minutes / 60
        if hours < 8 {
            let rest = minutes % 60
            return rest == 0 ? "\(hours)h" : "\(hours)h\(rest)m"
        }
        if hours < 48 { return "\(hours)h" }
        let days = hours / 24
        if hours < 24 * 8 {
            let rest = hours % 24
            return rest == 0 ? "\(days)d" : "\(days)d\(rest)h"
        }
        if hours < 24 * 365 * 2 { return "\(days)d" }
        let years = days / 365
        if hours < 24 * 365 * 8 {
            let rest = days % 365
            return rest == 0 ? "\(years)y" : "\(years)y\(rest)d"
        }
        return "\(years)y"
    }
}
