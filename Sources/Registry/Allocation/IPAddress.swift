import KubeAPI

/// An IPv4 or IPv6 address as a 128-bit number, for range arithmetic (IPv4 uses the low 32 bits).
struct IPAddress: Hashable, Comparable, CustomStringConvertible, Sendable {
    let value: UInt128
    let isIPv6: Bool

    init(value: UInt128, isIPv6: Bool) {
        self.value = value
        self.isIPv6 = isIPv6
    }

    /// Parses dotted IPv4 or RFC 4291 IPv6 text (IPv4-mapped IPv6 counts as IPv4, as Go's net package does).
    init?(_ text: String) {
        guard let bytes = NameValidation.parseIPSloppy(text), bytes.count == 16 else { return nil }
        let v4 = NameValidation.isIPv4(bytes)
        var number: UInt128 = 0
        for byte in v4 ? Array(bytes[12...]) : bytes { number = number << 8 | UInt128(byte) }
        self.init(value: number, isIPv6: !v4)
    }

    /// `IPv4` or `IPv6`, as `spec.ipFamilies` spells them.
    var family: String { isIPv6 ? "IPv6" : "IPv4" }

    static func < (lhs: IPAddress, rhs: IPAddress) -> Bool { lhs.value < rhs.value }

    func adding(_ offset: UInt128) -> IPAddress { IPAddress(value: value &+ offset, isIPv6: isIPv6) }

    /// Dotted quad, or RFC 5952 text (lower case, longest run of zero groups compressed).
    var description: String {
        if !isIPv6 {
            return (0..<4).map { String((value >> UInt128(24 - 8 * $0)) & 0xff) }.joined(separator: ".")
        }
        let groups = (0..<8).map { Int((value >> UInt128(112 - 16 * $0)) & 0xffff) }
        var bestStart = -1
        var bestLength = 0
        var index = 0
        while index < 8 {
            if groups[index] == 0 {
                var end = index
                while end < 8, groups[end] == 0 { end += 1 }
                if end - index > bestLength, end - index >= 2 { bestStart = index; bestLength = end - index }
                index = end
            } else {
                index += 1
            }
        }
        func hex(_ range: Range<Int>) -> String { range.map { String(groups[$0], radix: 16) }.joined(separator: ":") }
        if bestStart < 0 { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }
}

/// A CIDR block such as `10.96.0.0/12`.
struct CIDR: Hashable, CustomStringConvertible, Sendable {
    let network: IPAddress
    let prefixLength: Int

    init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let address = IPAddress(String(parts[0])), let prefix = Int(parts[1]) else { return nil }
        let bits = address.isIPv6 ? 128 : 32
        guard prefix >= 0, prefix <= bits else { return nil }
        let hostBits = bits - prefix
        let mask: UInt128 = hostBits == 128 ? 0 : ~((UInt128(1) << UInt128(hostBits)) - 1)
        let familyMask: UInt128 = address.isIPv6 ? ~0 : 0xffff_ffff
        network = IPAddress(value: address.value & mask & familyMask, isIPv6: address.isIPv6)
        prefixLength = prefix
    }

    /// Number of addresses in the block.
    var size: UInt128 {
        let hostBits = (network.isIPv6 ? 128 : 32) - prefixLength
        return hostBits >= 128 ? UInt128.max : UInt128(1) << UInt128(hostBits)
    }

    func contains(_ address: IPAddress) -> Bool {
        address.isIPv6 == network.isIPv6 && address.value >= network.value && address.value - network.value < size
    }

    var description: String { "\(network)/\(prefixLength)" }
}
