import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One worker thread's not-yet-published request observations: per series, a count and the durations.
///
/// Why: recording straight into the shared metric handles costs every request a shared mutex, reference counts
/// and a counter and histogram lock whose cache lines bounce between the two worker threads' cores (~10% of a GET's
/// CPU time, measured). Each thread instead appends to its own buffer under its own, uncontended mutex; `APIMetrics`
/// publishes all buffers (once a second, and before every scrape), so the shared handles are touched by one thread.
///
/// Thread-safety: `pending` is behind a mutex that only its thread and the publisher take.
final class RequestMetricsBuffer: Sendable {
    /// Durations kept per series before the recording thread publishes them itself (bounds memory if the
    /// publisher stalls).
    static let maxPendingPerSeries = 50_000

    private let pending = Mutex<[APIMetrics.RequestKey: [Int64]]>([:])

    /// Adds one observation; returns the series' durations to publish now when it reached the bound.
    func add(_ key: APIMetrics.RequestKey, nanoseconds: Int64) -> [Int64]? {
        pending.withLock { buffer -> [Int64]? in
            buffer[key, default: []].append(nanoseconds)
            guard buffer[key]!.count >= Self.maxPendingPerSeries else { return nil }
            return buffer.removeValue(forKey: key)
        }
    }

    /// Takes everything recorded so far.
    func drain() -> [APIMetrics.RequestKey: [Int64]] {
        pending.withLock { buffer in
            let taken = buffer
            buffer.removeAll(keepingCapacity: true)
            return taken
        }
    }
}

/// The calling thread's `RequestMetricsBuffer` for one `APIMetrics`, through a POSIX thread-specific key (Swift has
/// no thread-local storage for class references). The key's slot holds an unretained pointer: the buffer is kept
/// alive by `APIMetrics.buffers`, which never removes one (there is one per worker thread).
struct ThreadBufferKey: @unchecked Sendable {
    private let key: pthread_key_t

    init() {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        self.key = key
    }

    /// This thread's buffer, created by `make` on the thread's first call.
    @inline(__always)
    func buffer(orMake make: () -> RequestMetricsBuffer) -> RequestMetricsBuffer {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<RequestMetricsBuffer>.fromOpaque(raw).takeUnretainedValue()
        }
        let made = make()
        pthread_setspecific(key, Unmanaged.passUnretained(made).toOpaque())
        return made
    }
}
