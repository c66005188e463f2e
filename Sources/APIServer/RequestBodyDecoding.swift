import HTTPServer
import JSON
import KubeAPI

/// Decodes create, update and DeleteOptions bodies in any encoding kube-apiserver accepts for them — JSON, YAML and
/// Kubernetes protobuf — into the JSON the rest of the pipeline works on. YAML and protobuf are converted to JSON
/// first and then go through the same strict decoding (`FieldPruning.decode`), so `fieldValidation` behaves the same
/// for all three (a protobuf body cannot carry unknown or duplicate fields).
enum RequestBodyDecoder {
    /// The encoding of a request body, from its `Content-Type`.
    enum Format {
        case json, yaml, protobuf
    }

    /// What the 415 lists, in kube-apiserver's order.
    static let acceptedMediaTypes = ["application/json", "application/yaml", "application/vnd.kubernetes.protobuf"]

    /// The body's format; 415 for any other `Content-Type`.
    static func format(_ request: HTTPRequest) throws(StatusError) -> Format {
        switch ContentNegotiation.mediaType(request.header("content-type")) {
        case "application/json": return .json
        case "application/yaml": return .yaml
        case "application/vnd.kubernetes.protobuf": return .protobuf
        default: throw .unsupportedMediaType(accepted: acceptedMediaTypes)
        }
    }

    /// A create or update body, pruned and checked by `validation`, with the decoder's warnings.
    static func object(
        _ request: HTTPRequest, _ info: ResourceInfo, validation: FieldValidationDirective
    ) throws(StatusError) -> (object: JSON, warnings: [String]) {
        let cannotHandle = "\(info.kind) in version \"\(info.version)\" cannot be handled as a \(info.kind): "
        switch try format(request) {
        case .json:
            return try FieldPruning.decode(request.body, info, validation: validation)
        case .yaml:
            let json: JSON
            do {
                json = try YAMLConversion.json(fromYAML: request.body)
            } catch {
                throw .badRequest(cannotHandle + error.description)
            }
            return try FieldPruning.decode(json.serialized(), info, validation: validation)
        case .protobuf:
            let json: JSON
            do {
                json = try ProtobufDecoder.decode(request.body)
            } catch {
                throw .badRequest(cannotHandle + error.description)
            }
            return try FieldPruning.decode(json.serialized(), info, validation: validation)
        }
    }

    /// A DeleteOptions body as JSON. A body without a recognised `Content-Type` is read as JSON, as clients that send
    /// DeleteOptions without one (or with a stray one) expect.
    static func deleteOptions(_ request: HTTPRequest) throws(StatusError) -> JSON {
        do throws(DeleteOptionsError) {
            switch (try? Self.format(request)) ?? .json {
            case .json:
                do { return try JSON.parse(request.body) } catch { throw DeleteOptionsError(description: "\(error)") }
            case .yaml:
                do {
                    return try YAMLConversion.json(fromYAML: request.body)
                } catch {
                    throw DeleteOptionsError(description: error.description)
                }
            case .protobuf:
                do {
                    return try ProtobufDecoder.decode(request.body)
                } catch {
                    throw DeleteOptionsError(description: error.description)
                }
            }
        } catch {
            throw .badRequest("error decoding DeleteOptions: \(error.description)")
        }
    }

    private struct DeleteOptionsError: Error {
        let description: String
    }
}
