import HTTPServer
import JSON
import KubeAPI
import Registry
import Store

extension APIHandler {
    func get(_ request: HTTPRequest, _ info: ResourceInfo, namespace: String, name: String,
             pretty: Bool) throws(StatusError) -> HTTPReply {
        let table = try TableNegotiation.tableRequest(request)
        let object = try registry.get(info, namespace: namespace, name: name)
        if let table {
            // A single object prints as a one-row Table (reference §10.1).
            return Table.reply(Table(printer: .forResource(info), request: table).single(object), request: table,
                               pretty: pretty)
        }
        return Responses.json(bytes: object.bytes, object: object.object, pretty: pretty)
    }

    func list(_ request: HTTPRequest, _ info: ResourceInfo, namespace: String?, pretty: Bool) throws(StatusError) -> HTTPReply {
        let options = try OptionParsing.listOptions(request, watch: false)
        let table = try TableNegotiation.tableRequest(request)
        let result = try registry.list(info, namespace: namespace, options: options)
        if let table {
            let body = Table(printer: .forResource(info), request: table).list(
                result.items, resourceVersion: result.resourceVersion, continueToken: result.continueToken,
                remainingItemCount: result.remainingItemCount)
            return Table.reply(body, request: table, pretty: pretty)
        }
        return Responses.list(kind: info.listKind, apiVersion: info.apiVersion, items: result.items.map(\.bytes),
                              itemObjects: { result.items.map(\.object) }, resourceVersion: result.resourceVersion,
                              continueToken: result.continueToken, remainingItemCount: result.remainingItemCount,
                              pretty: pretty)
    }

    func create(_ request: HTTPRequest, _ info: ResourceInfo, namespace: String, pretty: Bool) throws(StatusError) -> HTTPReply {
        _ = try RequestBodyDecoder.format(request)
        let options = try OptionParsing.writeOptions(request, optionsKind: "CreateOptions")
        let (body, decodeWarnings) = try RequestBodyDecoder.object(request, info, validation: options.fieldValidation)
        let result = try registry.create(info, namespace: namespace, object: body, options: options)
        return Responses.json(bytes: result.object.bytes, object: result.object.object, status: 201, pretty: pretty,
                              headers: Responses.warningHeaders(decodeWarnings + result.warnings))
    }

    func update(_ request: HTTPRequest, _ info: ResourceInfo, namespace: String, name: String, subresource: String?,
                pretty: Bool) throws(StatusError) -> HTTPReply {
        _ = try RequestBodyDecoder.format(request)
        let options = try OptionParsing.writeOptions(request, optionsKind: "UpdateOptions")
        let (body, decodeWarnings) = try RequestBodyDecoder.object(request, info, validation: options.fieldValidation)
        let result = try registry.update(info, namespace: namespace, name: name, subresource: subresource, object: body,
                                         options: options)
        return Responses.json(bytes: result.object.bytes, object: result.object.object, status: result.created ? 201 : 200,
                              pretty: pretty, headers: Responses.warningHeaders(decodeWarnings + result.warnings))
    }

    func patch(_ request: HTTPRequest, _ info: ResourceInfo, namespace: String, name: String, subresource: String?,
               pretty: Bool) throws(StatusError) -> HTTPReply {
        let mediaType = ContentNegotiation.mediaType(request.header("content-type"))
        guard let type = Patch.PatchType(rawValue: mediaType) else {
            throw .unsupportedMediaType(accepted: Patch.supportedMediaTypes)
        }
        var options = try OptionParsing.writeOptions(request, optionsKind: "PatchOptions")
        if type == .apply {
            try Self.checkApplyOptions(request, &options)
        } else if request.queryValue("force") != nil {
            throw .invalid(kind: "PatchOptions", group: "meta.k8s.io", name: "",
                           errors: [.forbidden("force", "may not be specified for non-apply patch")])
        }
        let body: JSON
        do {
            var duplicates: [String] = []
            body = try type == .apply
                ? Self.parseApplyBody(request.body, duplicateKeys: &duplicates)
                : JSON.parse(request.body, duplicateKeys: &duplicates)
            if options.fieldValidation != .ignore { options.patchDecodingProblems = duplicates.map(FieldPruning.duplicate) }
        } catch {
            throw .badRequest("error decoding patch: \(error)")
        }
        let result = try registry.patch(info, namespace: namespace, name: name, subresource: subresource,
                                        patch: Patch(type: type, body: body), options: options)
        return Responses.json(bytes: result.object.bytes, object: result.object.object, status: result.created ? 201 : 200,
                              pretty: pretty, headers: Responses.warningHeaders(result.warnings))
    }

    func delete(_ request: HTTPRequest, _ info: ResourceInfo, namespace: String, name: String,
                pretty: Bool) throws(StatusError) -> HTTPReply {
        let options = try OptionParsing.deleteOptions(request)
        switch try registry.delete(info, namespace: namespace, name: name, options: options) {
        case .pending(let object):
            return Responses.json(bytes: object.bytes, object: object.object, pretty: pretty)
        case .deleted(let object):
            if registry.returnsDeletedObject(info) {
                return Responses.json(bytes: object.bytes, object: object.object, pretty: pretty)
            }
            return Responses.json(Self.successStatus(info, object: object), pretty: pretty)
        }
    }

    func deleteCollection(_ request: HTTPRequest, _ info: ResourceInfo, namespace: String?,
                          pretty: Bool) throws(StatusError) -> HTTPReply {
        let listOptions = try OptionParsing.listOptions(request, watch: false)
        let options = try OptionParsing.deleteOptions(request)
        let result = try registry.deleteCollection(info, namespace: namespace, listOptions: listOptions, options: options)
        return Responses.list(kind: info.listKind, apiVersion: info.apiVersion, items: result.items.map(\.bytes),
                              itemObjects: { result.items.map(\.object) }, resourceVersion: result.resourceVersion,
                              continueToken: nil, remainingItemCount: nil, pretty: pretty)
    }

    /// The `Status` a DELETE returns for kinds that do not return the deleted object (`store.go` `finalizeDelete`);
    /// `details.kind` carries the resource name.
    static func successStatus(_ info: ResourceInfo, object: StoredObject) -> JSON {
        var details: JSONObject = ["name": .string(object.name)]
        if !info.group.isEmpty { details["group"] = .string(info.group) }
        details["kind"] = .string(info.resource)
        if let uid = object.object["metadata"]?["uid"] { details["uid"] = uid }
        return ["kind": "Status", "apiVersion": "v1", "metadata": .object(JSONObject()), "status": "Success",
                "details": .object(details)]
    }
}
