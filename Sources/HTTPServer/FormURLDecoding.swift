/// Decodes the query part of a raw request target as `application/x-www-form-urlencoded`.
///
/// libmicrohttpd unescapes its own copy of the query without turning '+' into a space, so the server decodes
/// the raw target itself (Kubernetes clients send label selectors such as `app+in+(a,b)` both ways).
enum FormURLDecoding {
    /// Splits `query` (the bytes after '?') on '&' and decodes each `name=value` pair; a pair without '='
    /// has an empty value, empty pairs are skipped, malformed `%` escapes are kept literally.
    static func parameters(_ query: UnsafeRawBufferPointer) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        var start = 0
        let count = query.count
        while start <= count {
            var end = start
            while end < count && query[end] != UInt8(ascii: "&") { end += 1 }
            if end > start {
                var equals = start
                while equals < end && query[equals] != UInt8(ascii: "=") { equals += 1 }
                let name = decode(UnsafeRawBufferPointer(rebasing: query[start..<equals]))
                let value =
                    equals < end ? decode(UnsafeRawBufferPointer(rebasing: query[(equals + 1)..<end])) : ""
                result.append((name: name, value: value))
            }
            start = end + 1
        }
        return result
    }

    /// Percent-decodes a raw request path ('+' stays '+'). libmicrohttpd's own copy of the path is a C string, so an
    /// encoded NUL (`/services/a%00b`) would end it early — `/services/a`, or `/services/` and thus the whole
    /// collection; the server decodes such paths itself instead, keeping the NUL in the name.
    static func decodePath(_ path: UnsafeRawBufferPointer) -> String {
        decode(path, plusIsSpace: false)
    }

    /// Decodes one component: '+' becomes a space (unless `plusIsSpace` is false) and `%XX` the byte it names;
    /// invalid UTF-8 is repaired.
    static func decode(_ component: UnsafeRawBufferPointer, plusIsSpace: Bool = true) -> String {
        var needsDecoding = false
        for byte in component where byte == UInt8(ascii: "%") || (plusIsSpace && byte == UInt8(ascii: "+")) {
            needsDecoding = true
            break
        }
        if !needsDecoding {
            return String(decoding: component, as: UTF8.self)
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(component.count)
        var index = 0
        while index < component.count {
            let byte = component[index]
            if plusIsSpace && byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%"), index + 2 < component.count,
                let high = hexValue(component[index + 1]), let low = hexValue(component[index + 2])
            {
                bytes.append(high << 4 | low)
                index += 2
            } else {
                bytes.append(byte)
            }
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The value of one hexadecimal digit, or nil.
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
