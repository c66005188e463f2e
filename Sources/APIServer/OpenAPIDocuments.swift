import JSON

/// The OpenAPI v3 documents `/openapi/v3` serves (reference §3.2), from the files embedded by
/// `scripts/embed-openapi.sh` (`EmbeddedOpenAPI.swift`, generated from `openapi/v3/` by `scripts/gen-openapi.py`).
///
/// Built on first use, not at startup: only kubectl's validating commands, `explain` and client-side apply read them.
struct OpenAPIDocuments: Sendable {
    /// One served document.
    struct Document: Sendable {
        let bytes: [UInt8]
        /// The `hash` query value the index advertises: upper-case hex SHA-512 of `bytes` (kube-openapi `handler3`),
        /// computed by the generator.
        let hash: String
        /// The `ETag`: the quoted hash, as kube-apiserver sends it.
        var entityTag: String { "\"\(hash)\"" }
    }

    /// `/openapi/v3`: `{"paths":{"api/v1":{"serverRelativeURL":"/openapi/v3/api/v1?hash=…"},…}}`.
    let index: [UInt8]
    let indexTag: String
    /// Documents by index key (`api/v1`, `apis/discovery.k8s.io/v1`).
    let documents: [String: Document]

    /// The embedded documents, parsed once.
    static let embedded = OpenAPIDocuments(files: EmbeddedOpenAPI.files)

    /// Builds the set from the `openapi/v3/` files by name: `index.json`, and each document under the name the index
    /// key maps to (`api/v1` → `api__v1_openapi.json`). A key without its file is left out.
    init(files: [String: String]) {
        let indexText = files["index.json"] ?? #"{"paths":{}}"#
        index = Array(indexText.utf8)
        indexTag = EntityTag.of(index)
        var documents: [String: Document] = [:]
        let paths = (try? JSON.parse(indexText))?["paths"]?.objectValue ?? JSONObject()
        for (key, entry) in paths {
            let url = entry["serverRelativeURL"]?.stringValue ?? ""
            let fileName = key.split(separator: "/", omittingEmptySubsequences: false).joined(separator: "__")
            guard let query = url.split(separator: "?", maxSplits: 1).dropFirst().first, query.hasPrefix("hash="),
                let text = files[fileName + "_openapi.json"]
            else { continue }
            documents[key] = Document(bytes: Array(text.utf8), hash: String(query.dropFirst("hash=".count)))
        }
        self.documents = documents
    }
}
