import HTTPServer
import KubeAPI

/// Media-type checks of `handlers/negotiation/negotiate.go`, for the JSON this server speaks.
enum ContentNegotiation {
    /// Whether the `Accept` header allows a JSON response. An absent header does; `*/*`, `application/*` and
    /// `application/json` do, and so does a JSON `meta.k8s.io` Table range (resource GETs answer it with a Table,
    /// `TableNegotiation`); ranges asking for another representation (other `as=`, protobuf) do not by themselves.
    static func acceptsJSON(_ accept: String?) -> Bool {
        guard let accept, !accept.trimmingSpaces.isEmpty else { return true }
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { String($0).trimmingSpaces.lowercased() }
            guard let type = parts.first else { continue }
            let parameters = parts.dropFirst()
            if parameters.contains(where: { $0.hasPrefix("as=") }) {
                if TableNegotiation.MediaRange(String(range), order: 0)?.tableVersion != nil { return true }
                continue
            }
            if type == "*/*" || type == "application/*" || type == "application/json" { return true }
        }
        return false
    }

    /// The media type of a `Content-Type` header without parameters, lower-cased; empty when absent.
    static func mediaType(_ contentType: String?) -> String {
        guard let contentType else { return "" }
        let type = contentType.split(separator: ";", maxSplits: 1).first.map(String.init) ?? ""
        return type.trimmingSpaces.lowercased()
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var view = Substring(self)
        while let first = view.first, first == " " || first == "\t" { view.removeFirst() }
        while let last = view.last, last == " " || last == "\t" { view.removeLast() }
        return String(view)
    }
}
