extension JSONByteParser {
    /// Parses a string literal starting at its opening quote.
    ///
    /// Fast path: printable ASCII without escapes is decoded straight from the input bytes. Anything else goes
    /// through `parseStringSlowly`, which validates UTF-8 and decodes escapes into `scratch`.
    @inline(__always)
    mutating func parseString(isKey: Bool = false) throws(JSONParseError) -> String {
        let start = position + 1
        var index = start
        // Skip eight plain bytes at a time (SWAR); the byte loop below finds the exact stop.
        while index &+ 8 <= end {
            let word = UInt64(littleEndian: UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self))
            if Self.needsAttention(word) { break }
            index &+= 8
        }
        while index < end {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                position = index + 1
                lastStringSignature = Self.keySignature(UnsafeBufferPointer(start: bytes + start, count: index - start))
                if isKey, let name = fieldNames.lookup(bytes + start, count: index - start) { return name }
                return String(decoding: UnsafeBufferPointer(start: bytes + start, count: index - start), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") || byte < 0x20 || byte >= 0x80 { break }
            index += 1
        }
        return try parseStringSlowly(start: start, resumingAt: index)
    }

    /// Whether any byte of `word` is a quote, a backslash, a control character or non-ASCII.
    @inline(__always)
    static func needsAttention(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highBits: UInt64 = 0x8080_8080_8080_8080
        let quotes = word ^ (ones &* 0x22)
        let backslashes = word ^ (ones &* 0x5C)
        // (x - 0x01..) & ~x & 0x80.. flags a zero byte; with 0x20.. it flags a byte below 0x20.
        let zeroQuote = (quotes &- ones) & ~quotes
        let zeroBackslash = (backslashes &- ones) & ~backslashes
        let control = (word &- ones &* 0x20) & ~word
        return (zeroQuote | zeroBackslash | control | word) & highBits != 0
    }

    /// A one-bit fingerprint of decoded string bytes (length, first and last byte), so that an object can tell
    /// cheaply that a key is certainly new.
    @inline(__always)
    static func keySignature(_ utf8: UnsafeBufferPointer<UInt8>) -> UInt64 {
        guard let first = utf8.first, let last = utf8.last else { return 1 }
        let mixed = UInt64(truncatingIfNeeded: utf8.count) &* 7 &+ UInt64(first) &* 3 &+ UInt64(last)
        return 1 << (mixed & 63)
    }

    private mutating func parseStringSlowly(start: Int, resumingAt resume: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: bytes + start, count: resume - start))
        var index = resume
        while index < end {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                position = index + 1
                lastStringSignature = scratch.withUnsafeBufferPointer { Self.keySignature($0) }
                return String(decoding: scratch, as: UTF8.self)
            case UInt8(ascii: "\\"):
                index = try decodeEscape(at: index)
            case 0..<0x20:
                throw .invalidCharacter(byte, at: index, "in string literal")
            case 0x20..<0x80:
                scratch.append(byte)
                index += 1
            default:
                let length = try validateUTF8Sequence(at: index)
                scratch.append(contentsOf: UnsafeBufferPointer(start: bytes + index, count: length))
                index += length
            }
        }
        throw .unexpectedEnd(at: end)
    }

    /// Decodes the escape sequence whose backslash is at `index` into `scratch`; returns the index after it.
    private mutating func decodeEscape(at index: Int) throws(JSONParseError) -> Int {
        guard index + 1 < end else { throw .unexpectedEnd(at: end) }
        let byte = bytes[index + 1]
        let simple: UInt8
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): simple = byte
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "t"): simple = 0x09
        case UInt8(ascii: "u"):
            return try decodeUnicodeEscape(at: index)
        default:
            throw .invalidCharacter(byte, at: index + 1, "in string escape code")
        }
        scratch.append(simple)
        return index + 2
    }

    /// Decodes `\uXXXX` (and a following low surrogate escape when XXXX is a high surrogate).
    private mutating func decodeUnicodeEscape(at index: Int) throws(JSONParseError) -> Int {
        let unit = try readHex4(at: index + 2)
        var next = index + 6
        let scalarValue: UInt32
        switch unit {
        case 0xD800...0xDBFF:
            guard next + 1 < end, bytes[next] == UInt8(ascii: "\\"), bytes[next + 1] == UInt8(ascii: "u") else {
                throw JSONParseError(offset: index, message: "invalid lone surrogate escape in string literal")
            }
            let low = try readHex4(at: next + 2)
            guard (0xDC00...0xDFFF).contains(low) else {
                throw JSONParseError(offset: index, message: "invalid lone surrogate escape in string literal")
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        case 0xDC00...0xDFFF:
            throw JSONParseError(offset: index, message: "invalid lone surrogate escape in string literal")
        default:
            scalarValue = UInt32(unit)
        }
        appendUTF8(scalarValue)
        return next
    }

    private func readHex4(at index: Int) throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for offset in index..<(index + 4) {
            guard offset < end else { throw .unexpectedEnd(at: end) }
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .invalidCharacter(byte, at: offset, "in \\u hexadecimal character escape")
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Checks the multi-byte UTF-8 sequence starting at `index` against Unicode's well-formed byte sequences
    /// (Table 3-7), which excludes overlong forms, UTF-16 surrogates and code points above U+10FFFF.
    /// Returns its length.
    private func validateUTF8Sequence(at index: Int) throws(JSONParseError) -> Int {
        let lead = bytes[index]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            secondRange = 0xA0...0xBF
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            secondRange = 0x80...0x9F
        case 0xF0:
            length = 4
            secondRange = 0x90...0xBF
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            secondRange = 0x80...0x8F
        default: throw .invalidUTF8(at: index)
        }
        for offset in 1..<length {
            guard index + offset < end else { throw .unexpectedEnd(at: end) }
            let byte = bytes[index + offset]
            let range = offset == 1 ? secondRange : 0x80...0xBF
            guard range.contains(byte) else { throw .invalidUTF8(at: index) }
        }
        return length
    }
}
