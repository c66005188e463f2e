import JSON

/// Finds a value whose JSON type the Go field it would decode into cannot hold — a string for `port`, a number for
/// `name`, an object for `ports` — and words it as kube-apiserver's decoder (sigs.k8s.io/json, a fork of Go's
/// encoding/json) does: `json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32`.
///
/// kube-apiserver refuses such a body while decoding it into the Go types, before any validation runs: a create or
/// update gets 400 BadRequest (`<Kind> in version "v1" cannot be handled as a <Kind>: <error>`), a patch whose result
/// has one 422 on `patch` (``FieldPruning/patchDecodeError(_:shownValue:)``). Without this check such values reached
/// the kind strategies, which reported some as 422 with invented wording and let others (a fractional
/// `activeDeadlineSeconds`, a string for `spec.finalizers`) through to storage.
///
/// Rules, as Go's decoder applies them: `null` fits every field (it leaves the zero value); integers must be whole
/// numbers within the field's range (`number 1.5`, `number 9223372036854775808`); named types print with their
/// package (`v1.ServiceSpec`, `[]v1.ServicePort`, `map[string]string`); the struct is the innermost one being
/// decoded and the path joins JSON field names without list indices or map keys. The first mismatch in document
/// order is reported, as Go reports the first error it saved. Fields the schema does not declare are not checked
/// (pruning drops them). One approximation: a named string type that is not a `+enum` (`v1.FinalizerName`,
/// `types.UID`) prints as `string`, since the OpenAPI data does not name it.
public enum FieldTypeCheck {
    /// The first wrong-typed value in `object`, a body of `kind`, as Go's error text; nil when every value fits or the
    /// kind has no schema.
    public static func firstMismatch(in object: JSON, kind: String) -> String? {
        guard let definition = ObjectSchema.definition(forKind: kind), case .object(let topLevel) = object else {
            return nil
        }
        return members(topLevel, of: definition, path: "")
    }

    /// `ErrFormatWrong` of `k8s.io/apimachinery/pkg/api/resource`: what `Quantity.UnmarshalJSON` returns for a value
    /// that is neither a string nor a number.
    public static let quantityFormatError =
        "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"

    static let intOrString = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
    static let quantity = "io.k8s.apimachinery.pkg.api.resource.Quantity"
    static let time = "io.k8s.apimachinery.pkg.apis.meta.v1.Time"
    static let microTime = "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime"

    /// Where a value sits: the Go struct holding the field, the field's path, and the field's scalar Go type.
    private struct Field {
        let structName: String
        let path: String
        let scalarType: String?
    }

    private static func members(_ members: JSONObject, of definition: String, path: String) -> String? {
        guard let fields = ObjectSchema.fields(of: definition) else { return nil }
        let structName = shortName(definition)
        for member in members {
            guard let shape = fields[member.key] else { continue }
            let field = Field(
                structName: structName, path: path.isEmpty ? member.key : path + "." + member.key,
                scalarType: ScalarTypes.goType(definition: definition, field: member.key))
            if let problem = check(member.value, shape, field) { return problem }
        }
        return nil
    }

    private static func check(_ value: JSON, _ shape: ObjectSchema.Value, _ field: Field) -> String? {
        if value.isNull { return nil }
        switch shape {
        case .scalar:
            return scalar(value, goType: field.scalarType ?? "string", field)
        case .object(intOrString):
            // IntOrString.UnmarshalJSON: a string, or else whatever decodes into its int32.
            return value.stringValue != nil ? nil : scalar(value, goType: "int32", field)
        case .object(time), .object(microTime):
            // Time.UnmarshalJSON first decodes a string.
            return scalar(value, goType: "string", field)
        case .object(quantity):
            switch value {
            case .string, .int, .double: return nil
            default: return quantityFormatError
            }
        case .object(let definition):
            guard case .object(let members) = value else { return mismatch(value, typeName(shape, field), field) }
            return Self.members(members, of: definition, path: field.path)
        case .list(let element):
            guard case .array(let items) = value else { return mismatch(value, typeName(shape, field), field) }
            for item in items {
                if let problem = check(item, element, field) { return problem }
            }
            return nil
        case .map(let element):
            guard case .object(let entries) = value else { return mismatch(value, typeName(shape, field), field) }
            for entry in entries {
                if let problem = check(entry.value, element, field) { return problem }
            }
            return nil
        }
    }

    /// A scalar leaf of Go type `goType`.
    private static func scalar(_ value: JSON, goType: String, _ field: Field) -> String? {
        switch (goType, value) {
        case ("bool", .bool), ("int64", .int):
            return nil
        case ("int32", .int(let number)):
            return Int32(exactly: number) != nil ? nil : mismatch(value, goType, field)
        case ("bool", _), ("int32", _), ("int64", _):
            return mismatch(value, goType, field)
        case (_, .string):
            return nil
        default:
            return mismatch(value, goType, field)
        }
    }

    /// `json: cannot unmarshal <value> into Go struct field <Struct>.<path> of type <type>`; a number that misses an
    /// integer field shows its text (`number 1.5`), as `strconv.ParseInt` failures do in Go.
    private static func mismatch(_ value: JSON, _ goType: String, _ field: Field) -> String {
        var shown = value.typeName
        if goType == "int32" || goType == "int64" {
            switch value {
            case .int(let number): shown = "number \(number)"
            case .double: shown = "number " + String(decoding: value.serialized(), as: UTF8.self)
            default: break
            }
        }
        return "json: cannot unmarshal \(shown) into Go struct field \(field.structName).\(field.path) of type \(goType)"
    }

    /// The Go spelling of a field's type: `v1.ServiceSpec`, `[]v1.ServicePort`, `map[string]string`.
    private static func typeName(_ shape: ObjectSchema.Value, _ field: Field) -> String {
        switch shape {
        case .scalar: return field.scalarType ?? "string"
        case .object(intOrString): return "intstr.IntOrString"
        case .object(quantity): return "resource.Quantity"
        case .object(let definition): return "v1." + shortName(definition)
        case .list(let element): return "[]" + typeName(element, field)
        case .map(let element): return "map[string]" + typeName(element, field)
        }
    }

    /// `io.k8s.api.core.v1.ServicePort` → `ServicePort`.
    private static func shortName(_ definition: String) -> String {
        definition.split(separator: ".").last.map(String.init) ?? definition
    }
}
