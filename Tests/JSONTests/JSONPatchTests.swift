import Testing

@testable import JSON

/// RFC 6902 JSON Patch (`application/json-patch+json`) with kube-apiserver's (evanphx/json-patch v4) messages.
struct JSONPatchTests {
    /// RFC 6902 Appendix A examples that succeed: document, patch, result.
    static let appendixSuccesses: [(name: String, document: String, patch: String, result: String)] = [
        // RFC 6902 prints {"baz":"qux","foo":"bar"}; members are unordered there, and new keys are appended here.
        (
            "A.1 adding an object member", #"{"foo":"bar"}"#, #"[{"op":"add","path":"/baz","value":"qux"}]"#,
            #"{"foo":"bar","baz":"qux"}"#
        ),
        (
            "A.2 adding an array element", #"{"foo":["bar","baz"]}"#, #"[{"op":"add","path":"/foo/1","value":"qux"}]"#,
            #"{"foo":["bar","qux","baz"]}"#
        ),
        (
            "A.3 removing an object member", #"{"baz":"qux","foo":"bar"}"#, #"[{"op":"remove","path":"/baz"}]"#,
            #"{"foo":"bar"}"#
        ),
        (
            "A.4 removing an array element", #"{"foo":["bar","qux","baz"]}"#, #"[{"op":"remove","path":"/foo/1"}]"#,
            #"{"foo":["bar","baz"]}"#
        ),
        (
            "A.5 replacing a value", #"{"baz":"qux","foo":"bar"}"#,
            #"[{"op":"replace","path":"/baz","value":"boo"}]"#, #"{"baz":"boo","foo":"bar"}"#
        ),
        (
            "A.6 moving a value", #"{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}"#,
            #"[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]"#,
            #"{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}"#
        ),
        (
            "A.7 moving an array element", #"{"foo":["all","grass","cows","eat"]}"#,
            #"[{"op":"move","from":"/foo/1","path":"/foo/3"}]"#, #"{"foo":["all","cows","eat","grass"]}"#
        ),
        (
            "A.8 testing a value: success", #"{"baz":"qux","foo":["a",2,"c"]}"#,
            #"[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]"#,
            #"{"baz":"qux","foo":["a",2,"c"]}"#
        ),
        (
            "A.10 adding a nested member object", #"{"foo":"bar"}"#,
            #"[{"op":"add","path":"/child","value":{"grandchild":{}}}]"#, #"{"foo":"bar","child":{"grandchild":{}}}"#
        ),
        (
            "A.11 ignoring unrecognized elements", #"{"foo":"bar"}"#,
            #"[{"op":"add","path":"/baz","value":"qux","xyz":123}]"#, #"{"foo":"bar","baz":"qux"}"#
        ),
        (
            "A.14 ~ escape ordering", #"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":10}]"#,
            #"{"/":9,"~1":10}"#
        ),
        (
            "A.16 adding an array value", #"{"foo":["bar"]}"#, #"[{"op":"add","path":"/foo/-","value":["abc","def"]}]"#,
            #"{"foo":["bar",["abc","def"]]}"#
        ),
        // Beyond the appendix.
        ("add replaces the whole document", #"{"a":1}"#, #"[{"op":"add","path":"","value":[1]}]"#, #"[1]"#),
        ("add to end by index", #"[1,2]"#, #"[{"op":"add","path":"/2","value":3}]"#, #"[1,2,3]"#),
        (
            "add existing member replaces it in place", #"{"a":1,"b":2}"#, #"[{"op":"add","path":"/a","value":0}]"#,
            #"{"a":0,"b":2}"#
        ),
        ("negative index counts from the end", #"[1,2,3]"#, #"[{"op":"remove","path":"/-1"}]"#, #"[1,2]"#),
        (
            "copy", #"{"a":{"b":1},"c":{}}"#, #"[{"op":"copy","from":"/a/b","path":"/c/d"}]"#,
            #"{"a":{"b":1},"c":{"d":1}}"#
        ),
        (
            "copy the whole document into itself", #"{"a":1}"#, #"[{"op":"copy","from":"","path":"/self"}]"#,
            #"{"a":1,"self":{"a":1}}"#
        ),
        ("move to the same place is a no-op", #"{"a":1}"#, #"[{"op":"move","from":"/a","path":"/a"}]"#, #"{"a":1}"#),
        (
            "test compares numbers by value and objects by content", #"{"n":1,"o":{"x":1,"y":2}}"#,
            #"[{"op":"test","path":"/n","value":1.0},{"op":"test","path":"/o","value":{"y":2,"x":1}}]"#,
            #"{"n":1,"o":{"x":1,"y":2}}"#
        ),
        ("test the whole document", #"{"a":[1]}"#, #"[{"op":"test","path":"","value":{"a":[1]}}]"#, #"{"a":[1]}"#),
        (
            "keys with slashes and tildes", #"{"metadata":{"labels":{"app.kubernetes.io/name":"x","a~b":1}}}"#,
            #"[{"op":"replace","path":"/metadata/labels/app.kubernetes.io~1name","value":"y"},{"op":"remove","path":"/metadata/labels/a~0b"}]"#,
            #"{"metadata":{"labels":{"app.kubernetes.io/name":"y"}}}"#
        ),
        ("empty patch", #"{"a":1}"#, #"[]"#, #"{"a":1}"#),
    ]

    @Test("RFC 6902 appendix A and friends apply", arguments: appendixSuccesses)
    func applies(name: String, document: String, patch: String, result: String) throws {
        let patched = try JSONPatch.apply(JSON.parse(patch), to: JSON.parse(document))
        #expect(patched.jsonString == result, "\(name)")
    }

    /// Operations that do not apply (422 in kube-apiserver): document, patch, operation index, message.
    static let failures: [(name: String, document: String, patch: String, index: Int, message: String)] = [
        (
            "A.9 testing a value: error", #"{"baz":"qux"}"#, #"[{"op":"test","path":"/baz","value":"bar"}]"#, 0,
            "testing value /baz failed: test failed"
        ),
        (
            "A.12 adding to a nonexistent target", #"{"foo":"bar"}"#,
            #"[{"op":"add","path":"/baz/bat","value":"qux"}]"#,
            0, #"add operation does not apply: doc is missing path: "/baz/bat": missing value"#
        ),
        (
            "A.15 comparing strings and numbers", #"{"/":9,"~1":10}"#, #"[{"op":"test","path":"/~01","value":"10"}]"#,
            0,
            "testing value /~01 failed: test failed"
        ),
        (
            "replace a missing key", #"{"spec":{}}"#, #"[{"op":"replace","path":"/spec/foo","value":1}]"#, 0,
            "replace operation does not apply: doc is missing key: /spec/foo: missing value"
        ),
        (
            "replace under a missing parent", #"{}"#, #"[{"op":"replace","path":"/spec/foo","value":1}]"#, 0,
            "replace operation does not apply: doc is missing path: /spec/foo: missing value"
        ),
        (
            "test a missing key", #"{"spec":{}}"#, #"[{"op":"test","path":"/spec/x","value":1}]"#, 0,
            "testing value /spec/x failed: test failed"
        ),
        (
            "test under a missing parent", #"{}"#, #"[{"op":"test","path":"/spec/x","value":1}]"#, 0,
            "test operation does not apply: is missing path: /spec/x: missing value"
        ),
        ("unknown op", #"{}"#, #"[{"op":"foo","path":"/a"}]"#, 0, "Unexpected kind: foo"),
        (
            "remove a missing key", #"{"a":1}"#, #"[{"op":"remove","path":"/x"}]"#, 0,
            "error in remove for path: '/x': unable to remove nonexistent key: x: missing value"
        ),
        (
            "remove under a missing parent", #"{"a":1}"#, #"[{"op":"remove","path":"/x/y"}]"#, 0,
            #"remove operation does not apply: doc is missing path: "/x/y": missing value"#
        ),
        (
            "remove the root", #"{"a":1}"#, #"[{"op":"remove","path":""}]"#, 0,
            #"remove operation does not apply: doc is missing path: "": missing value"#
        ),
        (
            "remove past the end", #"{"a":[1]}"#, #"[{"op":"remove","path":"/a/1"}]"#, 0,
            "error in remove for path: '/a/1': Unable to access invalid index: 1: invalid index referenced"
        ),
        (
            "add past the end", #"{"a":[1]}"#, #"[{"op":"add","path":"/a/5","value":2}]"#, 0,
            "error in add for path: '/a/5': Unable to access invalid index: 5: invalid index referenced"
        ),
        (
            "add with a non-numeric index", #"{"a":[1]}"#, #"[{"op":"add","path":"/a/x","value":2}]"#, 0,
            #"error in add for path: '/a/x': value was not a proper array index: 'x': strconv.Atoi: parsing "x": invalid syntax"#
        ),
        (
            "step into a scalar", #"{"a":1}"#, #"[{"op":"add","path":"/a/b","value":2}]"#, 0,
            #"add operation does not apply: doc is missing path: "/a/b": missing value"#
        ),
        (
            "pointer without a leading slash", #"{"a":1}"#, #"[{"op":"add","path":"a","value":2}]"#, 0,
            #"add operation does not apply: doc is missing path: "a": missing value"#
        ),
        (
            "move from a missing key", #"{"a":{}}"#, #"[{"op":"move","from":"/a/x","path":"/b"}]"#, 0,
            "error in move for path: 'x': unable to remove nonexistent key: x: missing value"
        ),
        (
            "move from a missing parent", #"{}"#, #"[{"op":"move","from":"/a/x","path":"/b"}]"#, 0,
            "move operation does not apply: doc is missing from path: /a/x: missing value"
        ),
        (
            "move into its own child", #"{"a":{"b":{}}}"#, #"[{"op":"move","from":"/a","path":"/a/b/c"}]"#, 0,
            "move operation does not apply: doc is missing destination path: /a/b/c: missing value"
        ),
        (
            "copy from a missing key", #"{"a":{}}"#, #"[{"op":"copy","from":"/a/x","path":"/b"}]"#, 0,
            "error in copy for from: '/a/x': unable to get nonexistent key: x: missing value"
        ),
        (
            "copy to a missing parent", #"{"a":1}"#, #"[{"op":"copy","from":"/a","path":"/x/y"}]"#, 0,
            "copy operation does not apply: doc is missing destination path: /x/y: missing value"
        ),
        (
            "second operation fails", #"{"a":1}"#,
            #"[{"op":"replace","path":"/a","value":2},{"op":"test","path":"/a","value":1}]"#, 1,
            "testing value /a failed: test failed"
        ),
    ]

    @Test("operations that do not apply fail with evanphx/json-patch messages", arguments: failures)
    func fails(name: String, document: String, patch: String, index: Int, message: String) throws {
        let patchValue = try JSON.parse(patch)
        let documentValue = try JSON.parse(document)
        #expect(throws: JSONPatchError.operationFailed(index: index, message: message), "\(name)") {
            try JSONPatch.apply(patchValue, to: documentValue)
        }
    }

    /// Patch documents that are not valid patches (400 in kube-apiserver).
    static let malformed: [(name: String, patch: String, message: String)] = [
        (
            "not an array", #"{"op":"add","path":"/a","value":1}"#,
            "json: cannot unmarshal object into Go value of type jsonpatch.Patch"
        ),
        (
            "operation not an object", #"["add"]"#,
            "json: cannot unmarshal string into Go value of type jsonpatch.Operation"
        ),
        ("op missing", #"[{"path":"/a","value":1}]"#, #"operation 0 is missing a string "op" member"#),
        ("op not a string", #"[{"op":1,"path":"/a"}]"#, #"operation 0 is missing a string "op" member"#),
        (
            "path missing", #"[{"op":"remove"}]"#,
            "remove operation failed to decode path: operation missing path field: missing value"
        ),
        (
            "from missing", #"[{"op":"move","path":"/a"}]"#,
            "move operation failed to decode from: operation, missing from field: missing value"
        ),
        ("value missing", #"[{"op":"add","path":"/a"}]"#, "add operation, missing value field: missing value"),
        (
            "malformed later operation", #"[{"op":"add","path":"/a","value":1},{"op":"test","path":"/a"}]"#,
            "test operation, missing value field: missing value"
        ),
    ]

    @Test("malformed patch documents are invalidPatch, before anything applies", arguments: malformed)
    func malformedPatch(name: String, patch: String, message: String) throws {
        let patchValue = try JSON.parse(patch)
        #expect(throws: JSONPatchError.invalidPatch(message), "\(name)") {
            try JSONPatch.apply(patchValue, to: ["a": 0])
        }
    }

    @Test("A.13 an operation with two op members is detected and does not apply")
    func appendixA13() throws {
        var duplicates: [String] = []
        let patch = try JSON.parse(
            #"[{"op":"add","path":"/baz","value":"qux","op":"remove"}]"#, duplicateKeys: &duplicates)
        #expect(duplicates == ["[0].op"])
        #expect(throws: JSONPatchError.self) { try JSONPatch.apply(patch, to: ["foo": "bar"]) }
    }

    @Test("more than 10,000 operations is refused")
    func operationLimit() throws {
        let operation: JSON = ["op": "test", "path": "/a", "value": 1]
        let atLimit = JSON.array(Array(repeating: operation, count: JSONPatch.maximumOperations))
        #expect(try JSONPatch.apply(atLimit, to: ["a": 1]) == ["a": 1])
        let overLimit = JSON.array(Array(repeating: operation, count: JSONPatch.maximumOperations + 1))
        #expect(throws: JSONPatchError.tooManyOperations(count: 10_001, limit: 10_000)) {
            try JSONPatch.apply(overLimit, to: ["a": 1])
        }
        #expect(
            JSONPatchError.tooManyOperations(count: 10_001, limit: 10_000).description
                == "The allowed maximum operations in a JSON patch is 10000, got 10001")
    }

    @Test("a failing patch leaves the caller's document untouched")
    func allOrNothing() throws {
        let document: JSON = ["a": 1, "b": [1, 2]]
        let patch = try JSON.parse(
            #"[{"op":"remove","path":"/a"},{"op":"add","path":"/b/-","value":3},{"op":"remove","path":"/zzz"}]"#)
        #expect(throws: JSONPatchError.self) { try JSONPatch.apply(patch, to: document) }
        #expect(document.jsonString == #"{"a":1,"b":[1,2]}"#)
    }

    static let pointers: [(text: String, tokens: [String]?)] = [
        ("", []),
        ("/", [""]),
        ("/foo/0", ["foo", "0"]),
        ("/a~1b/m~0n", ["a/b", "m~n"]),
        ("/~01", ["~1"]),
        ("foo", nil),
        ("/a~2", nil),
        ("/a~", nil),
    ]

    @Test("RFC 6901 pointers parse and print", arguments: pointers)
    func pointerParsing(text: String, tokens: [String]?) {
        let pointer = JSONPointer(text)
        #expect(pointer?.tokens == tokens)
        if let pointer { #expect(pointer.description == text) }
    }

    @Test("RFC 6901 section 5 examples resolve")
    func pointerEvaluation() throws {
        let document = try JSON.parse(
            #"{"foo":["bar","baz"],"":0,"a/b":1,"c%d":2,"e^f":3,"g|h":4,"i\\j":5,"k\"l":6," ":7,"m~n":8}"#)
        let expectations: [(String, JSON)] = [
            ("", document), ("/foo", ["bar", "baz"]), ("/foo/0", "bar"), ("/", 0), ("/a~1b", 1), ("/c%d", 2),
            ("/e^f", 3), ("/g|h", 4), ("/i\\j", 5), ("/k\"l", 6), ("/ ", 7), ("/m~0n", 8),
        ]
        for (text, expected) in expectations {
            #expect(document[pointer: JSONPointer(text)!] == expected, "\(text)")
        }
        #expect(document[pointer: JSONPointer("/foo/2")!] == nil)
        #expect(document[pointer: JSONPointer("/foo/-")!] == nil)
    }
}
