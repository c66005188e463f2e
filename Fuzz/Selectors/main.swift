// libFuzzer target: the label and field selector parsers (issue 8 item 3). Built by scripts/fuzz.sh.
//
// Invariants: parsing arbitrary text never crashes or hangs; a failure is a 400 BadRequest StatusError; a label
// selector that parses prints (`description`) as text that parses to the same selector, and matching it against a
// label set derived from the input never crashes; the same for field selectors.
import JSON
import KubeAPI

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSelectors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let selector = try LabelSelector.parse(text)
        let printed = selector.description
        guard let again = try? LabelSelector.parse(printed) else {
            preconditionFailure("label selector \(text.debugDescription) prints as unparsable \(printed.debugDescription)")
        }
        precondition(again == selector, "label selector round trip changed \(text.debugDescription) → \(printed.debugDescription)")
        var labels: [String: String] = [:]
        for requirement in selector.requirements {
            labels[requirement.key] = requirement.values.first ?? ""
        }
        _ = selector.matches(labels)
        _ = selector.matches([:])
    } catch {
        precondition(error.code == 400, "label selector error with code \(error.code): \(error.message)")
    }
    do {
        let selector = try FieldSelector.parse(text)
        let printed = selector.description
        guard let again = try? FieldSelector.parse(printed) else {
            preconditionFailure("field selector \(text.debugDescription) prints as unparsable \(printed.debugDescription)")
        }
        precondition(again == selector, "field selector round trip changed \(text.debugDescription) → \(printed.debugDescription)")
    } catch {
        precondition(error.code == 400, "field selector error with code \(error.code): \(error.message)")
    }
    return 0
}
