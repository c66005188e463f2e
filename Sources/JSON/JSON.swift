/// An ordered JSON value.
///
/// Kubernetes objects are handled as JSON values end to end (decode, default, validate, patch, store, serve),
/// so this type keeps what users see in `curl` output: object key order is preserved, and integers are kept
/// exactly as `Int64` (never routed through `Double`), as DESIGN.md §5 requires.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    /// An integer literal that fits in Int64.
    case int(Int64)
    /// Any other number (fraction, exponent, or an integer outside Int64).
    case double(Double)
    case string(String)
    case array([JSON])
    case object(JSONObject)
}

extension JSON {
    /// The member `key` of an object, or nil for a missing key or a non-object.
    /// Setting nil removes the key; setting on a non-object turns it into an object.
    public subscript(key: String) -> JSON? {
        get {
            if case .object(let object) = self { return object[key] }
            return nil
        }
        set {
            var object: JSONObject
            if case .object(let existing) = self { object = existing } else { object = JSONObject() }
            // Release our reference first so the object's storage is uniquely referenced and mutates in place.
            self = .null
            object[key] = newValue
            self = .object(object)
        }
    }

    /// The element at `index` of an array, or nil when out of range or not an array.
    /// Setting replaces an existing element (nil is stored as JSON null); out of range or on a non-array it does nothing.
    public subscript(index: Int) -> JSON? {
        get {
            if case .array(let array) = self, array.indices.contains(index) { return array[index] }
            return nil
        }
        set {
            guard case .array(var array) = self, array.indices.contains(index) else { return }
            self = .null
            array[index] = newValue ?? .null
            self = .array(array)
        }
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value.rounded() == value && abs(value) < 9.2e18: return Int64(value)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The name of this value's JSON type as Go's encoding/json names it in errors
    /// ("string", "number", "bool", "array", "object", "null"), for Kubernetes-style messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "bool"
        case .int, .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        var object = JSONObject()
        for (key, value) in elements { object[key] = value }
        self = .object(object)
    }
}

/// A JSON object that keeps its members in insertion order.
///
/// Kubernetes objects have few keys per level (rarely more than 20), so members live in one array and
/// lookup is a linear scan: cheaper than hashing for these sizes and it preserves order for free.
/// Equality ignores order, matching JSON semantics (`{"a":1,"b":2}` equals `{"b":2,"a":1}`).
public struct JSONObject: Sendable, Hashable, RandomAccessCollection, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: JSON)

    @usableFromInline
    internal var members: [Element]

    public init() { members = [] }

    public init(minimumCapacity: Int) {
        members = []
        members.reserveCapacity(minimumCapacity)
    }

    /// Builds an object from members in order; later duplicates of a key replace earlier ones in place.
    public init<S: Sequence>(_ elements: S) where S.Element == (key: String, value: JSON) {
        members = []
        for element in elements { self[element.key] = element.value }
    }

    public init(dictionaryLiteral elements: (String, JSON)...) {
        members = []
        for (key, value) in elements { self[key] = value }
    }

    public var startIndex: Int { members.startIndex }
    public var endIndex: Int { members.endIndex }
    public subscript(position: Int) -> Element { members[position] }

    /// The keys in order.
    public var keys: [String] { members.map(\.key) }

    @inlinable
    public func index(forKey key: String) -> Int? {
        members.firstIndex { $0.key == key }
    }

    /// The member named `key`. Setting nil removes it; setting a new key appends it.
    @inlinable
    public subscript(key: String) -> JSON? {
        get {
            for member in members where member.key == key { return member.value }
            return nil
        }
        set {
            if let index = index(forKey: key) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append((key, newValue))
            }
        }
    }

    /// Appends a member without checking for an existing key. For parsers that already know the key is new.
    @inlinable
    public mutating func appendUnchecked(key: String, value: JSON) {
        members.append((key, value))
    }

    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSON? {
        guard let index = index(forKey: key) else { return nil }
        return members.remove(at: index).value
    }

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.members.count == rhs.members.count else { return false }
        for (key, value) in lhs.members {
            guard let other = rhs[key], other == value else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent: combine per-member hashes commutatively.
        var combined = 0
        for (key, value) in members {
            var memberHasher = Hasher()
            memberHasher.combine(key)
            memberHasher.combine(value)
            combined ^= memberHasher.finalize()
        }
        hasher.combine(members.count)
        hasher.combine(combined)
    }
}
