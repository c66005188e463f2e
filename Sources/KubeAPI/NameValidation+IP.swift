extension NameValidation {
    /// `IsValidIP` (1.32 `util/validation/validation.go`): the message every IP field uses for an unparsable address.
    public static let invalidIPMessage = "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"

    /// `IsValidIP`: anything `netutils.ParseIPSloppy` accepts (IPv4 with leading zeros, IPv6 without zone).
    public static func isValidIP(_ value: String) -> [String] {
        parseIPSloppy(value) == nil ? [invalidIPMessage] : []
    }

    /// `IsValidIPv4Address`: parses and is IPv4 (including the IPv4-mapped IPv6 form, as Go's `To4` allows).
    public static func isValidIPv4Address(_ value: String) -> [String] {
        guard let ip = parseIPSloppy(value), isIPv4(ip) else { return ["must be a valid IPv4 address"] }
        return []
    }

    /// `IsValidIPv6Address`: parses and is not IPv4.
    public static func isValidIPv6Address(_ value: String) -> [String] {
        guard let ip = parseIPSloppy(value), !isIPv4(ip) else { return ["must be a valid IPv6 address"] }
        return []
    }

    /// Whether a 16-byte address from `parseIPSloppy` is an IPv4 (v4-in-v6 `::ffff:a.b.c.d`) address (Go's `To4`).
    public static func isIPv4(_ ip: [UInt8]) -> Bool {
        ip.count == 16 && ip[0..<10].allSatisfy { $0 == 0 } && ip[10] == 0xff && ip[11] == 0xff
    }

    /// `k8s.io/utils/net.ParseIPSloppy` (Go 1.16's `net.ParseIP`): the address as 16 bytes, IPv4 mapped into IPv6,
    /// or nil. Unlike current Go it accepts IPv4 octets with leading zeros (`010.0.0.1` is `10.0.0.1`).
    public static func parseIPSloppy(_ text: String) -> [UInt8]? {
        let bytes = Array(text.utf8)
        for byte in bytes {
            if byte == UInt8(ascii: ".") { return parseIPv4(bytes[...]).map(v4InV6) }
            if byte == UInt8(ascii: ":") { return parseIPv6(bytes[...]) }
        }
        return nil
    }

    private static func v4InV6(_ v4: [UInt8]) -> [UInt8] {
        [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff] + v4
    }

    /// Go's `big`: the digit scanners give up at this value.
    private static let big = 0xFFFFFF

    /// Decimal prefix: (value, digits consumed), nil when no digit or too big (`dtoi`).
    private static func decimalPrefix(_ s: ArraySlice<UInt8>) -> (Int, Int)? {
        var value = 0
        var count = 0
        for byte in s {
            guard isDigit(byte) else { break }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
            count += 1
            if value >= big { return nil }
        }
        return count == 0 ? nil : (value, count)
    }

    /// Hexadecimal prefix (`xtoi`).
    private static func hexPrefix(_ s: ArraySlice<UInt8>) -> (Int, Int)? {
        var value = 0
        var count = 0
        for byte in s {
            let digit: Int
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = Int(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = Int(byte - UInt8(ascii: "a")) + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = Int(byte - UInt8(ascii: "A")) + 10
            default: return count == 0 ? nil : (value, count)
            }
            value = value * 16 + digit
            count += 1
            if value >= big { return nil }
        }
        return count == 0 ? nil : (value, count)
    }

    /// Four dotted decimal octets, nothing after (`parseIPv4`); 4 bytes.
    private static func parseIPv4(_ input: ArraySlice<UInt8>) -> [UInt8]? {
        var s = input
        var out: [UInt8] = []
        for index in 0..<4 {
            if s.isEmpty { return nil }
            if index > 0 {
                guard s.first == UInt8(ascii: ".") else { return nil }
                s = s.dropFirst()
            }
            guard let (value, count) = decimalPrefix(s), value <= 0xFF else { return nil }
            s = s.dropFirst(count)
            out.append(UInt8(value))
        }
        return s.isEmpty ? out : nil
    }

    /// Colon-hex groups with at most one `::` and an optional trailing dotted IPv4 (`parseIPv6`); 16 bytes.
    private static func parseIPv6(_ input: ArraySlice<UInt8>) -> [UInt8]? {
        var s = input
        var ip = [UInt8](repeating: 0, count: 16)
        var ellipsis = -1
        let colon = UInt8(ascii: ":")
        if s.count >= 2, s.first == colon, s.dropFirst().first == colon {
            ellipsis = 0
            s = s.dropFirst(2)
            if s.isEmpty { return ip }
        }
        var i = 0
        while i < 16 {
            guard let (value, count) = hexPrefix(s), value <= 0xFFFF else { return nil }
            if count < s.count, s[s.startIndex + count] == UInt8(ascii: ".") {
                if ellipsis < 0 && i != 12 { return nil }
                if i + 4 > 16 { return nil }
                guard let v4 = parseIPv4(s) else { return nil }
                ip.replaceSubrange(i..<(i + 4), with: v4)
                s = s.suffix(0)
                i += 4
                break
            }
            ip[i] = UInt8(value >> 8)
            ip[i + 1] = UInt8(value & 0xff)
            i += 2
            s = s.dropFirst(count)
            if s.isEmpty { break }
            if s.first != colon || s.count == 1 { return nil }
            s = s.dropFirst()
            if s.first == colon {
                if ellipsis >= 0 { return nil }
                ellipsis = i
                s = s.dropFirst()
                if s.isEmpty { break }
            }
        }
        if !s.isEmpty { return nil }
        if i < 16 {
            if ellipsis < 0 { return nil }
            let shift = 16 - i
            var expanded = [UInt8](repeating: 0, count: 16)
            for j in 0..<ellipsis { expanded[j] = ip[j] }
            for j in ellipsis..<i { expanded[j + shift] = ip[j] }
            return expanded
        } else if ellipsis >= 0 {
            return nil
        }
        return ip
    }
}
