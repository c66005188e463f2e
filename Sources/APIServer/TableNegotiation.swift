import HTTPServer
import KubeAPI

/// Whether a request asks for server-side printing (reference §4.2): an `Accept` range
/// `application/json;as=Table;v=v1;g=meta.k8s.io` (or `v=v1beta1`) that wins over plain JSON, as
/// `handlers/negotiation/negotiate.go` chooses: the highest `q` first, then the order the client listed them.
enum TableNegotiation {
    /// The Table group versions this server converts to (`AllowsMediaTypeTransform`).
    static let versions = ["v1", "v1beta1"]

    /// The Table the request asks for, or nil when it asks for the object itself.
    /// 400 for an `includeObject` other than `None`, `Metadata` or `Object` (only checked for Tables, as upstream).
    static func tableRequest(_ request: HTTPRequest) throws(StatusError) -> TableRequest? {
        guard let version = tableVersion(accept: request.header("accept")) else { return nil }
        let value = request.queryValue("includeObject") ?? ""
        guard let include = TableRequest.IncludeObject(rawValue: value.isEmpty ? "Metadata" : value) else {
            throw .badRequest("unrecognized includeObject value: \(GoValue.quote(value))")
        }
        return TableRequest(version: version, includeObject: include)
    }

    /// The Table version (`v1` or `v1beta1`) of the preferred acceptable range, or nil when plain JSON comes first.
    static func tableVersion(accept: String?) -> String? {
        guard let accept else { return nil }
        let ranges = accept.split(separator: ",").enumerated()
            .compactMap { MediaRange(String($0.element), order: $0.offset) }
            .filter { $0.quality > 0 }
            .sorted { $0.quality != $1.quality ? $0.quality > $1.quality : $0.order < $1.order }
        for range in ranges {
            if let version = range.tableVersion { return version }
            if range.isJSON && range.parameters["as"] == nil { return nil }
        }
        return nil
    }

    /// One `type/subtype;key=value` entry of an `Accept` header.
    struct MediaRange {
        let type: String
        let parameters: [String: String]
        let quality: Double
        let order: Int

        init?(_ text: String, order: Int) {
            let parts = text.split(separator: ";").map { String($0).trimmingSpaces }
            guard let type = parts.first, !type.isEmpty else { return nil }
            self.type = type.lowercased()
            var parameters: [String: String] = [:]
            for part in parts.dropFirst() {
                let pair = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingSpaces }
                guard pair.count == 2 else { continue }
                // Parameter names are case-insensitive (`mime.ParseMediaType`); values keep their case.
                parameters[pair[0].lowercased()] = pair[1]
            }
            self.parameters = parameters
            self.quality = parameters["q"].flatMap(Double.init) ?? 1
            self.order = order
        }

        /// Whether the range matches `application/json`.
        var isJSON: Bool { type == "application/json" || type == "application/*" || type == "*/*" }

        /// The Table version when this range asks for a `meta.k8s.io` Table in JSON.
        var tableVersion: String? {
            guard isJSON, parameters["as"] == "Table", parameters["g"] == "meta.k8s.io",
                let version = parameters["v"], TableNegotiation.versions.contains(version)
            else { return nil }
            return version
        }
    }
}

/// A negotiated Table response: its `meta.k8s.io` version and what each row carries as `object`.
struct TableRequest: Sendable, Equatable {
    /// `TableOptions.includeObject`.
    enum IncludeObject: String, Sendable {
        /// No object (`"object":null`).
        case none = "None"
        /// `PartialObjectMetadata` (the default): kubectl reads namespace and labels from it (`-A`, `--show-labels`).
        case metadata = "Metadata"
        /// The whole object (kubectl asks for it with `--sort-by`).
        case object = "Object"
    }

    let version: String
    let includeObject: IncludeObject

    /// `meta.k8s.io/v1`: the Table's and the PartialObjectMetadata's `apiVersion`.
    var apiVersion: String { "meta.k8s.io/" + version }

    /// `generateMediaTypeWithGVK`: `application/json;g=meta.k8s.io;v=v1;as=Table`.
    var contentType: String { "application/json;g=meta.k8s.io;v=\(version);as=Table" }
}
