import Dispatch
import HTTPServer

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Wraps the `APIHandler`: times and counts every request into `APIMetrics` (by kube-apiserver's verb, resource
/// and code) and serves `GET /metrics` from `exposition`, the Prometheus text rendering of every metric.
///
/// A decorator rather than code inside `APIHandler.handle`, so the request path itself is unchanged and the
/// measurement covers everything the handler does, errors included.
public final class MeteredHandler: HTTPHandler {
    private let handler: APIHandler
    private let exposition: @Sendable () -> [UInt8]
    /// Publishes the buffered request observations once a second (`APIMetrics.publish`). Dispatch sources are
    /// thread-safe for what is done with them (configured once here, cancelled in deinit).
    nonisolated(unsafe) private let publisher: any DispatchSourceTimer =
        DispatchSource.makeTimerSource(queue: DispatchQueue(label: "serviceplane.metrics.publish"))

    /// Meters `handler` into its `metrics`; `exposition` renders the metrics for `/metrics`.
    public init(_ handler: APIHandler, exposition: @escaping @Sendable () -> [UInt8]) {
        self.handler = handler
        self.exposition = exposition
        let metrics = handler.metrics
        publisher.schedule(deadline: .now() + 1, repeating: 1.0, leeway: .milliseconds(100))
        publisher.setEventHandler { metrics.publish() }
        publisher.resume()
    }

    deinit { publisher.cancel() }

    public func handle(_ request: HTTPRequest) -> HTTPReply {
        let started = Self.monotonicNanoseconds()
        let target = handler.target(of: request)
        let reply = target == nil && request.path == "/metrics" ? metricsReply(request) : handler.handle(request, target: target)
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

    /// `GET /metrics`: the Prometheus text exposition format, version 0.0.4.
    private func metricsReply(_ request: HTTPRequest) -> HTTPReply {
        guard request.method == "GET" || request.method == "HEAD" else { return Responses.error(.methodNotAllowed) }
        handler.metrics.publish()
        return .buffered(HTTPResponse(status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                                      body: exposition()))
    }

    private static func monotonicNanoseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
    }
}
