import HTTPServer
import JSON
import KubeAPI

/// `Accept: application/yaml` on reads: the JSON reply re-encoded as YAML with `Content-Type: application/yaml`.
enum YAMLResponse {
    static let contentType = "application/yaml"

    /// Whether the first media range of `Accept` that this server can answer is YAML (so `application/yaml,
    /// application/json` gets YAML and `application/json, application/yaml` JSON).
    static func preferred(_ accept: String?) -> Bool {
        guard let accept else { return false }
        for range in accept.split(separator: ",") {
            let parts = range.split(separator: ";").map { String($0).trimmingSpaces.lowercased() }
            guard let type = parts.first else { continue }
            if type == "application/yaml" { return !parts.dropFirst().contains(where: { $0.hasPrefix("as=") }) }
            if ContentNegotiation.acceptsJSON(String(range)) { return false }
        }
        return false
    }

    /// The reply with its JSON body as YAML; other replies (streams, non-JSON) unchanged.
    static func convert(_ reply: HTTPReply) -> HTTPReply {
        guard case .buffered(var response) = reply,
            response.headers.contains(where: { $0.name == "Content-Type" && $0.value.hasPrefix("application/json") }),
            let value = try? JSON.parse(response.body)
        else { return reply }
        response.body = YAMLConversion.yaml(fromJSON: value)
        response.headers = response.headers.map { $0.name == "Content-Type" ? ("Content-Type", contentType) : $0 }
        return .buffered(response)
    }
}
