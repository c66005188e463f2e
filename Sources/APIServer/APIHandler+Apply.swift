import HTTPServer
import JSON
import KubeAPI
import Registry

extension APIHandler {
    /// `PatchOptions` checks of an apply patch (`ValidatePatchOptions`): `fieldManager` must be given (the User-Agent
    /// default does not count), and `force` is allowed.
    static func checkApplyOptions(_ request: HTTPRequest, _ options: inout WriteOptions) throws(StatusError) {
        if (request.queryValue("fieldManager") ?? "").isEmpty {
            throw .invalid(kind: "PatchOptions", group: "meta.k8s.io", name: "",
                           errors: [.required("fieldManager", "is required for apply patch")])
        }
        options.force = QueryValue.bool(request.queryValue("force"))
    }

    /// Decodes the body of an apply patch (`application/apply-patch+yaml`: YAML or JSON). kubectl sends JSON
    /// (reference §18.1), so JSON is tried first (it reports duplicate keys); anything else is read as YAML with
    /// the same YAML 1.1 rules as YAML request bodies.
    static func parseApplyBody(_ body: [UInt8], duplicateKeys: inout [String]) throws -> JSON {
        do {
            return try JSON.parse(body, duplicateKeys: &duplicateKeys)
        } catch {
            return try YAMLConversion.json(fromYAML: body)
        }
    }
}
