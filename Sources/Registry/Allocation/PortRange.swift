/// A node-port range such as `30000-32767`, with the port allocator's band split
/// (`portallocator/allocator.go`: offset `min(max(16, size/32), 128)`, 86 for the default range).
struct PortRange: Sendable, CustomStringConvertible {
    let base: Int
    let size: Int
    let bandOffset: Int

    init?(_ text: String) {
        let parts = text.split(separator: "-").map { Int(String($0).trimmingWhitespace) }
        guard parts.count == 2, let low = parts[0], let high = parts[1], low >= 1, high <= 65535, low <= high else {
            return nil
        }
        base = low
        size = high - low + 1
        bandOffset = ServiceIPRange.bandOffset(size: UInt128(size), minimum: 16, step: 32, maximum: 128)
    }

    func contains(_ port: Int64) -> Bool { port >= Int64(base) && port < Int64(base + size) }

    var description: String { "\(base)-\(base + size - 1)" }
}

/// The load-balancer address pool: a CIDR or a `first-last` range, allocated lowest-first (as MetalLB does).
struct LoadBalancerPool: Sendable, CustomStringConvertible {
    let first: IPAddress
    let count: Int
    let text: String

    init?(_ text: String) {
        self.text = text
        if text.contains("/") {
            guard let cidr = CIDR(text), !cidr.network.isIPv6 || cidr.prefixLength >= 64 else { return nil }
            let size = cidr.size
            // Skip network and broadcast for IPv4 blocks larger than a /31.
            let skip: UInt128 = !cidr.network.isIPv6 && size > 2 ? 1 : 0
            first = cidr.network.adding(skip)
            count = Int(min(size - 2 * skip, 65_536))
        } else {
            let parts = text.split(separator: "-").map { IPAddress(String($0).trimmingWhitespace) }
            guard parts.count == 2, let low = parts[0], let high = parts[1], low.isIPv6 == high.isIPv6, low <= high,
                  high.value - low.value < 65_536 else { return nil }
            first = low
            count = Int(high.value - low.value) + 1
        }
    }

    func contains(_ address: IPAddress) -> Bool {
        address.isIPv6 == first.isIPv6 && address.value >= first.value && address.value - first.value < UInt128(count)
    }

    var description: String { text }
}
