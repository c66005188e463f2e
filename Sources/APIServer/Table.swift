import HTTPServer
import JSON
import KubeAPI
import Store

/// A `meta.k8s.io` Table built from stored objects (reference §10.1): the kind's column definitions, one row
/// of cells per object, and each row's `object` as `includeObject` asks (`handlers/response.go` `asTable`).
struct Table: Sendable {
    let printer: TablePrinter
    let request: TableRequest

    /// The Table of a list page; its metadata mirrors the list's (`resourceVersion`, `continue`, `remainingItemCount`).
    func list(_ objects: [StoredObject], resourceVersion: Int64, continueToken: String?, remainingItemCount: Int?,
              now: Int64 = TableTimestamp.now()) -> JSON {
        var metadata: JSONObject = ["resourceVersion": .string(String(resourceVersion))]
        if let continueToken { metadata["continue"] = .string(continueToken) }
        if let remainingItemCount { metadata["remainingItemCount"] = .int(Int64(remainingItemCount)) }
        return table(metadata: metadata, rows: objects.map { row($0.object, now: now) }, headers: true)
    }

    /// The one-row Table of a single object (a GET, or one watch event); its resourceVersion is the object's.
    /// Without `headers`, `columnDefinitions` is null (`TableOptions.NoHeaders`, every watch event after the first).
    func single(_ object: StoredObject, headers: Bool = true, now: Int64 = TableTimestamp.now()) -> JSON {
        let metadata: JSONObject = ["resourceVersion": .string(String(object.resourceVersion))]
        return table(metadata: metadata, rows: [row(object.object, now: now)], headers: headers)
    }

    private func table(metadata: JSONObject, rows: [JSON], headers: Bool) -> JSON {
        ["kind": "Table", "apiVersion": .string(request.apiVersion), "metadata": .object(metadata),
         "columnDefinitions": headers ? .array(printer.columns.map(\.json)) : .null, "rows": .array(rows)]
    }

    /// `{"cells":[...],"object":...}`; `object` is null for `includeObject=None` (an empty `RawExtension`
    /// marshals as null; `omitempty` never drops a struct).
    func row(_ object: JSON, now: Int64) -> JSON {
        let embedded: JSON
        switch request.includeObject {
        case .none:
            embedded = .null
        case .object:
            embedded = object
        case .metadata:
            // `meta.AsPartialObjectMetadata`: the whole ObjectMeta under the Table's group version.
            embedded = ["kind": "PartialObjectMetadata", "apiVersion": .string(request.apiVersion),
                        "metadata": object["metadata"] ?? .object(JSONObject())]
        }
        return ["cells": .array(printer.cells(object, now)), "object": embedded]
    }

    /// An HTTP 200 carrying `table` with the Table content type.
    static func reply(_ table: JSON, request: TableRequest, pretty: Bool) -> HTTPReply {
        .buffered(HTTPResponse(status: 200, headers: [("Content-Type", request.contentType)],
                               body: table.serialized(pretty: pretty)))
    }
}
