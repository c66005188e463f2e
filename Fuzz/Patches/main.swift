// libFuzzer target: the patch engine (issue 8 item 3) — RFC 7386 merge patch, RFC 6902 JSON patch and strategic
// merge patch with the Service and Pod schemas. Built by scripts/fuzz.sh.
//
// The input is two JSON texts separated by the first NUL byte: the document, then the patch. Invariants: no crash,
// hang or out-of-bounds access; every patch either yields a value that serializes to JSON which parses back to the
// same value, or throws its typed error (JSONPatchError, StrategicMergePatchError) — never anything else.
import JSON
import KubeAPI

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPatches(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let separator = bytes.firstIndex(of: 0) else { return 0 }
    guard let document = try? JSON.parse(Array(bytes[..<separator])),
        let patch = try? JSON.parse(Array(bytes[(separator + 1)...]))
    else { return 0 }

    checkValid(JSON.mergePatch(document, patch), "merge patch")
    _ = JSON.createMergePatch(from: document, to: patch)
    do {
        checkValid(try JSONPatch.apply(patch, to: document), "JSON patch")
    } catch {
        precondition(!error.description.isEmpty, "JSON patch error without text")
    }
    for kind in ["Service", "Pod"] {
        guard let schema = PatchSchema.lookup(forKind: kind) else { preconditionFailure("no \(kind) schema") }
        do {
            checkValid(try JSON.strategicMergePatch(document, patch, schema: schema), "strategic merge patch (\(kind))")
        } catch {
            precondition([400, 422, 500].contains(error.statusCode), "strategic merge error code \(error.statusCode)")
        }
    }
    return 0
}

/// A patch result must be JSON that survives serialize → parse unchanged.
private func checkValid(_ value: JSON, _ what: String) {
    let serialized = value.serialized()
    guard let reparsed = try? JSON.parse(serialized, maxDepth: 100_000) else {
        preconditionFailure("\(what) produced unparsable JSON: \(String(decoding: serialized.prefix(300), as: UTF8.self))")
    }
    precondition(sameJSON(reparsed, value), "\(what) result does not round-trip")
}
