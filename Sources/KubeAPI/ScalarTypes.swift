/// The Go types scalar fields decode into, from the upstream v1.32.0 definitions (`ScalarTypeTable.swift`, generated
/// by `scripts/gen-openapi.py`; `Tests/KubeAPITests/FieldTypeCheckTests.swift` recomputes it from
/// `openapi/definitions.json`). ``FieldTypeCheck`` needs them to word a wrong-type error the way Go does
/// (`... of type int32`, `... of type v1.Protocol`). Indexed on first use.
public enum ScalarTypes {
    /// The Go type of the scalar leaf of `field` in `definition` (`string`, `bool`, `int32`, `int64`, or a named
    /// `+enum` string type such as `v1.ServiceType`); nil when the field's leaf is a definition or it is not declared.
    public static func goType(definition: String, field: String) -> String? {
        index[definition]?[field]
    }

    static let index: [String: [String: String]] = {
        var index: [String: [String: String]] = [:]
        for row in rows { index[row.definition, default: [:]][row.field] = row.type }
        return index
    }()
}
