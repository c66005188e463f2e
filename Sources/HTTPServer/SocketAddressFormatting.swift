#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Renders a peer address as "ip:port" ("[ip]:port" for IPv6), like Go's `RemoteAddr`.
///
/// IPv4 is formatted by hand: `snprintf` showed up at ~3% of a trivial request's CPU time.
enum SocketAddressFormatting {
    /// The text form of `address` (a `sockaddr_in` or `sockaddr_in6`), or "" for anything else.
    static func describe(_ address: UnsafePointer<sockaddr>?) -> String {
        guard let address else { return "" }
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4($0.pointee) }
        case AF_INET6:
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { ipv6($0.pointee) }
        default:
            return ""
        }
    }

    private static func ipv4(_ address: sockaddr_in) -> String {
        let ip = UInt32(bigEndian: address.sin_addr.s_addr)
        let port = UInt16(bigEndian: address.sin_port)
        return String(unsafeUninitializedCapacity: 21) { buffer in
            var index = 0
            for shift in stride(from: 24, through: 0, by: -8) {
                index = appendDecimal(Int((ip >> UInt32(shift)) & 0xFF), to: buffer, at: index)
                buffer[index] = shift == 0 ? UInt8(ascii: ":") : UInt8(ascii: ".")
                index += 1
            }
            return appendDecimal(Int(port), to: buffer, at: index)
        }
    }

    private static func ipv6(_ address: sockaddr_in6) -> String {
        var address = address
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address.sin6_addr, &text, socklen_t(text.count)) != nil else { return "" }
        let host = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return "[\(host)]:\(UInt16(bigEndian: address.sin6_port))"
    }

    /// Writes `value` (0...65535) in decimal at `index`; returns the index after it.
    private static func appendDecimal(_ value: Int, to buffer: UnsafeMutableBufferPointer<UInt8>, at index: Int) -> Int {
        var digits = 1
        var limit = 10
        while value >= limit && digits < 5 {
            digits += 1
            limit *= 10
        }
        var remaining = value
        for position in stride(from: index + digits - 1, through: index, by: -1) {
            buffer[position] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        return index + digits
    }
}
