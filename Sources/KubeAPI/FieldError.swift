import JSON

/// One validation failure on one field, as `k8s.io/apimachinery/pkg/util/validation/field/errors.go` renders it.
///
/// `description` is the text that goes into a 422 message (`spec.ports[0].port: Invalid value: 0: must be ...`),
/// `body` the same without the field path (what goes into `StatusCause.message`).
public struct FieldError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The error types of `field.ErrorType`, with the text and the cause reason each renders as.
    public enum ErrorType: Sendable, Equatable {
        case required, invalid, notSupported, duplicate, forbidden, tooLong, tooMany, notFound, internalError

        /// The text in the message, e.g. `Required value`.
        public var text: String {
            switch self {
            case .required: return "Required value"
            case .invalid: return "Invalid value"
            case .notSupported: return "Unsupported value"
            case .duplicate: return "Duplicate value"
            case .forbidden: return "Forbidden"
            case .tooLong: return "Too long"
            case .tooMany: return "Too many"
            case .notFound: return "Not found"
            case .internalError: return "Internal error"
            }
        }

        /// `StatusCause.reason`, e.g. `FieldValueRequired`.
        public var causeReason: String {
            switch self {
            case .required: return "FieldValueRequired"
            case .invalid: return "FieldValueInvalid"
            case .notSupported: return "FieldValueNotSupported"
            case .duplicate: return "FieldValueDuplicate"
            case .forbidden: return "FieldValueForbidden"
            case .tooLong: return "FieldValueTooLong"
            case .tooMany: return "FieldValueTooMany"
            case .notFound: return "FieldValueNotFound"
            case .internalError: return "InternalError"
            }
        }
    }

    public var type: ErrorType
    /// Field path with dots and `[i]` indices, e.g. `spec.ports[1].name`.
    public var field: String
    /// The offending value already rendered Go-style (`"abc"`, `0`, `[]string{"a"}`), or nil when not shown.
    public var renderedValue: String?
    public var detail: String

    public init(_ type: ErrorType, field: String, value: String? = nil, detail: String = "") {
        self.type = type
        self.field = field
        self.renderedValue = value
        self.detail = detail
    }

    /// The message without the field path (`ErrorBody`).
    public var body: String {
        var text = type.text
        switch type {
        case .required, .forbidden, .tooLong, .internalError:
            // These omit the value (`field/errors.go`: "omitValue" types).
            if !detail.isEmpty { text += ": \(detail)" }
        case .tooMany:
            if let renderedValue { text += ": \(renderedValue)" }
            if !detail.isEmpty { text += ": \(detail)" }
        default:
            if let renderedValue { text += ": \(renderedValue)" }
            if !detail.isEmpty { text += ": \(detail)" }
        }
        return text
    }

    public var description: String { field.isEmpty ? body : "\(field): \(body)" }
}

extension FieldError {
    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(.required, field: field, detail: detail)
    }

    public static func invalid(_ field: String, _ value: JSON, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, value: GoValue.render(value), detail: detail)
    }

    public static func invalid(_ field: String, string value: String, _ detail: String) -> FieldError {
        FieldError(.invalid, field: field, value: GoValue.quote(value), detail: detail)
    }

    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(.forbidden, field: field, detail: detail)
    }

    public static func duplicate(_ field: String, _ value: JSON) -> FieldError {
        FieldError(.duplicate, field: field, value: GoValue.render(value))
    }

    /// `Unsupported value: "X": supported values: "a", "b"`.
    public static func notSupported(_ field: String, _ value: JSON, supported: [String]) -> FieldError {
        let list = supported.map { GoValue.quote($0) }.joined(separator: ", ")
        return FieldError(.notSupported, field: field, value: GoValue.render(value),
                          detail: supported.isEmpty ? "" : "supported values: \(list)")
    }

    /// `Too long: may not be more than N bytes` (the value is omitted, as upstream does for long values).
    public static func tooLong(_ field: String, maxBytes: Int) -> FieldError {
        FieldError(.tooLong, field: field, detail: "may not be more than \(maxBytes) bytes")
    }

    public static func tooMany(_ field: String, actual: Int, max: Int) -> FieldError {
        FieldError(.tooMany, field: field, value: String(actual), detail: "must have at most \(max) items")
    }
}

/// Renders values the way Go's `%#v`-ish formatting in `field.Error` does, so messages match kube-apiserver.
public enum GoValue {
    /// A Go-quoted string (`strconv.Quote`).
    public static func quote(_ string: String) -> String {
        var out = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7f {
                    out += "\\x" + String(scalar.value, radix: 16).leftPadded(to: 2)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Strings quoted, numbers and bools bare, string lists as `[]string{"a", "b"}`, null as `null`.
    public static func render(_ value: JSON) -> String {
        switch value {
        case .null: return "null"
        case .bool(let bool): return bool ? "true" : "false"
        case .int(let int): return String(int)
        case .double(let double): return double.rounded() == double && abs(double) < 1e15 ? String(Int64(double)) : String(double)
        case .string(let string): return quote(string)
        case .array(let items):
            if items.allSatisfy({ $0.stringValue != nil }) {
                return "[]string{" + items.map { render($0) }.joined(separator: ", ") + "}"
            }
            return "[]interface {}{" + items.map { render($0) }.joined(separator: ", ") + "}"
        case .object(let object):
            return "map[string]interface {}{" + object.map { "\(quote($0.key)):\(render($0.value))" }.joined(separator: ", ") + "}"
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
