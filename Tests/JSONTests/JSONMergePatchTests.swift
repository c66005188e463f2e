import Testing

@testable import JSON

/// RFC 7386 merge patch (`application/merge-patch+json`).
struct JSONMergePatchTests {
    /// RFC 7386 Appendix A, verbatim: original, patch, result.
    static let appendixA: [(original: String, patch: String, result: String)] = [
        (#"{"a":"b"}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"b"}"#, #"{"b":"c"}"#, #"{"a":"b","b":"c"}"#),
        (#"{"a":"b"}"#, #"{"a":null}"#, #"{}"#),
        (#"{"a":"b","b":"c"}"#, #"{"a":null}"#, #"{"b":"c"}"#),
        (#"{"a":["b"]}"#, #"{"a":"c"}"#, #"{"a":"c"}"#),
        (#"{"a":"c"}"#, #"{"a":["b"]}"#, #"{"a":["b"]}"#),
        (#"{"a":{"b":"c"}}"#, #"{"a":{"b":"d","c":null}}"#, #"{"a":{"b":"d"}}"#),
        (#"{"a":[{"b":"c"}]}"#, #"{"a":[1]}"#, #"{"a":[1]}"#),
        (#"["a","b"]"#, #"["c","d"]"#, #"["c","d"]"#),
        (#"{"a":"b"}"#, #"["c"]"#, #"["c"]"#),
        (#"{"a":"foo"}"#, #"null"#, #"null"#),
        (#"{"a":"foo"}"#, #""bar""#, #""bar""#),
        (#"{"e":null}"#, #"{"a":1}"#, #"{"e":null,"a":1}"#),
        (#"[1,2]"#, #"{"a":"b","c":null}"#, #"{"a":"b"}"#),
        (#"{}"#, #"{"a":{"bb":{"ccc":null}}}"#, #"{"a":{"bb":{}}}"#),
    ]

    @Test("RFC 7386 appendix A", arguments: appendixA)
    func rfcAppendix(original: String, patch: String, result: String) throws {
        let merged = JSON.mergePatch(try JSON.parse(original), try JSON.parse(patch))
        #expect(merged.jsonString == result)
    }

    @Test("target key order is kept and new keys are appended")
    func keyOrder() throws {
        let target = try JSON.parse(#"{"kind":"Pod","metadata":{"name":"a","labels":{"x":"1"}},"spec":{}}"#)
        let patch = try JSON.parse(#"{"spec":{"nodeName":"n"},"metadata":{"labels":{"y":"2","x":null}},"status":{}}"#)
        #expect(
            JSON.mergePatch(target, patch).jsonString
                == #"{"kind":"Pod","metadata":{"name":"a","labels":{"y":"2"}},"spec":{"nodeName":"n"},"status":{}}"#)
    }

    static let diffs: [(original: String, modified: String, patch: String)] = [
        (#"{"a":1}"#, #"{"a":1}"#, #"{}"#),
        (#"{"a":1,"b":2}"#, #"{"a":1}"#, #"{"b":null}"#),
        (#"{"a":1}"#, #"{"a":2,"c":[1]}"#, #"{"a":2,"c":[1]}"#),
        (#"{"m":{"x":1,"y":2}}"#, #"{"m":{"x":1,"y":3}}"#, #"{"m":{"y":3}}"#),
        (#"{"l":[1,2]}"#, #"{"l":[1]}"#, #"{"l":[1]}"#),
        (#"{"m":{"x":1}}"#, #"{"m":"s"}"#, #"{"m":"s"}"#),
        (#"[1]"#, #"{"a":1}"#, #"{"a":1}"#),
    ]

    @Test("createMergePatch produces a patch that reproduces the target", arguments: diffs)
    func createMergePatch(original: String, modified: String, patch: String) throws {
        let from = try JSON.parse(original)
        let to = try JSON.parse(modified)
        let created = JSON.createMergePatch(from: from, to: to)
        #expect(created.jsonString == patch)
        #expect(JSON.mergePatch(from, created) == to)
    }
}
