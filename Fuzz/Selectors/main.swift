// libFuzzer target: the label and field selector parsers (issue 8 item 3). Built by scripts/fuzz.sh.
//
// Invariants: parsing arbitrary text never crashes or hangs; a failure is a 400 BadRequest StatusError; a selector
// that parses prints (`description`) as text that parses to the same terms (in any order: terms are ANDed, and
// upstream orders them by their raw text, so `==p,=na` prints as `=p,=na` and comes back as `=na,=p`); matching a
// parsed label selector against a label set derived from it, and against no labels, never crashes.
import JSON
import KubeAPI

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSelectors(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let selector = roundTrip(text, "label selector", parse: LabelSelector.parse,
                                terms: { $0.requirements.map(\.description).sorted() }) {
        var labels: [String: String] = [:]
        for requirement in selector.requirements {
            labels[requirement.key] = requirement.values.first ?? ""
        }
        _ = selector.matches(labels)
        _ = selector.matches([:])
    }
    _ = roundTrip(text, "field selector", parse: FieldSelector.parse,
                  terms: { $0.requirements.map(\.description).sorted() })
    return 0
}

/// Parses `text`; a failure must be a 400, a success must print as text that parses to the same `terms`.
private func roundTrip<Selector: CustomStringConvertible>(
    _ text: String, _ what: String, parse: (String) throws(StatusError) -> Selector, terms: (Selector) -> [String]
) -> Selector? {
    let selector: Selector
    do {
        selector = try parse(text)
    } catch {
        precondition(error.code == 400, "\(what) error with code \(error.code): \(error.message)")
        return nil
    }
    let printed = selector.description
    guard let again = try? parse(printed) else {
        preconditionFailure("\(what) \(text.debugDescription) prints as unparsable \(printed.debugDescription)")
    }
    precondition(terms(again) == terms(selector), "\(what) round trip changed \(text.debugDescription) → \(printed.debugDescription)")
    return selector
}
