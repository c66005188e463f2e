import JSON

extension ProtobufDecoder {
    /// What has been read for one field of a message so far.
    private enum Slot {
        case absent
        /// A singular value; nil when its JSON form is "no value" (a zero `Time`, an empty `RawExtension`).
        case single(JSON?, isZero: Bool)
        case list([JSON])
        case map(JSONObject)
    }

    /// The JSON members of one message, in Go struct order. Unknown field numbers are skipped like Go's generated
    /// `Unmarshal` does; a repeated singular field keeps its last value.
    static func decodeMessage(
        _ message: ProtobufMessage, _ reader: ProtobufWireReader, depth: Int
    ) throws(ProtobufDecodingError) -> JSONObject {
        guard depth < maximumDepth else { throw .nestingTooDeep }
        var reader = reader
        var slots = [Slot](repeating: .absent, count: message.fields.count)
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            guard let slot = message.slotByNumber[number] else {
                try reader.skip(wireType: wireType)
                continue
            }
            let field = message.fields[slot]
            if case .map(let keyType, let valueType) = field.type {
                guard wireType == ProtobufWireReader.lengthDelimited else { throw wrongType(message, field, wireType) }
                let entry = reader.reader(for: try reader.readLengthDelimited())
                let (key, value) = try mapEntry(entry, keyType: keyType, valueType: valueType, field: field.name,
                                                depth: depth)
                var members: JSONObject
                if case .map(let existing) = slots[slot] { members = existing } else { members = JSONObject() }
                members[key] = value
                slots[slot] = .map(members)
            } else if field.repeated {
                var items: [JSON]
                if case .list(let existing) = slots[slot] { items = existing } else { items = [] }
                if wireType == ProtobufWireReader.lengthDelimited, field.type.isPackable {
                    var packed = reader.reader(for: try reader.readLengthDelimited())
                    while !packed.isAtEnd {
                        items.append(try scalar(field.type, wireType: field.type.wireType, &packed, field.name).value)
                    }
                } else {
                    guard wireType == field.type.wireType else { throw wrongType(message, field, wireType) }
                    items.append(try value(field.type, &reader, field: field.name, depth: depth).value ?? .null)
                }
                slots[slot] = .list(items)
            } else {
                guard wireType == field.type.wireType else { throw wrongType(message, field, wireType) }
                let (value, isZero) = try value(field.type, &reader, field: field.name, depth: depth)
                slots[slot] = .single(value, isZero: isZero)
            }
        }
        return members(message, slots)
    }

    /// Applies Go's `encoding/json` rules to the decoded slots.
    private static func members(_ message: ProtobufMessage, _ slots: [Slot]) -> JSONObject {
        var object = JSONObject(minimumCapacity: slots.count)
        for (field, slot) in zip(message.fields, slots) {
            switch slot {
            case .absent:
                continue
            case .list(let items):
                if !items.isEmpty { object[field.name] = .array(items) }
            case .map(let members):
                if !members.isEmpty { object[field.name] = .object(members) }
            case .single(let value, let isZero):
                guard let value else { continue }
                if field.inline, case .object(let inlined) = value {
                    for (key, member) in inlined where object[key] == nil { object[key] = member }
                    continue
                }
                if isZero, field.type.isScalar, field.omitEmpty, !field.pointer { continue }
                object[field.name] = value
            }
        }
        return object
    }

    /// One value of `type` at the reader, whose wire type the caller has checked.
    private static func value(
        _ type: ProtobufValueType, _ reader: inout ProtobufWireReader, field: String, depth: Int
    ) throws(ProtobufDecodingError) -> (value: JSON?, isZero: Bool) {
        if type.isScalar { return try scalar(type, wireType: type.wireType, &reader, field) }
        let payload = reader.reader(for: try reader.readLengthDelimited())
        switch type {
        case .message(let name):
            guard let message = ProtobufSchema.messages[name] else { return (nil, true) }
            return (.object(try decodeMessage(message, payload, depth: depth + 1)), false)
        default:
            return (try ProtobufDecoder.special(type, payload, field: field), false)
        }
    }

    /// A scalar's JSON value and whether it is Go's zero value.
    private static func scalar(
        _ type: ProtobufValueType, wireType: Int, _ reader: inout ProtobufWireReader, _ field: String
    ) throws(ProtobufDecodingError) -> (value: JSON, isZero: Bool) {
        switch type {
        case .string:
            let text = try string(reader.bytes, reader.readLengthDelimited(), field: field)
            return (.string(text), text.isEmpty)
        case .bytes:
            let range = try reader.readLengthDelimited()
            return (.string(Base64.encode(reader.bytes[range])), range.isEmpty)
        case .bool:
            let raw = try reader.readVarint()
            return (.bool(raw != 0), raw == 0)
        case .int32:
            let raw = try reader.readVarint()
            return (.int(Int64(Int32(truncatingIfNeeded: raw))), UInt32(truncatingIfNeeded: raw) == 0)
        case .int64:
            let raw = try reader.readVarint()
            return (.int(Int64(bitPattern: raw)), raw == 0)
        case .uint32:
            let raw = try reader.readVarint()
            return (.int(Int64(UInt32(truncatingIfNeeded: raw))), UInt32(truncatingIfNeeded: raw) == 0)
        case .uint64:
            let raw = try reader.readVarint()
            return (raw <= UInt64(Int64.max) ? .int(Int64(raw)) : .double(Double(raw)), raw == 0)
        case .double:
            let raw = try reader.readFixed(8)
            return (.double(Double(bitPattern: raw)), raw == 0)
        case .float:
            let raw = try reader.readFixed(4)
            return (.double(Double(Float(bitPattern: UInt32(truncatingIfNeeded: raw)))), raw == 0)
        default:
            return (.null, true)  // not a scalar; callers only pass scalars
        }
    }

    /// A `map<K, V>` entry: `{1 key, 2 value}`; a missing key or value is the zero value, as in Go.
    private static func mapEntry(
        _ entry: ProtobufWireReader, keyType: ProtobufValueType, valueType: ProtobufValueType, field: String, depth: Int
    ) throws(ProtobufDecodingError) -> (String, JSON) {
        var reader = entry
        var key = ""
        var value: JSON? = nil
        while !reader.isAtEnd {
            let (number, wireType) = try reader.readTag()
            switch number {
            case 1:
                guard wireType == keyType.wireType, keyType.isScalar else {
                    throw .wrongWireType(field: "\(field).key", wireType: wireType)
                }
                let decoded = try scalar(keyType, wireType: wireType, &reader, field).value
                key = decoded.stringValue ?? decoded.intValue.map { String($0) } ?? ""
            case 2:
                guard wireType == valueType.wireType else {
                    throw .wrongWireType(field: "\(field).value", wireType: wireType)
                }
                value = try self.value(valueType, &reader, field: field, depth: depth).value
            default:
                try reader.skip(wireType: wireType)
            }
        }
        return (key, value ?? valueType.zeroJSON)
    }

    private static func wrongType(
        _ message: ProtobufMessage, _ field: ProtobufField, _ wireType: Int
    ) -> ProtobufDecodingError {
        .wrongWireType(field: "\(message.name).\(field.name)", wireType: wireType)
    }
}

extension ProtobufValueType {
    /// A protobuf scalar (not a message, map or apimachinery special).
    var isScalar: Bool {
        switch self {
        case .string, .bytes, .bool, .int32, .int64, .uint32, .uint64, .double, .float: return true
        default: return false
        }
    }

    /// Numeric scalars, which a repeated field may send packed.
    var isPackable: Bool { isScalar && self != .string && self != .bytes }

    /// The wire type a value of this type is written with.
    var wireType: Int {
        switch self {
        case .bool, .int32, .int64, .uint32, .uint64: return ProtobufWireReader.varint
        case .double: return ProtobufWireReader.fixed64
        case .float: return ProtobufWireReader.fixed32
        default: return ProtobufWireReader.lengthDelimited
        }
    }

    /// Go's zero value of a map value of this type, as JSON.
    var zeroJSON: JSON {
        switch self {
        case .string, .bytes, .quantity: return .string("")
        case .bool: return .bool(false)
        case .int32, .int64, .uint32, .uint64, .intOrString: return .int(0)
        case .double, .float: return .double(0)
        case .message: return .object(JSONObject())
        default: return .null
        }
    }
}
