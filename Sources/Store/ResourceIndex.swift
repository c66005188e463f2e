/// The current objects of one resource, by key, in key order.
///
/// A dictionary for point lookups plus a sorted key array for ordered, resumable lists (pagination
/// resumes "after key K"). Inserting a new key is a binary search and an array insert; updates of
/// existing keys touch only the dictionary. Not thread-safe: the Store guards it with its state lock.
struct ResourceIndex {
    private(set) var objects: [String: StoredObject] = [:]
    private(set) var sortedKeys: [String] = []

    init() {}

    init(capacity: Int) {
        objects.reserveCapacity(capacity)
        sortedKeys.reserveCapacity(capacity)
    }

    var count: Int { objects.count }

    subscript(key: String) -> StoredObject? { objects[key] }

    mutating func put(_ object: StoredObject) {
        let key = object.key
        if objects.updateValue(object, forKey: key) == nil {
            sortedKeys.insert(key, at: Self.lowerBound(sortedKeys, key))
        }
    }

    mutating func remove(key: String) {
        guard objects.removeValue(forKey: key) != nil else { return }
        let index = Self.lowerBound(sortedKeys, key)
        if index < sortedKeys.count, sortedKeys[index] == key { sortedKeys.remove(at: index) }
    }

    /// The objects with key > `after` (or all), restricted to `namespace` when given, in key order.
    func objects(namespace: String?, after: String?) -> [StoredObject] {
        var start = 0
        var end = sortedKeys.count
        if let namespace {
            let prefix = namespace + "/"
            start = Self.lowerBound(sortedKeys, prefix)
            // "0" is the character after "/", so `namespace + "0"` is the first key past every `namespace/...` key.
            end = Self.lowerBound(sortedKeys, namespace + "0")
        }
        if let after { start = max(start, Self.upperBound(sortedKeys, after)) }
        guard start < end else { return [] }
        var result: [StoredObject] = []
        result.reserveCapacity(end - start)
        for index in start..<end {
            if let object = objects[sortedKeys[index]] { result.append(object) }
        }
        return result
    }

    /// First index whose key is >= `key`.
    static func lowerBound(_ keys: [String], _ key: String) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low
    }

    /// First index whose key is > `key`.
    static func upperBound(_ keys: [String], _ key: String) -> Int {
        var low = 0
        var high = keys.count
        while low < high {
            let mid = (low + high) / 2
            if keys[mid] <= key { low = mid + 1 } else { high = mid }
        }
        return low
    }
}
