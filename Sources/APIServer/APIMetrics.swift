import CoreMetrics
import Synchronization

/// The API server's metrics, through the swift-metrics API (the backend, Prometheus in the binary, is the
/// factory's business), named and labelled as kube-apiserver names them so existing dashboards and queries work:
///
/// - `apiserver_request_total{verb,resource,subresource,code}` and
///   `apiserver_request_duration_seconds{verb,resource,subresource}` (a histogram of the time to the response, or
///   to the first byte of a watch stream);
/// - `apiserver_longrunning_requests{verb="WATCH",resource}`: watches open now;
/// - `apiserver_watch_events_total{resource}`: events written to watch streams.
///
/// Requests are recorded into a per-thread `RequestMetricsBuffer` and published into the handles by `publish()`
/// (once a second from a timer, and before every scrape), so the request path touches no shared state.
///
/// Thread-safety: the handle caches and the buffer list are behind mutexes; the swift-metrics handles themselves
/// are thread-safe; `publishing` serializes publishers so a series' observations are recorded in order.
public final class APIMetrics: Sendable {
    private let factory: any MetricsFactory
    private let requests = Mutex<[RequestKey: RequestHandles]>([:])
    private let buffers = Mutex<[RequestMetricsBuffer]>([])
    private let threadBuffer = ThreadBufferKey()
    private let publishing = Mutex(())
    private let watches = Mutex<[String: WatchHandles]>([:])

    /// The labels of one request series.
    struct RequestKey: Hashable {
        let verb: String
        let resource: String
        let subresource: String
        let code: Int
    }

    private struct RequestHandles {
        let total: Counter
        let duration: Timer
    }

    private struct WatchHandles {
        let open: Meter
        let events: Counter
    }

    /// Metrics created through `factory`.
    public init(factory: any MetricsFactory) {
        self.factory = factory
    }

    /// Metrics that go nowhere (the default for in-process handlers and tests).
    public static let disabled = APIMetrics(factory: NOOPMetricsHandler.instance)

    /// Records one answered request in this thread's buffer.
    func recordRequest(_ key: RequestKey, nanoseconds: Int64) {
        let buffer = threadBuffer.buffer {
            let made = RequestMetricsBuffer()
            buffers.withLock { $0.append(made) }
            return made
        }
        if let full = buffer.add(key, nanoseconds: nanoseconds) {
            publishing.withLock { _ in publish(key, full) }
        }
    }

    /// Moves every thread's buffered observations into the metric handles.
    public func publish() {
        let all = buffers.withLock { $0 }
        publishing.withLock { _ in
            for buffer in all {
                for (key, durations) in buffer.drain() { publish(key, durations) }
            }
        }
    }

    private func publish(_ key: RequestKey, _ durations: [Int64]) {
        let handles = requests.withLock { cache in
            if let found = cache[key] { return found }
            let made = makeRequestHandles(key)
            cache[key] = made
            return made
        }
        handles.total.increment(by: Int64(durations.count))
        for duration in durations { handles.duration.recordNanoseconds(duration) }
    }

    /// Counts a watch of `resource` as open until the returned closure runs.
    func watchOpened(resource: String) -> @Sendable () -> Void {
        let open = watchHandles(resource).open
        open.increment()
        return { open.decrement() }
    }

    /// The counter of events written to watches of `resource`.
    func watchEvents(resource: String) -> Counter {
        watchHandles(resource).events
    }

    private func watchHandles(_ resource: String) -> WatchHandles {
        watches.withLock { cache in
            if let found = cache[resource] { return found }
            let made = WatchHandles(
                open: Meter(label: "apiserver_longrunning_requests",
                            dimensions: [("verb", "WATCH"), ("resource", resource)], factory: factory),
                events: Counter(label: "apiserver_watch_events_total", dimensions: [("resource", resource)],
                                factory: factory))
            cache[resource] = made
            return made
        }
    }

    private func makeRequestHandles(_ key: RequestKey) -> RequestHandles {
        let series = [("verb", key.verb), ("resource", key.resource), ("subresource", key.subresource)]
        return RequestHandles(
            total: Counter(label: "apiserver_request_total", dimensions: series + [("code", String(key.code))],
                           factory: factory),
            duration: Timer(label: "apiserver_request_duration_seconds", dimensions: series, factory: factory))
    }
}
