extension JSONByteParser {
    /// Parses a number literal starting at `-` or a digit.
    ///
    /// Like sigs.k8s.io/json's `PreserveInts` (what kube-apiserver decodes with), a literal without fraction or
    /// exponent that fits in Int64 becomes `.int` exactly; everything else, including larger integers, becomes
    /// `.double`. `-0` is the integer 0.
    mutating func parseNumber() throws(JSONParseError) -> JSON {
        let start = position
        var index = position
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative {
            index += 1
            guard index < end else { throw .unexpectedEnd(at: end) }
        }
        var magnitude: UInt64 = 0
        var digitCount = 0
        let first = bytes[index]
        if first == UInt8(ascii: "0") {
            index += 1
        } else if isDigit(first) {
            while index < end, isDigit(bytes[index]) {
                if digitCount < 19 { magnitude = magnitude &* 10 &+ UInt64(bytes[index] &- UInt8(ascii: "0")) }
                digitCount += 1
                index += 1
            }
        } else {
            throw .invalidCharacter(first, at: index, "in numeric literal")
        }
        var isInteger = true
        if index < end, bytes[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard index < end else { throw .unexpectedEnd(at: end) }
            guard isDigit(bytes[index]) else {
                throw .invalidCharacter(bytes[index], at: index, "after decimal point in numeric literal")
            }
            while index < end, isDigit(bytes[index]) { index += 1 }
        }
        if index < end, bytes[index] | 0x20 == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            guard index < end else { throw .unexpectedEnd(at: end) }
            if bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
                guard index < end else { throw .unexpectedEnd(at: end) }
            }
            guard isDigit(bytes[index]) else {
                throw .invalidCharacter(bytes[index], at: index, "in exponent of numeric literal")
            }
            while index < end, isDigit(bytes[index]) { index += 1 }
        }
        position = index
        // 19 digits never overflow UInt64, so `magnitude` is exact whenever digitCount <= 19.
        if isInteger && digitCount <= 19 {
            if !negative, magnitude <= UInt64(Int64.max) { return .int(Int64(magnitude)) }
            if negative, magnitude <= UInt64(Int64.max) + 1 { return .int(Int64(bitPattern: 0 &- magnitude)) }
        }
        return .double(try parseDouble(from: start, to: index))
    }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    /// Converts an already validated literal with the standard library's correctly rounded conversion.
    private func parseDouble(from start: Int, to stop: Int) throws(JSONParseError) -> Double {
        let text = String(decoding: UnsafeBufferPointer(start: bytes + start, count: stop - start), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            // Go cannot represent it either and fails the decode with this UnmarshalTypeError.
            throw JSONParseError(
                offset: start, message: "json: cannot unmarshal number \(text) into Go value of type float64")
        }
        return value
    }
}
