import JSON

/// Typed reads of `metadata` members from untyped JSON, collecting a `FieldError` for a member of the wrong JSON
/// type instead of trapping.
///
/// Go decodes `null` into a string, number or slice as the zero value, so `null` reads as absent here too.
/// A wrong type is reported as `Invalid value: <v>: must be of type <t>` at the member's path (kube-apiserver
/// would already have refused such a body while decoding it into `metav1.ObjectMeta`). Not thread-safe; one
/// reader per validation.
struct MetadataReader {
    /// The errors found so far, in read order.
    var errors: [FieldError] = []

    /// `Invalid value: <v>: must be of type <type>` at `path`.
    static func typeError(_ path: String, _ value: JSON, _ type: String) -> FieldError {
        FieldError(.invalid, field: path, value: GoValue.render(value), detail: "must be of type \(type)")
    }

    /// The object at `path`, `[:]` when absent or null.
    mutating func object(_ value: JSON?, path: String) -> JSONObject? {
        switch value {
        case nil, .null?: return JSONObject()
        case .object(let object)?: return object
        case let other?:
            errors.append(Self.typeError(path, other, "object"))
            return nil
        }
    }

    /// The string at `path`, `""` when absent, null or of the wrong type.
    mutating func string(_ value: JSON?, path: String) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let string)?: return string
        case let other?:
            errors.append(Self.typeError(path, other, "string"))
            return ""
        }
    }

    /// The integer at `path`, nil when absent or null (Go's nil pointer; callers use 0 for non-pointer fields).
    mutating func integer(_ value: JSON?, path: String) -> Int64? {
        switch value {
        case nil, .null?: return nil
        case let number? where number.intValue != nil: return number.intValue
        case let other?:
            errors.append(Self.typeError(path, other, "integer"))
            return nil
        }
    }

    /// The boolean at `path`, nil when absent or null.
    mutating func bool(_ value: JSON?, path: String) -> Bool? {
        switch value {
        case nil, .null?: return nil
        case .bool(let bool)?: return bool
        case let other?:
            errors.append(Self.typeError(path, other, "boolean"))
            return nil
        }
    }

    /// The elements at `path`, `[]` when absent or null.
    mutating func array(_ value: JSON?, path: String) -> [JSON] {
        switch value {
        case nil, .null?: return []
        case .array(let items)?: return items
        case let other?:
            errors.append(Self.typeError(path, other, "array"))
            return []
        }
    }

    /// A string list (finalizers), skipping and reporting non-strings at `path[i]`.
    mutating func strings(_ value: JSON?, path: String) -> [String] {
        var result: [String] = []
        for (index, item) in array(value, path: path).enumerated() {
            if case .string(let string) = item {
                result.append(string)
            } else if !item.isNull {
                errors.append(Self.typeError("\(path)[\(index)]", item, "string"))
            } else {
                result.append("")
            }
        }
        return result
    }

    /// A `map[string]string` (labels, annotations) in document order; non-string values are reported at
    /// `path[key]` and skipped, null values read as `""`.
    mutating func stringMap(_ value: JSON?, path: String) -> [(key: String, value: String)] {
        guard let object = object(value, path: path) else { return [] }
        var result: [(key: String, value: String)] = []
        for (key, item) in object {
            switch item {
            case .string(let string): result.append((key, string))
            case .null: result.append((key, ""))
            default: errors.append(Self.typeError("\(path)[\(key)]", item, "string"))
            }
        }
        return result
    }

    /// A timestamp (`creationTimestamp`, `deletionTimestamp`): nil when absent or null, the raw text when unparsable.
    mutating func timestamp(_ value: JSON?, path: String) -> (MetaTimestamp?, String)? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?: return (MetaTimestamp(rfc3339: text), text)
        case let other?:
            errors.append(Self.typeError(path, other, "string"))
            return nil
        }
    }
}
