import JSON
import Yams

/// YAML request and response bodies, converted the way kube-apiserver converts them: `sigs.k8s.io/yaml`
/// `YAMLToJSON` for requests (goyaml.v2 underneath, so YAML 1.1 plain scalars: `yes`/`on`/`y` are true, `0x1f` and
/// `010` are integers) and `JSONToYAML` for responses (goyaml.v2 `Marshal` of the JSON, so keys come out sorted).
enum YAMLConversion {
    /// Why a YAML body could not be converted.
    struct ConversionError: Error, CustomStringConvertible {
        let description: String
    }

    /// The JSON value of a YAML document, object keys in document order. A key repeated within one mapping is kept
    /// twice, so that the JSON decoder's duplicate-field check (`fieldValidation`) sees it as it would in JSON.
    static func json(fromYAML bytes: [UInt8]) throws(ConversionError) -> JSON {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw ConversionError(description: "yaml: invalid UTF-8")
        }
        // Deeper than `json(_:depth:)` accepts anyway; checked first because composing recurses per level.
        guard !YAMLNestingLimit.exceeds(text, limit: maxDepth) else {
            throw ConversionError(description: "error converting YAML to JSON: yaml: exceeded max depth")
        }
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw ConversionError(description: "error converting YAML to JSON: \(error)")
        }
        guard let node else { return .null }
        // Aliases are expanded: `b: [*a, *a, …]` nine times over eight levels is 43 million values from 300 bytes
        // (a "billion laughs" body kept a worker busy for seconds). goyaml refuses such documents the same way.
        var budget = 10_000 + 4 * bytes.count
        return try json(node, depth: 0, budget: &budget)
    }

    /// The deepest nesting of sequences and mappings a YAML body may have.
    static let maxDepth = 200

    /// `budget` is how many more values the document may expand into.
    private static func json(_ node: Node, depth: Int, budget: inout Int) throws(ConversionError) -> JSON {
        guard depth < maxDepth else { throw ConversionError(description: "yaml: exceeded max depth") }
        budget -= 1
        guard budget >= 0 else {
            throw ConversionError(description: "error converting YAML to JSON: yaml: document contains excessive aliasing")
        }
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar)
        case .sequence(let sequence):
            var items: [JSON] = []
            for item in sequence { items.append(try json(item, depth: depth + 1, budget: &budget)) }
            return .array(items)
        case .mapping(let mapping):
            var object = JSONObject()
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw ConversionError(description: "error converting YAML to JSON: unsupported map key")
                }
                object.appendUnchecked(
                    key: keyString(scalarValue(keyScalar)), value: try json(value, depth: depth + 1, budget: &budget))
            }
            return .object(object)
        }
    }

    /// A scalar: quoted and block scalars are strings; plain ones resolve by YAML 1.1 (goyaml.v2 `resolve.go`).
    private static func scalarValue(_ scalar: Node.Scalar) -> JSON {
        switch scalar.style {
        case .plain, .any: return YAML11.resolve(scalar.string)
        default: return .string(scalar.string)
        }
    }

    /// `YAMLToJSON`'s key conversion: non-string keys are formatted (`true`, `1`, `1.5`; null is `null`).
    private static func keyString(_ key: JSON) -> String {
        switch key {
        case .string(let text): return text
        case .null: return "null"
        default: return String(decoding: key.serialized(), as: UTF8.self)
        }
    }

    /// The YAML document of a JSON value, as `JSONToYAML` writes it (keys sorted, strings quoted only when a plain
    /// scalar would read back as something else, multi-line strings as literal blocks).
    static func yaml(fromJSON value: JSON) -> [UInt8] {
        let text = (try? Yams.serialize(node: node(value), width: -1)) ?? "null\n"
        return Array(text.utf8)
    }

    private static func node(_ value: JSON) -> Node {
        switch value {
        case .null: return .scalar(.init("null", .implicit, .plain))
        case .bool(let bool): return .scalar(.init(bool ? "true" : "false", .implicit, .plain))
        case .int(let int): return .scalar(.init(String(int), .implicit, .plain))
        case .double: return .scalar(.init(String(decoding: value.serialized(), as: UTF8.self), .implicit, .plain))
        case .string(let text):
            let style: Node.Scalar.Style
            if text.contains("\n") {
                style = .literal
            } else if case .string = YAML11.resolve(text), !text.isEmpty {
                style = .plain  // libyaml still quotes it when plain would not be valid YAML
            } else {
                style = .doubleQuoted
            }
            return .scalar(.init(text, .implicit, style))
        case .array(let items):
            return .sequence(.init(items.map(node)))
        case .object(let members):
            let sorted = members.sorted { $0.key < $1.key }
            return .mapping(.init(sorted.map { (Node.scalar(.init($0.key, .implicit, .plain)), node($0.value)) }))
        }
    }
}
