import JSON

/// `fieldValidation` (reference §6.9): what the server does about unknown and duplicate fields in a create, update
/// or patch. Unknown fields are dropped whatever the directive; it only decides whether the client hears of it.
public enum FieldValidationDirective: String, Sendable {
    /// Drop silently.
    case ignore = "Ignore"
    /// Drop, and add one `Warning` header per problem. The default when the parameter is absent
    /// (`handlers/rest.go` `fieldValidation`).
    case warn = "Warn"
    /// Refuse the request: 400 on create/update, 422 on patch, listing every problem.
    case strict = "Strict"
}

/// Drops the fields a kind's schema does not declare, as decoding into the Go types does in kube-apiserver, and
/// reports them in the words of apimachinery's strict decoding errors (`unknown field "spec.foo"`).
///
/// Paths are those of `sigs.k8s.io/json`: `spec.ports[0].foo`, map values by key (`metadata.labels.x` is never unknown:
/// maps accept any key). Definitions that declare no fields (`FieldsV1`) and scalars accept anything.
public enum FieldPruning {
    /// Removes from `object` every field the schema of `kind` does not declare and returns the strict-decoding problems
    /// in document order: `unknown field "<path>"` for each dropped field, and `duplicate field "<path>"` for each of
    /// `duplicateFields` (as `JSON.parse(_:duplicateKeys:)` reports them), placed after the field they repeat. A kind
    /// without a schema is left alone.
    public static func prune(_ object: inout JSON, kind: String, duplicateFields: [String] = []) -> [String] {
        var walk = Walk(pendingDuplicates: Set(duplicateFields))
        if let definition = ObjectSchema.definition(forKind: kind),
            let pruned = walk.visit(object, .object(definition), path: "")
        {
            object = pruned
        }
        // Duplicates the walk did not pass (inside dropped or free-form values) come last, in the parser's order.
        for path in duplicateFields where walk.pendingDuplicates.contains(path) {
            walk.problems.append(duplicate(path))
        }
        return walk.problems
    }

    /// `unknown field "<path>"` (`sigs.k8s.io/json` strict errors).
    public static func unknown(_ path: String) -> String { "unknown field " + GoValue.quote(path) }

    /// `duplicate field "<path>"`.
    public static func duplicate(_ path: String) -> String { "duplicate field " + GoValue.quote(path) }

    /// The text of apimachinery's `strictDecodingError`: `strict decoding error: <problem>, <problem>`.
    public static func strictDecodingError(_ problems: [String]) -> String {
        "strict decoding error: " + problems.joined(separator: ", ")
    }

    /// One pass over a value: returns a replacement only when something below it was dropped, so objects without
    /// unknown fields are never copied.
    private struct Walk {
        var pendingDuplicates: Set<String>
        var problems: [String] = []

        mutating func visit(_ value: JSON, _ shape: ObjectSchema.Value, path: String) -> JSON? {
            switch (shape, value) {
            case (.object(let definition), .object(let members)):
                guard let fields = ObjectSchema.fields(of: definition) else { return nil }
                return visitMembers(members, path: path) { fields[$0] }
            case (.map(let element), .object(let members)):
                return visitMembers(members, path: path) { _ in element }
            case (.list(let element), .array(let items)):
                var replaced: [JSON]?
                for (index, item) in items.enumerated() {
                    if let new = visit(item, element, path: "\(path)[\(index)]") {
                        if replaced == nil { replaced = items }
                        replaced?[index] = new
                    }
                }
                return replaced.map { .array($0) }
            default:
                // Scalars, free-form values, and values of the wrong type (validation reports those) stay as they are.
                return nil
            }
        }

        /// The members of an object or map; `shapeOf` gives a member's value shape, nil for an undeclared field.
        private mutating func visitMembers(_ members: JSONObject, path: String,
                                           shapeOf: (String) -> ObjectSchema.Value?) -> JSON? {
            var replaced: JSONObject?
            for (index, member) in members.enumerated() {
                let memberPath = path.isEmpty ? member.key : path + "." + member.key
                if let shape = shapeOf(member.key) {
                    let new = visit(member.value, shape, path: memberPath)
                    if new != nil, replaced == nil { replaced = JSONObject(members.prefix(index)) }
                    replaced?.appendUnchecked(key: member.key, value: new ?? member.value)
                } else {
                    problems.append(FieldPruning.unknown(memberPath))
                    if replaced == nil { replaced = JSONObject(members.prefix(index)) }
                }
                if pendingDuplicates.remove(memberPath) != nil { problems.append(FieldPruning.duplicate(memberPath)) }
            }
            return replaced.map { .object($0) }
        }
    }
}
