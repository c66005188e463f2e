/// The byte-level RFC 8259 parser behind `JSON.parse`.
///
/// It is iterative, not recursive: open containers live on `frames` and their finished children on two shared
/// scratch stacks (`elements`, `members`), so nesting depth costs heap, never the thread's stack, and each
/// array or object is allocated once at its exact size when it closes.
///
/// Not thread-safe; one instance parses one document from memory it does not own (the caller keeps `bytes`
/// alive for the duration of `parseDocument()`).
struct JSONByteParser: ~Copyable {
    /// One open array or object.
    struct Frame {
        var isObject: Bool
        /// Where this container's children start in `elements` (arrays) or `members` (objects).
        var start: Int
        /// The key whose value is being parsed (objects only).
        var key: String = ""
        /// One bit per key signature seen in this object (see `keySignature`): a new key whose bit is clear
        /// cannot be a duplicate, which skips the duplicate scan for nearly every member.
        var keyBits: UInt64 = 0
        /// The `keySignature` of `key`.
        var keySignature: UInt64 = 0
    }

    /// Objects with at most this many members are checked for duplicate keys by a linear scan; larger ones
    /// keep a set in `largeObjectKeys`, so a hostile body with 100k keys stays linear.
    static let linearDuplicateScanLimit = 16
    /// Like sigs.k8s.io/json, stop collecting duplicate-key paths after this many.
    static let maximumRecordedDuplicates = 100

    let bytes: UnsafePointer<UInt8>
    let end: Int
    let maxDepth: Int
    let recordsDuplicates: Bool
    let fieldNames = KubernetesFieldNames.shared
    var position = 0
    var frames = JSONScratchStack<Frame>(capacity: 16)
    var elements = JSONScratchStack<JSON>(capacity: 32)
    var members = JSONScratchStack<JSONObject.Element>(capacity: 64)
    /// Keys of open objects that outgrew `linearDuplicateScanLimit`, by frame index.
    var largeObjectKeys: [Int: Set<String>] = [:]
    /// Decoded bytes of the current string when it has escapes or non-ASCII bytes.
    var scratch: [UInt8] = []
    /// `keySignature` of the string `parseString` returned last.
    var lastStringSignature: UInt64 = 0
    /// Dotted paths of duplicate keys in document order (only when `recordsDuplicates`).
    var duplicatePaths: [String] = []

    init(bytes: UnsafePointer<UInt8>, count: Int, maxDepth: Int, recordsDuplicates: Bool) {
        self.bytes = bytes
        self.end = count
        self.maxDepth = maxDepth
        self.recordsDuplicates = recordsDuplicates
    }

    /// Parses exactly one JSON value surrounded by optional whitespace.
    mutating func parseDocument() throws(JSONParseError) -> JSON {
        while true {
            skipWhitespace()
            guard var value = try parseValueOrOpenContainer() else { continue }
            // `value` is complete: hand it to the innermost open container, closing containers as they end.
            while true {
                let top = frames.count - 1
                skipWhitespace()
                guard top >= 0 else {
                    if position < end {
                        throw .invalidCharacter(bytes[position], at: position, "after top-level value")
                    }
                    return value
                }
                guard position < end else { throw .unexpectedEnd(at: end) }
                let byte = bytes[position]
                position += 1
                if frames[top].isObject {
                    appendMember(consume value, frame: top)
                    if byte == UInt8(ascii: ",") {
                        try readKey(frame: top)
                        break
                    }
                    guard byte == UInt8(ascii: "}") else {
                        throw .invalidCharacter(byte, at: position - 1, "after object key:value pair")
                    }
                    value = closeObject()
                } else {
                    elements.push(consume value)
                    if byte == UInt8(ascii: ",") { break }
                    guard byte == UInt8(ascii: "]") else {
                        throw .invalidCharacter(byte, at: position - 1, "after array element")
                    }
                    value = closeArray()
                }
            }
        }
    }

    /// Parses a scalar or an empty container and returns it, or opens a non-empty container and returns nil.
    @inline(__always)
    mutating func parseValueOrOpenContainer() throws(JSONParseError) -> JSON? {
        guard position < end else { throw .unexpectedEnd(at: end) }
        let byte = bytes[position]
        switch byte {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "{"):
            try checkDepth(byte)
            position += 1
            skipWhitespace()
            guard position < end else { throw .unexpectedEnd(at: end) }
            if bytes[position] == UInt8(ascii: "}") {
                position += 1
                return .object(JSONObject())
            }
            frames.push(Frame(isObject: true, start: members.count))
            try readKey(frame: frames.count - 1)
            return nil
        case UInt8(ascii: "["):
            try checkDepth(byte)
            position += 1
            skipWhitespace()
            guard position < end else { throw .unexpectedEnd(at: end) }
            if bytes[position] == UInt8(ascii: "]") {
                position += 1
                return .array([])
            }
            frames.push(Frame(isObject: false, start: elements.count))
            return nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        default:
            throw .invalidCharacter(byte, at: position, "looking for beginning of value")
        }
    }

    @inline(__always)
    func checkDepth(_ byte: UInt8) throws(JSONParseError) {
        // Go's scanner reports "invalid character '[' exceeded max depth" at the opener that goes too deep.
        if frames.count >= maxDepth { throw .invalidCharacter(byte, at: position, "exceeded max depth") }
    }

    /// Reads `"key" :` (after `{` or `,`) and stores the key in `frames[frame]`.
    @inline(__always)
    mutating func readKey(frame: Int) throws(JSONParseError) {
        skipWhitespace()
        guard position < end else { throw .unexpectedEnd(at: end) }
        guard bytes[position] == UInt8(ascii: "\"") else {
            throw .invalidCharacter(bytes[position], at: position, "looking for beginning of object key string")
        }
        let key = try parseString(isKey: true)
        skipWhitespace()
        guard position < end else { throw .unexpectedEnd(at: end) }
        guard bytes[position] == UInt8(ascii: ":") else {
            throw .invalidCharacter(bytes[position], at: position, "after object key")
        }
        position += 1
        frames[frame].key = key
        frames[frame].keySignature = lastStringSignature
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while position < end {
            let byte = bytes[position]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            position += 1
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let expected = literal.utf8Start
        let length = literal.utf8CodeUnitCount
        for index in 1..<length {
            guard position + index < end else { throw .unexpectedEnd(at: end) }
            let byte = bytes[position + index]
            if byte != expected[index] {
                let want = Character(Unicode.Scalar(expected[index]))
                throw .invalidCharacter(byte, at: position + index, "in literal \(literal) (expecting '\(want)')")
            }
        }
        position += length
    }

    mutating func closeArray() -> JSON {
        let frame = frames.removeLast()
        return .array(elements.popArray(from: frame.start))
    }

    mutating func closeObject() -> JSON {
        let frame = frames.removeLast()
        if !largeObjectKeys.isEmpty { largeObjectKeys[frames.count] = nil }
        var object = JSONObject()
        object.members = members.popArray(from: frame.start)
        return .object(object)
    }
}
