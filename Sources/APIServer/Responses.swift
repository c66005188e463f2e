import HTTPServer
import JSON
import KubeAPI

/// Building HTTP responses out of API objects, Status errors and lists.
enum Responses {
    static let jsonContentType = "application/json"

    /// A JSON body; pretty-printed when the request asked for it.
    static func json(_ value: JSON, status: Int = 200, pretty: Bool, headers: [(name: String, value: String)] = []) -> HTTPReply {
        .buffered(HTTPResponse(status: status, headers: [("Content-Type", jsonContentType)] + headers,
                               body: value.serialized(pretty: pretty)))
    }

    /// Already-serialized JSON bytes (a stored object), re-indented only when pretty output is asked for.
    static func json(bytes: [UInt8], object: JSON, status: Int = 200, pretty: Bool,
                     headers: [(name: String, value: String)] = []) -> HTTPReply {
        .buffered(HTTPResponse(status: status, headers: [("Content-Type", jsonContentType)] + headers,
                               body: pretty ? object.serialized(pretty: true) : bytes))
    }

    /// A `Status` failure; its code is the HTTP status, and `Retry-After` accompanies `retryAfterSeconds`.
    static func error(_ error: StatusError, pretty: Bool = false) -> HTTPReply {
        var headers: [(name: String, value: String)] = [("Content-Type", jsonContentType)]
        if let retry = error.details?.retryAfterSeconds, retry > 0 { headers.append(("Retry-After", String(retry))) }
        return .buffered(HTTPResponse(status: error.code, headers: headers, body: error.statusObject.serialized(pretty: pretty)))
    }

    /// A plain-text body (health endpoints).
    static func text(_ text: String, status: Int = 200) -> HTTPReply {
        .buffered(HTTPResponse(status: status, headers: [("Content-Type", "text/plain; charset=utf-8"),
                                                         ("X-Content-Type-Options", "nosniff")],
                               body: Array(text.utf8)))
    }

    /// `Warning` headers in the RFC 7234 form kube-apiserver uses: `299 - "text"`.
    static func warningHeaders(_ warnings: [String]) -> [(name: String, value: String)] {
        warnings.map { ("Warning", "299 - " + GoValue.quote($0)) }
    }

    /// A list body assembled from the items' stored bytes: `{"kind":..,"apiVersion":..,"metadata":{..},"items":[..]}`.
    /// Items keep their own `kind`/`apiVersion`, which clients accept (reference §4.1).
    static func list(kind: String, apiVersion: String, items: [[UInt8]], itemObjects: () -> [JSON], resourceVersion: Int64,
                     continueToken: String?, remainingItemCount: Int?, pretty: Bool) -> HTTPReply {
        var metadata: JSONObject = ["resourceVersion": .string(String(resourceVersion))]
        if let continueToken { metadata["continue"] = .string(continueToken) }
        if let remainingItemCount { metadata["remainingItemCount"] = .int(Int64(remainingItemCount)) }
        if pretty {
            let value: JSON = ["kind": .string(kind), "apiVersion": .string(apiVersion), "metadata": .object(metadata),
                               "items": .array(itemObjects())]
            return json(value, pretty: true)
        }
        var body: [UInt8] = []
        body.reserveCapacity(items.reduce(128) { $0 + $1.count + 1 })
        body += Array("{\"kind\":".utf8)
        JSON.string(kind).serialize(into: &body, pretty: false)
        body += Array(",\"apiVersion\":".utf8)
        JSON.string(apiVersion).serialize(into: &body, pretty: false)
        body += Array(",\"metadata\":".utf8)
        JSON.object(metadata).serialize(into: &body, pretty: false)
        body += Array(",\"items\":[".utf8)
        for (index, item) in items.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body += item
        }
        body += Array("]}".utf8)
        return .buffered(HTTPResponse(status: 200, headers: [("Content-Type", jsonContentType)], body: body))
    }
}
