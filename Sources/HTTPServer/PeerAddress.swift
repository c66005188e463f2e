#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The client end of a connection, kept raw and rendered as "ip:port" ("[ip]:port" for IPv6) only when asked.
///
/// Formatting on every request cost more than the rest of the request bookkeeping (`snprintf` alone was ~3%
/// of a trivial request's CPU time), and most handlers never look at it.
enum PeerAddress: Sendable {
    /// An already formatted address (IPv6, or given by a caller).
    case text(String)
    /// An IPv4 address and port in host byte order.
    case ipv4(address: UInt32, port: UInt16)

    /// Reads a `sockaddr_in` or `sockaddr_in6`; anything else (or nil) is "".
    init(_ address: UnsafePointer<sockaddr>?) {
        guard let address else {
            self = .text("")
            return
        }
        switch Int32(address.pointee.sa_family) {
        case AF_INET:
            let v4 = UnsafeRawPointer(address).load(as: sockaddr_in.self)
            self = .ipv4(address: UInt32(bigEndian: v4.sin_addr.s_addr), port: UInt16(bigEndian: v4.sin_port))
        case AF_INET6:
            self = .text(Self.describe(UnsafeRawPointer(address).load(as: sockaddr_in6.self)))
        default:
            self = .text("")
        }
    }

    /// "ip:port", "[ip]:port", or "".
    var description: String {
        switch self {
        case .text(let text):
            return text
        case .ipv4(let address, let port):
            let octets = (0..<4).map { String((address >> UInt32(24 - 8 * $0)) & 0xFF) }
            return octets.joined(separator: ".") + ":" + String(port)
        }
    }

    private static func describe(_ address: sockaddr_in6) -> String {
        var address = address
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &address.sin6_addr, &text, socklen_t(text.count)) != nil else { return "" }
        let host = text.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return "[\(host)]:\(UInt16(bigEndian: address.sin6_port))"
    }
}
