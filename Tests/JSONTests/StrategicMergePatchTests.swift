import Testing

@testable import JSON

/// A small schema shaped like upstream's strategicpatch test struct: `items` merges by `name`, `tags` is a merged
/// list of scalars, `plain`/`plainTags` have no strategy, `volumes` merges by `name` with `retainKeys`, and
/// `template` is a nested object with the same fields.
private struct ItemSchema: StrategicMergePatchSchema {
    func field(_ name: String) -> StrategicMergePatchField {
        switch name {
        case "items": return .init(strategy: "merge", mergeKey: "name", schema: self)
        case "tags": return .init(strategy: "merge")
        case "plain": return .init(schema: self)
        case "volumes": return .init(strategy: "merge,retainKeys", mergeKey: "name", schema: self)
        case "template": return .init(schema: self)
        case "replaced": return .init(strategy: "replace")
        default: return .unspecified
        }
    }
}

/// Strategic merge patch (`application/strategic-merge-patch+json`) against a hand-written schema: the rules of
/// `k8s.io/apimachinery/pkg/util/strategicpatch/patch.go`, including the order of merged lists.
struct StrategicMergePatchTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let original: String
        let patch: String
        let result: String
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "objects merge and null deletes a key",
            original: #"{"m":{"a":"1","b":"2"},"x":1}"#, patch: #"{"m":{"b":null,"c":"3"},"y":2}"#,
            result: #"{"m":{"a":"1","c":"3"},"x":1,"y":2}"#),
        Case(
            name: "null for a missing key changes nothing",
            original: #"{"a":1}"#, patch: #"{"b":null}"#, result: #"{"a":1}"#),
        Case(
            name: "an element with a known merge key merges into it",
            original: #"{"items":[{"name":"a","v":1,"w":1},{"name":"b"}]}"#,
            patch: #"{"items":[{"name":"a","v":2}]}"#,
            result: #"{"items":[{"name":"a","v":2,"w":1},{"name":"b"}]}"#),
        Case(
            name: "a new element goes before the live elements",
            original: #"{"items":[{"name":"a"},{"name":"b"}]}"#, patch: #"{"items":[{"name":"c"}]}"#,
            result: #"{"items":[{"name":"c"},{"name":"a"},{"name":"b"}]}"#),
        Case(
            name: "a live element before a patched one stays before it",
            original: #"{"items":[{"name":"a"},{"name":"b"}]}"#, patch: #"{"items":[{"name":"b","v":1},{"name":"c"}]}"#,
            result: #"{"items":[{"name":"a"},{"name":"b","v":1},{"name":"c"}]}"#),
        Case(
            name: "null inside a merged element deletes that field",
            original: #"{"items":[{"name":"a","v":1,"w":1}]}"#, patch: #"{"items":[{"name":"a","v":null}]}"#,
            result: #"{"items":[{"name":"a","w":1}]}"#),
        Case(
            name: "$patch delete removes the element with that key",
            original: #"{"items":[{"name":"a"},{"name":"b"}]}"#, patch: #"{"items":[{"name":"a","$patch":"delete"}]}"#,
            result: #"{"items":[{"name":"b"}]}"#),
        Case(
            name: "$patch delete of a missing element is a no-op",
            original: #"{"items":[{"name":"a"}]}"#, patch: #"{"items":[{"name":"z","$patch":"delete"}]}"#,
            result: #"{"items":[{"name":"a"}]}"#),
        Case(
            name: "$patch replace in a list replaces the whole list",
            original: #"{"items":[{"name":"a","v":1},{"name":"b"}]}"#,
            patch: #"{"items":[{"name":"c"},{"$patch":"replace"}]}"#, result: #"{"items":[{"name":"c"}]}"#),
        Case(
            name: "$patch replace in an object keeps only the patch",
            original: #"{"m":{"a":1,"b":2}}"#, patch: #"{"m":{"$patch":"replace","c":3}}"#, result: #"{"m":{"c":3}}"#),
        Case(
            name: "$patch delete in an object empties it",
            original: #"{"m":{"a":1}}"#, patch: #"{"m":{"$patch":"delete"}}"#, result: #"{"m":{}}"#),
        Case(
            name: "merged scalars become the union",
            original: #"{"tags":["a","b"]}"#, patch: #"{"tags":["b","c"]}"#, result: #"{"tags":["a","b","c"]}"#),
        Case(
            name: "$deleteFromPrimitiveList removes values",
            original: #"{"tags":["a","b","c"]}"#, patch: #"{"$deleteFromPrimitiveList/tags":["b","z"]}"#,
            result: #"{"tags":["a","c"]}"#),
        Case(
            name: "$deleteFromPrimitiveList of a missing list adds nothing",
            original: #"{"x":1}"#, patch: #"{"$deleteFromPrimitiveList/tags":["b"]}"#, result: #"{"x":1}"#),
        Case(
            name: "a list without strategy is replaced",
            original: #"{"plain":[{"name":"a","v":1}],"plainTags":[1,2]}"#,
            patch: #"{"plain":[{"name":"a"}],"plainTags":[3]}"#, result: #"{"plain":[{"name":"a"}],"plainTags":[3]}"#),
        Case(
            name: "an object with strategy replace is replaced",
            original: #"{"replaced":{"a":1}}"#, patch: #"{"replaced":{"b":2}}"#, result: #"{"replaced":{"b":2}}"#),
        Case(
            name: "$setElementOrder orders the named elements, a server-only one stays before those it preceded",
            original: #"{"items":[{"name":"a"},{"name":"x"},{"name":"b"}]}"#,
            patch: #"{"$setElementOrder/items":[{"name":"b"},{"name":"a"}],"items":[{"name":"a","v":1}]}"#,
            result: #"{"items":[{"name":"x"},{"name":"b"},{"name":"a","v":1}]}"#),
        Case(
            name: "$setElementOrder alone reorders a list of scalars",
            original: #"{"tags":["a","b","c"]}"#, patch: #"{"$setElementOrder/tags":["c","a","b"]}"#,
            result: #"{"tags":["c","a","b"]}"#),
        Case(
            name: "kubectl apply removing one element and adding another keeps the survivors first",
            original: #"{"items":[{"name":"a"},{"name":"b","v":1},{"name":"d"}]}"#,
            patch:
                #"{"$setElementOrder/items":[{"name":"b"},{"name":"c"}],"items":[{"name":"c"},{"name":"a","$patch":"delete"}]}"#,
            result: #"{"items":[{"name":"b","v":1},{"name":"d"},{"name":"c"}]}"#),
        Case(
            name: "$retainKeys clears live keys that are not listed",
            original: #"{"volumes":[{"name":"v","emptyDir":{},"x":1}]}"#,
            patch: #"{"volumes":[{"name":"v","$retainKeys":["name","hostPath"],"hostPath":{"path":"/p"}}]}"#,
            result: #"{"volumes":[{"name":"v","hostPath":{"path":"/p"}}]}"#),
        Case(
            name: "values copied from the patch lose their nulls and directives",
            original: #"{}"#, patch: #"{"m":{"a":null,"b":1,"c":{"$patch":"delete"}},"items":[{"name":"a","v":null}]}"#,
            result: #"{"m":{"b":1},"items":[{"name":"a"}]}"#),
        Case(
            name: "a value of another type replaces the live value",
            original: #"{"m":{"a":1},"s":"x"}"#, patch: #"{"m":"flat","s":{"k":1}}"#,
            result: #"{"m":"flat","s":{"k":1}}"#),
        Case(
            name: "nested objects use the nested schema",
            original: #"{"template":{"items":[{"name":"a","v":1}]}}"#,
            patch: #"{"template":{"items":[{"name":"a","w":2}]}}"#,
            result: #"{"template":{"items":[{"name":"a","v":1,"w":2}]}}"#),
        Case(name: "a null patch is an empty patch", original: #"{"a":1}"#, patch: "null", result: #"{"a":1}"#),
    ]

    @Test("applies", arguments: cases)
    func applies(_ testCase: Case) throws {
        let result = try JSON.strategicMergePatch(
            try JSON.parse(testCase.original), try JSON.parse(testCase.patch), schema: ItemSchema())
        #expect(result.jsonString == testCase.result)
    }

    static let errors: [(patch: String, error: StrategicMergePatchError)] = [
        (#"[1]"#, .notAnObject(typeName: "array")),
        (#"{"m":{"$patch":"foo"}}"#, .invalidPatch("unknown patch type: foo in map: map[$patch:foo]")),
        (#"{"m":{"$patch":"merge","a":1}}"#, .invalidPatch("unknown patch type: merge in map: map[$patch:merge a:1]")),
        (#"{"items":[{"$patch":"merge"}]}"#, .invalidPatch("merging lists cannot yet be specified in the patch")),
        (#"{"items":[{"v":1}]}"#, .invalidPatch("map: map[v:1] does not contain declared merge key: name")),
        (
            #"{"items":[{"$patch":"delete"}]}"#,
            .invalidPatch("map: map[$patch:delete] does not contain declared merge key: name")
        ),
        (#"{"items":["a"]}"#, .invalidPatch("list element types are not identical: [[map[name:a]] [a]]")),
        (#"{"tags":[["a"]]}"#, .listOfLists),
        (#"{"$deleteFromPrimitiveListtags":["a"]}"#, .invalidDirectiveFormat("invalid patch format of primitive list")),
        (#"{"$setElementOrder":["a"]}"#, .invalidDirectiveFormat("invalid patch format of setElementOrder list")),
        (#"{"m":{"$retainKeys":"a"}}"#, .invalidDirectiveFormat("invalid patch format of retainKeys")),
        (#"{"m":{"$retainKeys":["a"],"b":1}}"#, .invalidDirectiveFormat("invalid patch format of retainKeys")),
        (
            #"{"$setElementOrder/items":[{"name":"b"}],"items":[{"name":"a"}]}"#,
            .invalidPatch(
                "The order in patch list:\n[map[name:a]]\n doesn't match $setElementOrder list:\n[map[name:b]]\n")
        ),
    ]

    @Test("malformed patches are rejected with upstream's message", arguments: errors)
    func rejects(patch: String, error: StrategicMergePatchError) throws {
        let original = try JSON.parse(#"{"m":{"a":1},"items":[{"name":"a"}],"tags":[]}"#)
        #expect(throws: error) {
            try JSON.strategicMergePatch(original, try JSON.parse(patch), schema: ItemSchema())
        }
    }

    @Test("status codes follow kube-apiserver's interpretStrategicMergePatchError")
    func statusCodes() {
        #expect(StrategicMergePatchError.notAnObject(typeName: "string").statusCode == 400)
        #expect(StrategicMergePatchError.badRetainKeys.statusCode == 400)
        #expect(StrategicMergePatchError.listOfLists.statusCode == 422)
        #expect(StrategicMergePatchError.invalidPatch("x").statusCode == 500)
        #expect(
            StrategicMergePatchError.notAnObject(typeName: "string").description
                == "json: cannot unmarshal string into Go value of type map[string]interface {}")
    }

    @Test("without a schema it is a JSON merge patch that understands $patch")
    func unspecifiedSchema() throws {
        let original = try JSON.parse(#"{"l":[1,2],"m":{"a":1}}"#)
        let patch = try JSON.parse(#"{"l":[3],"m":{"$patch":"replace","b":2}}"#)
        let result = try JSON.strategicMergePatch(original, patch, schema: UnspecifiedPatchSchema())
        #expect(result.jsonString == #"{"l":[3],"m":{"b":2}}"#)
    }
}
