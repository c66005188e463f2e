// libFuzzer target: the JSON parser (issue 8 item 3). Built by scripts/fuzz.sh with `swiftc -sanitize=fuzzer,address`
// against the JSON module's sources.
//
// Invariants checked on every input:
// - parsing never crashes, hangs or reads out of bounds (AddressSanitizer watches the unsafe-pointer parser);
// - whatever parses serializes to JSON that parses back to the same value (as JSON numbers: 1.0 comes back as 1),
//   and the serialized text settles after one round (parse → serialize is a fixed point from then on);
// - the duplicate-key-recording parse agrees with the plain one;
// - a failure is a JSONParseError whose offset lies within the input.
import JSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let value: JSON
    do {
        value = try JSON.parse(bytes)
    } catch {
        precondition(error.offset >= 0 && error.offset <= size, "error offset \(error.offset) outside \(size) bytes")
        precondition(!error.message.isEmpty, "empty parse error message")
        return 0
    }
    var duplicates: [String] = []
    guard let recorded = try? JSON.parse(bytes, duplicateKeys: &duplicates) else {
        preconditionFailure("the duplicate-recording parse failed where the plain parse succeeded")
    }
    precondition(recorded == value, "the two parses disagree")
    let serialized = value.serialized()
    let reparsed: JSON
    do {
        reparsed = try JSON.parse(serialized)
    } catch {
        preconditionFailure("serialized output does not parse: \(error): \(String(decoding: serialized, as: UTF8.self))")
    }
    precondition(sameJSON(reparsed, value), "round trip changed the value")
    // One round may still change the text: -0.0 (or a double that underflows to it) serializes as `-0`, which
    // parses back as the integer 0 (the same JSON number). From then on the text must be a fixed point.
    let again = reparsed.serialized()
    precondition(again == serialized || (try? JSON.parse(again))?.serialized() == again, "serialization does not settle")
    _ = value.serialized(pretty: true)
    return 0
}
