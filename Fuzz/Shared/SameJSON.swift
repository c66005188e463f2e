// Shared by the fuzz targets (scripts/fuzz.sh compiles this folder into each of them).
import JSON

/// Equality of JSON values as numbers, not as Swift cases: a double with an integral value (`1.0`, `9.2e16`)
/// serializes as Go does, without fraction or exponent (`1`, `92233720368547760`), and so parses back as `.int`.
/// That is the same JSON number; anything else must round-trip exactly.
func sameJSON(_ a: JSON, _ b: JSON) -> Bool {
    switch (a, b) {
    case (.int(let x), .double(let y)), (.double(let y), .int(let x)):
        return Double(x) == y
    case (.array(let x), .array(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { sameJSON($0, $1) }
    case (.object(let x), .object(let y)):
        return x.count == y.count && zip(x, y).allSatisfy { $0.key == $1.key && sameJSON($0.value, $1.value) }
    default:
        return a == b
    }
}
