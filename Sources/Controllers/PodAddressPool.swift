/// Pod IPs from `--pod-cidr` (IPv4), handed out lowest-free-first among live Pods.
struct PodAddressPool: Sendable {
    let base: UInt32
    let count: UInt32

    init?(cidr: String) {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]), prefix >= 8, prefix <= 30 else { return nil }
        let octets = parts[0].split(separator: ".").compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 < 256 }) else { return nil }
        let address = octets.reduce(0) { $0 << 8 | $1 }
        let mask: UInt32 = prefix == 0 ? 0 : ~((1 << UInt32(32 - prefix)) - 1)
        base = address & mask
        count = (1 << UInt32(32 - prefix)) - 2  // without network and broadcast
    }

    static func format(_ value: UInt32) -> String {
        "\(value >> 24 & 255).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
    }

    /// The first address not in `used`, scanning forward from just after offset `cursor` and wrapping (so a
    /// burst of starts does not rescan every address already handed out); returns it with its offset.
    func next(excluding used: Set<String>, after cursor: UInt32 = 0) -> (ip: String, offset: UInt32)? {
        guard count > 0 else { return nil }
        for step in 0..<count {
            let offset = (cursor + step) % count + 1
            let candidate = Self.format(base + offset)
            if !used.contains(candidate) { return (candidate, offset) }
        }
        return nil
    }
}
