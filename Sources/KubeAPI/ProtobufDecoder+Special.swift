import JSON

extension ProtobufDecoder {
    /// The JSON form of an apimachinery type whose Go `MarshalJSON` differs from its message; nil means the Go value
    /// marshals to `null` (a zero `Time`, an empty `RawExtension`), which is left out.
    static func special(
        _ type: ProtobufValueType, _ payload: ProtobufWireReader, field: String
    ) throws(ProtobufDecodingError) -> JSON? {
        let fields = try scalarFields(payload, field: field)
        switch type {
        case .intOrString:
            // intstr.IntOrString: type 1 is a string, anything else an int32 (`intstr.go`).
            if fields.varints[1] == 1 { return .string(try fields.string(3, field: field)) }
            return .int(Int64(Int32(truncatingIfNeeded: fields.varints[2] ?? 0)))
        case .quantity:
            return .string(try fields.string(1, field: field))
        case .time, .microTime:
            // `time_proto.go`: an empty message is the zero Time, which marshals to null; Time keeps seconds only.
            guard payload.end > payload.index else { return nil }
            let seconds = Int64(bitPattern: fields.varints[1] ?? 0)
            let nanos = Int64(Int32(truncatingIfNeeded: fields.varints[2] ?? 0))
            return .string(RFC3339.format(seconds: seconds, micros: type == .microTime ? nanos / 1000 : nil))
        case .rawJSON:
            guard let range = fields.ranges[1], !range.isEmpty else { return nil }
            do {
                return try JSON.parse(Array(payload.bytes[range]))
            } catch {
                throw .invalidEmbeddedJSON(field: field)
            }
        case .duration:
            return .string(GoDuration.format(Int64(bitPattern: fields.varints[1] ?? 0)))
        default:
            return nil
        }
    }

    /// The varint and length-delimited fields of a small message, by number (last occurrence wins).
    private struct ScalarFields {
        var bytes: [UInt8]
        var varints: [Int: UInt64] = [:]
        var ranges: [Int: Range<Int>] = [:]

        func string(_ number: Int, field: String) throws(ProtobufDecodingError) -> String {
            guard let range = ranges[number] else { return "" }
            return try ProtobufDecoder.string(bytes, range, field: field)
        }
    }

    private static func scalarFields(
        _ payload: ProtobufWireReader, field: String
    ) throws(ProtobufDecodingError) -> ScalarFields {
        var reader = payload
        var fields = ScalarFields(bytes: payload.bytes)
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            switch wireType {
            case ProtobufWireReader.varint: fields.varints[number] = try reader.readVarint()
            case ProtobufWireReader.lengthDelimited: fields.ranges[number] = try reader.readLengthDelimited()
            default: try reader.skip(wireType: wireType)
            }
        }
        return fields
    }
}

/// RFC 3339 in UTC as `metav1.Time` (`2006-01-02T15:04:05Z`) and `metav1.MicroTime`
/// (`2006-01-02T15:04:05.000000Z`) marshal it.
enum RFC3339 {
    static func format(seconds: Int64, micros: Int64?) -> String {
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        let (year, month, day) = civil(days)
        var text = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T"
        text += "\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
        if let micros { text += "." + pad(max(0, micros), 6) }
        return text + "Z"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    /// Howard Hinnant's `civil_from_days`.
    private static func civil(_ days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Go's `time.Duration.String()`: `1h2m3.5s`, `1.5ms`, `0s`.
enum GoDuration {
    static func format(_ nanoseconds: Int64) -> String {
        if nanoseconds == 0 { return "0s" }
        let sign = nanoseconds < 0 ? "-" : ""
        let value = nanoseconds.magnitude
        if value < 1_000 { return "\(sign)\(value)ns" }
        if value < 1_000_000 { return sign + decimal(value, unit: 1_000) + "µs" }
        if value < 1_000_000_000 { return sign + decimal(value, unit: 1_000_000) + "ms" }
        let hours = value / 3_600_000_000_000
        let minutes = value / 60_000_000_000 % 60
        var text = sign
        if hours > 0 { text += "\(hours)h" }
        if hours > 0 || minutes > 0 { text += "\(minutes)m" }
        return text + decimal(value % 60_000_000_000, unit: 1_000_000_000) + "s"
    }

    private static func decimal(_ value: UInt64, unit: UInt64) -> String {
        var fraction = String(value % unit)
        let width = String(unit).count - 1
        fraction = String(repeating: "0", count: width - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(value / unit)" + (fraction.isEmpty ? "" : "." + fraction)
    }
}

/// Standard base64 with padding, as Go's `encoding/json` writes `[]byte`.
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: ArraySlice<UInt8>) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let count = min(3, bytes.endIndex - index)
            var chunk: UInt32 = 0
            for offset in 0..<3 { chunk = chunk << 8 | UInt32(offset < count ? bytes[index + offset] : 0) }
            for position in 0..<4 {
                let sextet = Int(chunk >> UInt32(18 - 6 * position) & 0x3f)
                output.append(position <= count ? alphabet[sextet] : UInt8(ascii: "="))
            }
            index += count
        }
        return String(decoding: output, as: UTF8.self)
    }
}
