import JSON
import KubeAPI

/// The opaque `continue` token of a paginated list, in kube-apiserver's format: base64url (no padding)
/// of `{"v":"meta.k8s.io/v1","rv":<int64>,"start":"<next key>\u0000"}` (`apiserver/pkg/storage/continue.go`).
struct ContinueToken: Equatable {
    /// The resourceVersion of the first page: every page is a snapshot at it.
    let resourceVersion: Int64
    /// The last key returned; the next page starts after it.
    let lastKey: String

    func encoded() -> String {
        let document: JSON = ["v": "meta.k8s.io/v1", "rv": .int(resourceVersion), "start": .string(lastKey + "\u{0}")]
        return Base64URL.encode(document.serialized())
    }

    /// Decodes a token; 400 `continue key is not valid: ...` when malformed.
    static func decode(_ token: String) throws(StatusError) -> ContinueToken {
        guard let bytes = Base64URL.decode(token) else {
            throw .badRequest("continue key is not valid: illegal base64 data")
        }
        guard let document = try? JSON.parse(bytes), document["v"]?.stringValue == "meta.k8s.io/v1",
              let version = document["rv"]?.intValue, var start = document["start"]?.stringValue else {
            throw .badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        }
        if start.hasSuffix("\u{0}") { start.removeLast() }
        if version <= 0 { throw .badRequest("continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)") }
        return ContinueToken(resourceVersion: version, lastKey: start)
    }
}

/// RFC 4648 §5 base64url without padding.
enum Base64URL {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int(chunk >> UInt32(shift) & 63)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            var chunk = UInt32(bytes[index]) << 16
            if rest == 2 { chunk |= UInt32(bytes[index + 1]) << 8 }
            let shifts = rest == 1 ? [18, 12] : [18, 12, 6]
            for shift in shifts { out.append(alphabet[Int(chunk >> UInt32(shift) & 63)]) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func decode(_ text: String) -> [UInt8]? {
        var values: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): values.append(byte - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): values.append(byte - UInt8(ascii: "a") + 26)
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(byte - UInt8(ascii: "0") + 52)
            case UInt8(ascii: "-"), UInt8(ascii: "+"): values.append(62)
            case UInt8(ascii: "_"), UInt8(ascii: "/"): values.append(63)
            case UInt8(ascii: "="): continue
            default: return nil
            }
        }
        if values.count % 4 == 1 { return nil }
        var out: [UInt8] = []
        var index = 0
        while index < values.count {
            let count = min(4, values.count - index)
            var chunk: UInt32 = 0
            for offset in 0..<4 { chunk = chunk << 6 | (offset < count ? UInt32(values[index + offset]) : 0) }
            out.append(UInt8(chunk >> 16 & 0xff))
            if count > 2 { out.append(UInt8(chunk >> 8 & 0xff)) }
            if count > 3 { out.append(UInt8(chunk & 0xff)) }
            index += 4
        }
        return out
    }
}
