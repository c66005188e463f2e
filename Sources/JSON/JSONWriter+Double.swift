extension JSONWriter {
    /// Writes a float64 as Go's `encoding/json` does: the shortest digits that round-trip (taken from Swift's
    /// `description`, which is also shortest round-trip), in plain notation unless the magnitude is below 1e-6 or
    /// at least 1e21, where it uses exponent notation without zero padding (`1e-7`, `1.5e+21`).
    static func writeDouble(_ value: Double, into output: inout [UInt8]) {
        guard value.isFinite else { return appendLiteral("null", into: &output) }
        if value.sign == .minus { output.append(UInt8(ascii: "-")) }
        let magnitude = value.magnitude
        if magnitude == 0 { return output.append(UInt8(ascii: "0")) }
        let (digits, pointPosition) = decimalDigits(of: magnitude)
        if magnitude < 1e-6 || magnitude >= 1e21 {
            writeExponential(digits, exponent: pointPosition - 1, into: &output)
        } else {
            writePlain(digits, pointPosition: pointPosition, into: &output)
        }
    }

    /// The significant digits of a positive finite `magnitude` (no leading or trailing zeros) and the position of
    /// the decimal point relative to them: the value is `0.digits × 10^pointPosition`.
    private static func decimalDigits(of magnitude: Double) -> (digits: [UInt8], pointPosition: Int) {
        // Swift prints e.g. "123.25", "0.001", "1e-07", "1.2345e+21".
        let text = Array(magnitude.description.utf8)
        var digits: [UInt8] = []
        digits.reserveCapacity(text.count)
        var integerDigits = 0
        var seenPoint = false
        var exponent = 0
        var index = 0
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                seenPoint = true
            } else if byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
                let exponentText = String(decoding: text[(index + 1)...], as: UTF8.self)
                exponent = Int(exponentText.hasPrefix("+") ? String(exponentText.dropFirst()) : exponentText) ?? 0
                break
            } else {
                digits.append(byte)
                if !seenPoint { integerDigits += 1 }
            }
            index += 1
        }
        var pointPosition = integerDigits + exponent
        let leadingZeros = digits.prefix { $0 == UInt8(ascii: "0") }.count
        digits.removeFirst(leadingZeros)
        pointPosition -= leadingZeros
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, pointPosition)
    }

    private static func writePlain(_ digits: [UInt8], pointPosition: Int, into output: inout [UInt8]) {
        if pointPosition <= 0 {
            appendLiteral("0.", into: &output)
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: -pointPosition))
            output.append(contentsOf: digits)
        } else if pointPosition >= digits.count {
            output.append(contentsOf: digits)
            output.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: pointPosition - digits.count))
        } else {
            output.append(contentsOf: digits[..<pointPosition])
            output.append(UInt8(ascii: "."))
            output.append(contentsOf: digits[pointPosition...])
        }
    }

    private static func writeExponential(_ digits: [UInt8], exponent: Int, into output: inout [UInt8]) {
        output.append(digits[0])
        if digits.count > 1 {
            output.append(UInt8(ascii: "."))
            output.append(contentsOf: digits[1...])
        }
        output.append(UInt8(ascii: "e"))
        output.append(exponent < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        output.append(contentsOf: String(exponent.magnitude).utf8)
    }
}
