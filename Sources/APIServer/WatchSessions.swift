import Dispatch
import Registry
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Every open watch, for the two things that happen to them on a clock: the stream timeout and periodic
/// bookmarks (reference §9.3: roughly every minute per watcher, plus one shortly before the timeout).
///
/// Thread-safety: `sessions` is guarded by its mutex; the timer runs on its own serial queue and never writes to
/// a stream while holding that mutex.
final class WatchSessions: Sendable {
    let registry: Registry
    let bookmarkInterval: Double
    /// Shared by all sessions: the current event's encoding.
    let lineCache = WatchLineCache()
    private let sessions = Mutex<[ObjectIdentifier: WatchSession]>([:])
    /// Runs the per-session deadline and pre-deadline bookmark events.
    private let clock = DispatchQueue(label: "serviceplane.watch.clock")
    nonisolated(unsafe) private let timer: any DispatchSourceTimer =
        DispatchSource.makeTimerSource(queue: DispatchQueue(label: "serviceplane.watch.timer"))

    init(registry: Registry, bookmarkInterval: Double = 60) {
        self.registry = registry
        self.bookmarkInterval = bookmarkInterval
        timer.schedule(deadline: .now() + 1, repeating: 1.0)
        timer.setEventHandler { [weak self] in self?.tick() }
        timer.resume()
    }

    deinit { timer.cancel() }

    /// Tracks a session and arms its two clock events precisely: the end of the stream at its deadline, and
    /// (with bookmarks) one bookmark two seconds before it, as `cacher.go` aims.
    func add(_ session: WatchSession) {
        sessions.withLock { $0[ObjectIdentifier(session)] = session }
        let remaining = session.deadline - Self.monotonicSeconds()
        clock.asyncAfter(deadline: .now() + max(0, remaining)) { [weak session] in session?.stream.finish() }
        if session.allowBookmarks, remaining > 2 {
            clock.asyncAfter(deadline: .now() + remaining - 2) { [weak self, weak session] in
                guard let self, let session, !session.stream.isClosed else { return }
                let now = Self.monotonicSeconds()
                self.registry.atQuiescentPoint { session.bookmark($0, now: now) }
            }
        }
    }

    func remove(_ session: WatchSession) {
        _ = sessions.withLock { $0.removeValue(forKey: ObjectIdentifier(session)) }
    }

    var count: Int { sessions.withLock { $0.count } }

    /// Emits the periodic (once a minute) bookmarks.
    func tick() {
        let now = Self.monotonicSeconds()
        let all = sessions.withLock { Array($0.values) }
        var due: [WatchSession] = []
        for session in all {
            guard session.allowBookmarks, session.deadline - now > 2 else { continue }
            if session.secondsSinceBookmark(now: now) >= bookmarkInterval { due.append(session) }
        }
        guard !due.isEmpty else { return }
        let sessions = due
        registry.atQuiescentPoint { resourceVersion in
            for session in sessions { session.bookmark(resourceVersion, now: now) }
        }
    }

    /// Seconds on a monotonic clock (deadlines must not move with wall-clock changes).
    static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
