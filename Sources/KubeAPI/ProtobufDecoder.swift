import JSON

/// Turns a Kubernetes protobuf body (`application/vnd.kubernetes.protobuf`) into the JSON object the Go type would
/// marshal to, so that the rest of the request pipeline sees exactly what a JSON client would have sent.
///
/// The body is `k8s\0` followed by a `runtime.Unknown{1 typeMeta{1 apiVersion, 2 kind}, 2 raw, 3 contentEncoding,
/// 4 contentType}` (`runtime/serializer/protobuf/protobuf.go`); `raw` is the object's message, decoded field by field
/// through ``ProtobufSchema``. Go's JSON rules decide what appears: a zero scalar on an `omitempty` non-pointer field
/// is left out (gogo-protobuf writes those fields unconditionally), pointer fields keep their zero values, structs are
/// always written, empty lists and maps are not.
public enum ProtobufDecoder {
    /// The prefix of every Kubernetes protobuf body.
    public static let magic: [UInt8] = [0x6b, 0x38, 0x73, 0x00]
    /// Deeper than any served kind nests (Pod → spec → volumes → projected → sources → ... is about 10).
    static let maximumDepth = 32

    /// The decoded object, with `apiVersion` and `kind` from the envelope ahead of the message's fields.
    public static func decode(_ body: [UInt8]) throws(ProtobufDecodingError) -> JSON {
        guard body.count >= magic.count, Array(body[0..<magic.count]) == magic else { throw .missingMagic }
        var reader = ProtobufWireReader(body, range: magic.count..<body.count)
        var apiVersion = "", kind = "", contentEncoding = ""
        var raw: Range<Int> = 0..<0
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            guard (1...4).contains(number) else {
                try reader.skip(wireType: wireType)
                continue
            }
            guard wireType == ProtobufWireReader.lengthDelimited else {
                throw .wrongWireType(field: "Unknown.\(number)", wireType: wireType)
            }
            let range = try reader.readLengthDelimited()
            switch number {
            case 1: (apiVersion, kind) = try typeMeta(reader.reader(for: range))
            case 2: raw = range
            case 3: contentEncoding = try string(body, range, field: "contentEncoding")
            default: break  // contentType: always empty, the raw bytes are protobuf
            }
        }
        guard contentEncoding.isEmpty else { throw .unsupportedContentEncoding(contentEncoding) }
        guard let message = ProtobufSchema.rootMessage(kind: kind) else {
            throw .unsupportedKind(apiVersion: apiVersion, kind: kind)
        }
        var object = JSONObject()
        if !apiVersion.isEmpty { object.appendUnchecked(key: "apiVersion", value: .string(apiVersion)) }
        object.appendUnchecked(key: "kind", value: .string(kind))
        let members = try decodeMessage(message, reader.reader(for: raw), depth: 0)
        for (key, value) in members where object[key] == nil { object.appendUnchecked(key: key, value: value) }
        return .object(object)
    }

    private static func typeMeta(_ reader: ProtobufWireReader) throws(ProtobufDecodingError) -> (String, String) {
        var reader = reader
        var apiVersion = "", kind = ""
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            guard number == 1 || number == 2 else {
                try reader.skip(wireType: wireType)
                continue
            }
            guard wireType == ProtobufWireReader.lengthDelimited else {
                throw .wrongWireType(field: "TypeMeta.\(number)", wireType: wireType)
            }
            let value = try string(reader.bytes, reader.readLengthDelimited(), field: "typeMeta")
            if number == 1 { apiVersion = value } else { kind = value }
        }
        return (apiVersion, kind)
    }

    static func string(_ bytes: [UInt8], _ range: Range<Int>, field: String) throws(ProtobufDecodingError) -> String {
        guard let value = String(validating: bytes[range], as: UTF8.self) else { throw .invalidUTF8(field: field) }
        return value
    }
}
