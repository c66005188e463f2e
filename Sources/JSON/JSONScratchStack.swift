/// A growable stack in manually managed memory for the parser's unfinished containers.
///
/// Unlike `Array`, it can move a run of elements out into a new exact-size array (`popArray(from:)`) without
/// copying them (no retain/release per element) and without uniqueness checks on every push. That is a large
/// part of what makes parsing a Kubernetes object cheap. Not thread-safe; owned by one `JSONByteParser`.
struct JSONScratchStack<Element>: ~Copyable {
    private var base: UnsafeMutablePointer<Element>
    private var capacity: Int
    /// The number of initialized elements, `base[0..<count]`.
    private(set) var count = 0

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 4)
        base = UnsafeMutablePointer.allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    @inline(__always)
    mutating func push(_ element: consuming Element) {
        if count == capacity { grow() }
        (base + count).initialize(to: element)
        count += 1
    }

    /// Removes and returns the top element.
    @inline(__always)
    mutating func removeLast() -> Element {
        count -= 1
        return (base + count).move()
    }

    /// Moves `self[start..<count]` into a new array of exactly that capacity and shrinks the stack to `start`.
    @inline(__always)
    mutating func popArray(from start: Int) -> [Element] {
        // reserveCapacity + append stays specialized; `Array(unsafeUninitializedCapacity:)` ends in an
        // unspecialized stdlib entry point that looks up generic metadata on every call.
        var array: [Element] = []
        array.reserveCapacity(count - start)
        for index in start..<count { array.append((base + index).move()) }
        count = start
        return array
    }

    /// The element at `index` (which must be below `count`), readable and writable in place.
    subscript(index: Int) -> Element {
        @inline(__always) unsafeAddress { UnsafePointer(base + index) }
        @inline(__always) unsafeMutableAddress { base + index }
    }

    private mutating func grow() {
        let newCapacity = capacity * 2
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }
}
