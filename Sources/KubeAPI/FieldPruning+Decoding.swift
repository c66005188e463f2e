import JSON

extension FieldPruning {
    /// Decodes a create or update body the way kube-apiserver's strict JSON decoder does (`handlers/create.go`,
    /// `update.go`): parse, drop unknown fields, then act on the problems by `validation`: `Strict` is a 400
    /// `<Kind> in version "<v>" cannot be handled as a <Kind>: strict decoding error: unknown field "spec.foo"`,
    /// `Warn` returns them as warnings, `Ignore` forgets them.
    ///
    /// A body naming another kind or version is only parsed: the Registry refuses it with its own message.
    public static func decode(
        _ body: [UInt8], _ info: ResourceInfo, validation: FieldValidationDirective
    ) throws(StatusError) -> (object: JSON, warnings: [String]) {
        var duplicates: [String] = []
        var object: JSON
        do {
            object = try JSON.parse(body, duplicateKeys: &duplicates)
        } catch {
            throw unrecognized(info, "\(error)", body: body)
        }
        for member in ["apiVersion", "kind"] {
            if let value = object[member], !value.isNull, value.stringValue == nil {
                throw unrecognized(
                    info, "json: cannot unmarshal \(value.typeName) into Go struct field .\(member) of type string",
                    body: body)
            }
        }
        let kind = object["kind"]?.stringValue ?? ""
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        guard object.objectValue != nil, kind.isEmpty || kind == info.kind,
            apiVersion.isEmpty || apiVersion == info.apiVersion
        else { return (object, []) }
        if let mismatch = FieldTypeCheck.firstMismatch(in: object, kind: info.kind) {
            throw .badRequest("\(info.kind) in version \"\(info.version)\" cannot be handled as a \(info.kind): \(mismatch)")
        }
        let problems = prune(&object, kind: info.kind, duplicateFields: validation == .ignore ? [] : duplicates)
        switch validation {
        case .strict where !problems.isEmpty:
            throw .badRequest("\(info.kind) in version \"\(info.version)\" cannot be handled as a \(info.kind): "
                + strictDecodingError(problems))
        case .warn:
            return (object, problems)
        default:
            return (object, [])
        }
    }

    /// The 400 for a body whose type meta cannot be read — malformed JSON, or a non-string `kind`/`apiVersion` —
    /// as `transformDecodeError` words it when the serializer's `Interpret` step fails (`handlers/rest.go`,
    /// `runtime/serializer/json/meta.go`): `the object provided is unrecognized (must be of type Service): couldn't get
    /// version/kind; json parse error: unexpected end of JSON input ({"metadata":)`, with at most 30 bytes of the body.
    static func unrecognized(_ info: ResourceInfo, _ problem: String, body: [UInt8]) -> StatusError {
        let summary = body.isEmpty ? "<empty>"
            : body.count > 30 ? String(decoding: body.prefix(30), as: UTF8.self) + " ..."
            : String(decoding: body, as: UTF8.self)
        return .badRequest("the object provided is unrecognized (must be of type \(info.kind)): "
            + "couldn't get version/kind; json parse error: \(problem) (\(summary))")
    }

    /// The 422 a patch gets when its result does not decode into the kind's Go type (`handlers/patch.go`: a
    /// non-strict decoding error is `field.Invalid(field.NewPath("patch"), <shown patch>, err.Error())`), e.g.
    /// `json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32`.
    public static func patchDecodeError(_ message: String, shownValue: String) -> StatusError {
        .invalid(kind: "", group: "", name: "", errors: [.invalid("patch", .string(shownValue), message)])
    }

    /// The 422 a patch gets under `Strict` (`handlers/patch.go`): an `Invalid` with no kind or name and one cause on
    /// `patch`, whose value is how upstream shows the patch — `fmt.Sprintf("%+v", patchMap)` for a strategic merge
    /// patch, the patched object's JSON for JSON and merge patches (see ``goFormat(_:)`` and ``sortedJSON(_:)``).
    /// kubectl prints it as `The request is invalid: patch: Invalid value: ...: strict decoding error: ...`.
    public static func strictPatchError(_ problems: [String], shownValue: String) -> StatusError {
        patchDecodeError(strictDecodingError(problems), shownValue: shownValue)
    }

    /// Go's `%+v` of a decoded `map[string]interface{}`: `map[spec:map[ports:[map[port:80]]]]`, keys sorted, strings
    /// bare, null as `<nil>`.
    public static func goFormat(_ value: JSON) -> String {
        switch value {
        case .null: return "<nil>"
        case .bool(let bool): return bool ? "true" : "false"
        case .int(let int): return String(int)
        case .double(let double):
            return double.rounded() == double && abs(double) < 1e21 ? String(Int64(double)) : "\(double)"
        case .string(let string): return string
        case .array(let items): return "[" + items.map(goFormat).joined(separator: " ") + "]"
        case .object(let members):
            let sorted = members.sorted { $0.key < $1.key }
            return "map[" + sorted.map { "\($0.key):\(goFormat($0.value))" }.joined(separator: " ") + "]"
        }
    }

    /// Compact JSON with object keys sorted, as Go's `encoding/json` writes a map.
    public static func sortedJSON(_ value: JSON) -> String {
        String(decoding: sortingKeys(value).serialized(), as: UTF8.self)
    }

    private static func sortingKeys(_ value: JSON) -> JSON {
        switch value {
        case .array(let items): return .array(items.map(sortingKeys))
        case .object(let members):
            let sorted = members.sorted { $0.key < $1.key }
            return .object(JSONObject(sorted.map { (key: $0.key, value: sortingKeys($0.value)) }))
        default: return value
        }
    }
}
