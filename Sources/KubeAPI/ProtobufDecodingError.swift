/// Why a protobuf request body could not be decoded. The API layer turns every case into a 400.
public enum ProtobufDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The body does not start with the `k8s\0` magic of `runtime/serializer/protobuf`.
    case missingMagic
    /// A varint, length or fixed-width value runs past the end of its message.
    case truncated
    /// A varint longer than ten bytes.
    case malformedVarint
    /// A wire type that protobuf does not define (groups included, which Kubernetes never sends).
    case invalidWireType(Int)
    /// A field whose wire type does not match the schema.
    case wrongWireType(field: String, wireType: Int)
    /// A string field that is not UTF-8.
    case invalidUTF8(field: String)
    /// An embedded raw JSON field (`RawExtension`, `FieldsV1`) that does not parse.
    case invalidEmbeddedJSON(field: String)
    /// The envelope names a kind this server does not decode.
    case unsupportedKind(apiVersion: String, kind: String)
    /// A non-empty `contentEncoding` (Kubernetes never sets one).
    case unsupportedContentEncoding(String)
    /// Messages nested deeper than any served kind allows.
    case nestingTooDeep

    public var description: String {
        switch self {
        case .missingMagic: return "provided object is not protobuf (missing the k8s\\0 prefix)"
        case .truncated: return "proto: unexpected end of message"
        case .malformedVarint: return "proto: integer overflow in varint"
        case .invalidWireType(let wireType): return "proto: illegal wireType \(wireType)"
        case .wrongWireType(let field, let wireType): return "proto: wrong wireType = \(wireType) for field \(field)"
        case .invalidUTF8(let field): return "proto: field \(field) is not valid UTF-8"
        case .invalidEmbeddedJSON(let field): return "proto: field \(field) does not hold valid JSON"
        case .unsupportedKind(let apiVersion, let kind):
            return "no kind \"\(kind)\" is registered for version \"\(apiVersion)\""
        case .unsupportedContentEncoding(let encoding): return "unsupported content encoding \"\(encoding)\""
        case .nestingTooDeep: return "proto: message nested too deeply"
        }
    }
}
