/// One service cluster IP range with kube-apiserver's bitmap semantics (`ipallocator/bitmap.go`): offsets
/// count from network+1; IPv4 excludes the network and broadcast addresses; IPv6 excludes the network address
/// and is capped at 65,536 addresses; dynamic allocation prefers the upper band above `bandOffset` (KEP-3070).
struct ServiceIPRange: Sendable, CustomStringConvertible {
    let cidr: CIDR
    /// Number of allocatable addresses.
    let count: Int
    /// Size of the lower (static) band, `min(max(16, size/16), 256)`, 0 for blocks of 16 addresses or fewer.
    let bandOffset: Int

    init?(_ text: String) {
        guard let cidr = CIDR(text) else { return nil }
        self.cidr = cidr
        let size = cidr.size
        // `NewCIDRRange`: IPv6 bitmaps are capped at 65,536 addresses before the network address is taken off.
        let usable: UInt128 = cidr.network.isIPv6 ? min(size, 65_536) - 1 : (size >= 2 ? size - 2 : 0)
        count = Int(usable)
        bandOffset = Self.bandOffset(size: size, minimum: 16, step: 16, maximum: 256)
    }

    /// `calculateRangeOffset`: `min(max(minimum, size/step), maximum)`, 0 for tiny ranges.
    static func bandOffset(size: UInt128, minimum: Int, step: Int, maximum: Int) -> Int {
        if size <= UInt128(minimum) { return 0 }
        return Int(min(max(UInt128(minimum), size / UInt128(step)), UInt128(maximum)))
    }

    var family: String { cidr.network.family }
    var description: String { cidr.description }

    /// The address at `offset` (0 = network + 1).
    func address(at offset: Int) -> IPAddress { cidr.network.adding(UInt128(offset) + 1) }

    /// The offset of `address`, or nil when it is not allocatable in this range.
    func offset(of address: IPAddress) -> Int? {
        guard cidr.contains(address), address.value > cidr.network.value else { return nil }
        let offset = address.value - cidr.network.value - 1
        return offset < UInt128(count) ? Int(offset) : nil
    }
}

/// The dynamic allocation order of `randomScanStrategyWithOffset` (`allocator/bitmap.go`): from a random
/// start, forward through the upper band with wrap-around, then the same through the lower band.
struct RandomScanOrder: Sendable {
    let count: Int
    let bandOffset: Int
    let upperStart: Int
    let lowerStart: Int

    init(count: Int, bandOffset: Int) {
        self.count = count
        self.bandOffset = min(bandOffset, count)
        let upper = count - self.bandOffset
        upperStart = upper > 0 ? Int.random(in: 0..<upper) : 0
        lowerStart = self.bandOffset > 0 ? Int.random(in: 0..<self.bandOffset) : 0
    }

    /// The `index`-th candidate offset, for `index` in `0..<count`.
    func offset(_ index: Int) -> Int {
        let upper = count - bandOffset
        if index < upper { return bandOffset + (upperStart + index) % upper }
        return (lowerStart + index - upper) % bandOffset
    }
}
