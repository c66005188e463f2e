import Dispatch
import HTTPServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Wraps the `APIHandler`: times and counts every request into `APIMetrics` (by kube-apiserver's verb, resource
/// and code) and publishes the buffered figures once a second. `GET /metrics` itself is served by the
/// `APIHandler` (behind authentication), from the exposition it was given.
///
/// A decorator rather than code inside `APIHandler.handle`, so the request path itself is unchanged and the
/// measurement covers everything the handler does, errors included.
public final class MeteredHandler: HTTPHandler {
    private let handler: APIHandler
    /// Publishes the buffered request observations once a second (`APIMetrics.publish`). Dispatch sources are
    /// thread-safe for what is done with them (configured once here, cancelled in deinit).
    nonisolated(unsafe) private let publisher: any DispatchSourceTimer =
        DispatchSource.makeTimerSource(queue: DispatchQueue(label: "serviceplane.metrics.publish"))

    /// Meters `handler` into its `metrics`.
    public init(_ handler: APIHandler) {
        self.handler = handler
        let metrics = handler.metrics
        publisher.schedule(deadline: .now() + 1, repeating: 1.0, leeway: .milliseconds(100))
        publisher.setEventHandler { metrics.publish() }
        publisher.resume()
    }

    deinit { publisher.cancel() }

    public func handle(_ request: HTTPRequest) -> HTTPReply {
        let started = Self.monotonicNanoseconds()
        let target = handler.target(of: request)
        let reply = handler.handle(request, target: target)
        let code: Int
        switch reply {
        case .buffered(let response): code = response.status
        case .stream(let status, _, _): code = status
        }
        let labels = RequestVerb.classify(request, target: target)
        handler.metrics.recordRequest(
            APIMetrics.RequestKey(verb: labels.verb, resource: labels.resource, subresource: labels.subresource,
                                  code: code),
            nanoseconds: Self.monotonicNanoseconds() - started)
        return reply
    }

    private static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
