import HTTPServer

/// Entity tags and conditional GETs for the static documents (OpenAPI, aggregated discovery), which kubectl keeps in
/// its HTTP cache (`~/.kube/cache/http`, reference §2.4) and revalidates with `If-None-Match`.
enum EntityTag {
    /// A strong tag for `bytes`: quoted hex of their 64-bit FNV-1a hash. Stable across restarts, so a client's cache
    /// stays valid as long as the document does.
    static func of(_ bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16, uppercase: true)
        return "\"" + String(repeating: "0", count: 16 - hex.count) + hex + "\""
    }

    /// Whether an `If-None-Match` header names `tag` (or is `*`), weak comparison as RFC 9110 §13.1.2 asks.
    static func matches(_ ifNoneMatch: String?, _ tag: String) -> Bool {
        guard let ifNoneMatch else { return false }
        for candidate in ifNoneMatch.split(separator: ",") {
            var value = candidate.trimmingCharacters()
            if value == "*" { return true }
            if value.hasPrefix("W/") { value.removeFirst(2) }
            if value == tag { return true }
        }
        return false
    }

    /// 200 with `body`, or 304 without one when the client already holds it. Both carry the tag and `headers`.
    static func reply(_ request: HTTPRequest, body: [UInt8], tag: String, contentType: String,
                      headers: [(name: String, value: String)]) -> HTTPReply {
        let common = [("ETag", tag)] + headers
        if matches(request.header("if-none-match"), tag) {
            return .buffered(HTTPResponse(status: 304, headers: common))
        }
        return .buffered(HTTPResponse(status: 200, headers: [("Content-Type", contentType)] + common, body: body))
    }
}

extension Substring {
    /// Without leading and trailing spaces and tabs.
    fileprivate func trimmingCharacters() -> Substring {
        var view = self
        while let first = view.first, first == " " || first == "\t" { view.removeFirst() }
        while let last = view.last, last == " " || last == "\t" { view.removeLast() }
        return view
    }
}
