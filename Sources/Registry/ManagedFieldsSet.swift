import JSON

/// One step of a structured-merge-diff field path (`sigs.k8s.io/structured-merge-diff/fieldpath/element.go`).
enum FieldPathElement: Hashable, Sendable, Comparable {
    /// A struct field or map key: `f:name`, printed `.name`.
    case field(String)
    /// An associative-list item by its key fields: `k:{"port":80,"protocol":"TCP"}`,
    /// printed `[port=80,protocol="TCP"]`.
    case key(JSONObject)
    /// A set item by its value: `v:"x"`, printed `[="x"]`.
    case value(JSON)

    /// The FieldsV1 member name (`fieldpath/serialize-pe.go`): key fields sorted by name, compact JSON.
    var fieldsV1Key: String {
        switch self {
        case .field(let name): return "f:" + name
        case .key(let keys): return "k:" + JSON.object(Self.sortedKeys(keys)).jsonString
        case .value(let value): return "v:" + value.jsonString
        }
    }

    /// The element as it appears in a conflict message (`PathElement.String()`).
    var description: String {
        switch self {
        case .field(let name): return "." + name
        case .key(let keys):
            let parts = Self.sortedKeys(keys).map { $0.key + "=" + $0.value.jsonString }
            return "[" + parts.joined(separator: ",") + "]"
        case .value(let value): return "[=" + value.jsonString + "]"
        }
    }

    /// Parses a FieldsV1 member name; nil for `.` and for forms this server does not produce (`i:`).
    init?(fieldsV1Key text: String) {
        if text.hasPrefix("f:") {
            self = .field(String(text.dropFirst(2)))
        } else if text.hasPrefix("k:"), let keys = try? JSON.parse(String(text.dropFirst(2))).objectValue {
            self = .key(keys)
        } else if text.hasPrefix("v:"), let value = try? JSON.parse(String(text.dropFirst(2))) {
            self = .value(value)
        } else {
            return nil
        }
    }

    static func sortedKeys(_ keys: JSONObject) -> JSONObject {
        JSONObject(keys.sorted { $0.key < $1.key })
    }

    /// Fields, then keys, then values, each by their FieldsV1 spelling (`PathElement.Less`).
    static func < (lhs: FieldPathElement, rhs: FieldPathElement) -> Bool {
        func rank(_ element: FieldPathElement) -> Int {
            switch element {
            case .field: return 0
            case .key: return 1
            case .value: return 2
            }
        }
        if rank(lhs) != rank(rhs) { return rank(lhs) < rank(rhs) }
        return lhs.fieldsV1Key < rhs.fieldsV1Key
    }
}

/// A set of field paths stored as a tree, the shape of the FieldsV1 format (`fieldpath.Set`): a node is in the set
/// when `includesSelf` (FieldsV1's `.` member, or an empty `{}` leaf), and its children hold the longer paths.
struct FieldSet: Hashable, Sendable {
    var includesSelf = false
    var children: [FieldPathElement: FieldSet] = [:]

    var isEmpty: Bool { !includesSelf && children.isEmpty }

    /// Every path in the set, in FieldsV1 order.
    var paths: [[FieldPathElement]] {
        var result: [[FieldPathElement]] = []
        if includesSelf { result.append([]) }
        for element in children.keys.sorted() {
            for path in children[element]!.paths { result.append([element] + path) }
        }
        return result
    }

    /// The child at `element`, created empty if absent; the caller removes it again if it stays empty.
    subscript(element: FieldPathElement) -> FieldSet {
        get { children[element] ?? FieldSet() }
        set { children[element] = newValue.isEmpty ? nil : newValue }
    }

    func contains(_ path: some Collection<FieldPathElement>) -> Bool {
        guard let first = path.first else { return includesSelf }
        return children[first]?.contains(path.dropFirst()) ?? false
    }

    mutating func insert(_ path: some Collection<FieldPathElement>) {
        guard let first = path.first else {
            includesSelf = true
            return
        }
        self[first].insert(path.dropFirst())
    }

    func union(_ other: FieldSet) -> FieldSet {
        var result = self
        result.includesSelf = includesSelf || other.includesSelf
        for (element, child) in other.children { result[element] = result[element].union(child) }
        return result
    }

    func subtracting(_ other: FieldSet) -> FieldSet {
        var result = self
        if other.includesSelf { result.includesSelf = false }
        for (element, child) in other.children where result.children[element] != nil {
            result[element] = result[element].subtracting(child)
        }
        return result
    }

    func intersection(_ other: FieldSet) -> FieldSet {
        var result = FieldSet(includesSelf: includesSelf && other.includesSelf)
        for (element, child) in children {
            if let theirs = other.children[element] { result[element] = child.intersection(theirs) }
        }
        return result
    }

    /// The set as a FieldsV1 object (`fieldpath/serialize.go`): `.` first, then members in path order.
    var fieldsV1: JSON {
        var object = JSONObject()
        if includesSelf, !children.isEmpty { object.appendUnchecked(key: ".", value: .object(JSONObject())) }
        for element in children.keys.sorted() {
            object.appendUnchecked(key: element.fieldsV1Key, value: children[element]!.fieldsV1)
        }
        return .object(object)
    }

    /// Reads a FieldsV1 object; members it cannot parse are skipped.
    init(fieldsV1 json: JSON) {
        guard let object = json.objectValue else { return }
        if object.isEmpty { includesSelf = true }
        for (key, value) in object {
            if key == "." {
                includesSelf = true
            } else if let element = FieldPathElement(fieldsV1Key: key) {
                self[element] = FieldSet(fieldsV1: value)
            }
        }
    }

    init(includesSelf: Bool = false) {
        self.includesSelf = includesSelf
    }

    /// A path as a conflict message prints it: `.spec.ports[port=80,protocol="TCP"].targetPort`.
    static func describe(_ path: [FieldPathElement]) -> String {
        path.map(\.description).joined()
    }
}
