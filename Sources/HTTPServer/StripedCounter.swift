import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A counter that pool threads bump on every request without fighting over one cache line.
///
/// Each thread adds to the slot its thread id hashes to (a request starts and completes on the same
/// libmicrohttpd worker, so one slot usually sees both; if not, the sum is still right); `total` sums the
/// slots. One shared atomic would bounce between the workers' cores twice per request. The slots live in raw
/// memory, 128 bytes apart, so touching one involves no reference counting and no false sharing.
///
/// `@unchecked Sendable`: `slots` is allocated in `init`, freed in `deinit`, and only ever accessed through
/// its `Atomic` elements.
final class StripedCounter: @unchecked Sendable {
    private static let slotCount = 16
    private static let spacing = 16  // in Ints: 128 bytes
    private let slots: UnsafeMutablePointer<Atomic<Int>>

    /// Creates a counter at zero.
    init() {
        slots = .allocate(capacity: Self.slotCount * Self.spacing)
        for index in 0..<(Self.slotCount * Self.spacing) {
            (slots + index).initialize(to: Atomic(0))
        }
    }

    deinit {
        slots.deinitialize(count: Self.slotCount * Self.spacing)
        slots.deallocate()
    }

    /// Adds `delta` in the calling thread's slot.
    func add(_ delta: Int) {
        // pthread_t is the address of the thread's control block; mix out the low bits that are always equal.
        let thread = UInt(bitPattern: Int(bitPattern: UInt(pthread_self())))
        let slot = Int(truncatingIfNeeded: (thread >> 12) ^ (thread >> 20)) & (Self.slotCount - 1)
        slots[slot * Self.spacing].add(delta, ordering: .relaxed)
    }

    /// The sum of all slots (exact once concurrent adds have finished).
    var total: Int {
        var sum = 0
        for slot in 0..<Self.slotCount { sum += slots[slot * Self.spacing].load(ordering: .relaxed) }
        return sum
    }
}
