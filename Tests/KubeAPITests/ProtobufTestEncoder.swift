/// A minimal protobuf writer for building request bodies in tests.
struct ProtobufTestEncoder {
    var bytes: [UInt8] = []

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7f) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func int(_ number: Int, _ value: Int64) {
        varint(UInt64(number << 3))
        varint(UInt64(bitPattern: value))
    }

    mutating func bytes(_ number: Int, _ payload: [UInt8]) {
        varint(UInt64(number << 3 | 2))
        varint(UInt64(payload.count))
        bytes += payload
    }

    mutating func string(_ number: Int, _ text: String) { bytes(number, Array(text.utf8)) }

    mutating func message(_ number: Int, _ build: (inout ProtobufTestEncoder) -> Void) {
        var nested = ProtobufTestEncoder()
        build(&nested)
        bytes(number, nested.bytes)
    }

    /// `k8s\0` + `runtime.Unknown{typeMeta, raw}`.
    static func envelope(apiVersion: String, kind: String, _ build: (inout ProtobufTestEncoder) -> Void) -> [UInt8] {
        var unknown = ProtobufTestEncoder()
        unknown.message(1) {
            $0.string(1, apiVersion)
            $0.string(2, kind)
        }
        unknown.message(2, build)
        unknown.string(3, "")
        unknown.string(4, "")
        return [0x6b, 0x38, 0x73, 0x00] + unknown.bytes
    }
}
