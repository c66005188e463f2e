import JSON
import KubeAPI

/// Small building blocks the kind strategies validate with, each producing field errors worded as
/// `k/k: pkg/apis/core/validation/validation.go` words them.
enum FieldValidation {
    /// Protocols a Service, container or EndpointSlice port may use.
    static let protocols = ["SCTP", "TCP", "UDP"]

    /// Items of an array field, or an error when the field is present but not an array.
    static func array(_ value: JSON?, _ path: String, _ errors: inout [FieldError]) -> [JSON] {
        guard let value, !value.isNull else { return [] }
        guard let items = value.arrayValue else {
            errors.append(.invalid(path, value, "must be an array"))
            return []
        }
        return items
    }

    /// A string field: nil when absent; an error when present with another type.
    static func string(_ value: JSON?, _ path: String, _ errors: inout [FieldError]) -> String? {
        guard let value, !value.isNull else { return nil }
        guard let text = value.stringValue else {
            errors.append(.invalid(path, value, "must be a string"))
            return nil
        }
        return text
    }

    /// An integer field: nil when absent; an error when present with another type.
    static func integer(_ value: JSON?, _ path: String, _ errors: inout [FieldError]) -> Int64? {
        guard let value, !value.isNull else { return nil }
        guard let number = value.intValue else {
            errors.append(.invalid(path, value, "must be an integer"))
            return nil
        }
        return number
    }

    /// `port` in 1...65535 (`must be between 1 and 65535, inclusive`).
    static func portNumber(_ value: JSON?, _ path: String, required: Bool, _ errors: inout [FieldError]) {
        guard let number = integer(value, path, &errors) else {
            if required, value == nil || value?.isNull == true { errors.append(.required(path)) }
            return
        }
        for message in NameValidation.isValidPortNum(number) { errors.append(.invalid(path, .int(number), message)) }
    }

    /// `protocol` ∈ SCTP/TCP/UDP; required after defaulting.
    static func portProtocol(_ value: JSON?, _ path: String, _ errors: inout [FieldError]) {
        guard let text = string(value, path, &errors) else {
            errors.append(.required(path))
            return
        }
        if !protocols.contains(text) { errors.append(.notSupported(path, .string(text), supported: protocols)) }
    }

    /// A DNS-1123 label field (port names, container names).
    static func dns1123Label(_ text: String, _ path: String, _ errors: inout [FieldError]) {
        for message in NameValidation.isDNS1123Label(text) { errors.append(.invalid(path, string: text, message)) }
    }

    /// A qualified-name field (appProtocol, finalizer names).
    static func qualifiedName(_ text: String, _ path: String, _ errors: inout [FieldError]) {
        for message in NameValidation.isQualifiedName(text) { errors.append(.invalid(path, string: text, message)) }
    }

    /// A `targetPort`/`port` int-or-string: an integer port number or an IANA service name.
    static func intOrStringPort(_ value: JSON?, _ path: String, _ errors: inout [FieldError]) {
        guard let value, !value.isNull else { return }
        switch value {
        case .int(let number):
            for message in NameValidation.isValidPortNum(number) { errors.append(.invalid(path, .int(number), message)) }
        case .string(let name):
            for message in NameValidation.isValidPortName(name) { errors.append(.invalid(path, string: name, message)) }
        default:
            errors.append(.invalid(path, value, "must be an integer or a string"))
        }
    }

    /// One of a fixed set of string values.
    static func oneOf(_ value: JSON?, _ path: String, _ supported: [String], required: Bool, _ errors: inout [FieldError]) {
        guard let text = string(value, path, &errors) else {
            if required { errors.append(.required(path)) }
            return
        }
        if !supported.contains(text) { errors.append(.notSupported(path, .string(text), supported: supported)) }
    }

    /// A label-selector map (`spec.selector`): keys and values follow label syntax, reported on the map itself.
    static func selectorMap(_ value: JSON?, _ path: String, _ errors: inout [FieldError]) {
        errors += ObjectMetaValidation.validateLabels(value, path: path)
    }
}
