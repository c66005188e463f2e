/// Reads protobuf wire format from a byte range: tags, varints, fixed-width values and length-delimited payloads.
/// Every read checks its bounds against the range end and fails with a ``ProtobufDecodingError`` instead of trapping.
struct ProtobufWireReader {
    /// Wire type 0.
    static let varint = 0
    /// Wire type 1.
    static let fixed64 = 1
    /// Wire type 2.
    static let lengthDelimited = 2
    /// Wire type 5.
    static let fixed32 = 5

    let bytes: [UInt8]
    private(set) var index: Int
    let end: Int

    init(_ bytes: [UInt8], range: Range<Int>) {
        self.bytes = bytes
        self.index = range.lowerBound
        self.end = range.upperBound
    }

    var isAtEnd: Bool { index >= end }

    mutating func readVarint() throws(ProtobufDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard index < end else { throw .truncated }
            let byte = bytes[index]
            index += 1
            guard shift < 64 else { throw .malformedVarint }
            result |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    /// The next field's number and wire type.
    mutating func readTag() throws(ProtobufDecodingError) -> (number: Int, wireType: Int) {
        let tag = try readVarint()
        let wireType = Int(tag & 7)
        guard tag >> 3 > 0, tag >> 3 <= UInt64(Int32.max) else { throw .malformedVarint }
        return (Int(tag >> 3), wireType)
    }

    /// The range of a length-delimited payload, advancing past it.
    mutating func readLengthDelimited() throws(ProtobufDecodingError) -> Range<Int> {
        let length = try readVarint()
        guard length <= UInt64(end - index) else { throw .truncated }
        let start = index
        index += Int(length)
        return start..<index
    }

    mutating func readFixed(_ width: Int) throws(ProtobufDecodingError) -> UInt64 {
        guard end - index >= width else { throw .truncated }
        var value: UInt64 = 0
        for offset in 0..<width { value |= UInt64(bytes[index + offset]) << (8 * UInt64(offset)) }
        index += width
        return value
    }

    /// Skips a field of an unknown number, as Go's generated `Unmarshal` does (`skipGenerated`).
    mutating func skip(wireType: Int) throws(ProtobufDecodingError) {
        switch wireType {
        case Self.varint: _ = try readVarint()
        case Self.fixed64: _ = try readFixed(8)
        case Self.lengthDelimited: _ = try readLengthDelimited()
        case Self.fixed32: _ = try readFixed(4)
        default: throw .invalidWireType(wireType)
        }
    }

    /// A sub-reader over `range` of the same bytes.
    func reader(for range: Range<Int>) -> ProtobufWireReader {
        ProtobufWireReader(bytes, range: range)
    }
}
