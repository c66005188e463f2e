import HTTPServer
import JSON
import KubeAPI
import Registry

extension APIHandler {
    /// The bound of a watch stream's unsent bytes: beyond it the watcher is too slow and is closed (its client
    /// relists), never silently skipped. Large enough for the initial events of a big namespace.
    static let watchBufferBytes = 64 << 20

    /// `GET ...?watch=1` on a collection, a single object (`fieldSelector=metadata.name=` implied), or a legacy
    /// `/watch/` path (reference §9): a chunked stream of JSON watch events.
    func watch(_ request: HTTPRequest, _ info: ResourceInfo, namespace: String?, name: String?) throws(StatusError) -> HTTPReply {
        var options = try OptionParsing.watchOptions(request)
        if let name {
            if let selector = options.fieldSelector {
                guard selector.singleNameMatch == name || selector.isEmpty else {
                    throw .badRequest("fieldSelector metadata.name doesn't match requested name")
                }
            }
            options.fieldSelector = try FieldSelector.parse("metadata.name=" + Self.escapeFieldSelectorValue(name))
        }
        let allowBookmarks = request.queryValue("allowWatchBookmarks").map { QueryValue.bool($0) } ?? false
        let now = WatchSessions.monotonicSeconds()
        let timeout: Double
        if let text = request.queryValue("timeoutSeconds"), !text.isEmpty {
            let seconds = try QueryValue.int64(text, name: "timeoutSeconds")
            timeout = seconds > 0 ? Double(seconds) : Self.defaultWatchTimeout()
        } else {
            timeout = Self.defaultWatchTimeout()
        }
        // Table watchers get their own encoder; JSON watchers share the line cache (reference §9.7).
        let tableEncoder = try TableNegotiation.tableRequest(request).map {
            TableWatchEncoder(table: Table(printer: .forResource(info), request: $0))
        }
        let stream = HTTPStream(maxBufferedBytes: Self.watchBufferBytes)
        let session = WatchSession(stream: stream, info: info, allowBookmarks: allowBookmarks, deadline: now + timeout, now: now,
                                   lineCache: watchSessions.lineCache, tableEncoder: tableEncoder)
        let eventsSent = metrics.watchEvents(resource: info.resource)
        let subscription = try registry.watch(info, namespace: namespace, options: options) { event in
            eventsSent.increment()
            return session.emit(event)
        }
        if let subscription {
            watchSessions.add(session)
            let watchEnded = metrics.watchOpened(resource: info.resource)
            stream.onClose { [watchSessions] in
                session.closed()
                watchSessions.remove(session)
                watchEnded()
            }
            session.attach(subscription)
        }
        return .stream(status: 200, headers: [("Content-Type", "application/json"), ("Cache-Control", "no-cache, private")],
                       stream)
    }

    /// kube-apiserver's watch timeout when the client sets none: random in [minRequestTimeout, 2×minRequestTimeout),
    /// minRequestTimeout being 1800 s (`handlers/get.go`).
    static func defaultWatchTimeout() -> Double {
        Double.random(in: 1800..<3600)
    }

    /// Escapes `\`, `,` and `=` for a field selector value (`fields.EscapeValue`).
    static func escapeFieldSelectorValue(_ value: String) -> String {
        var out = ""
        for character in value {
            if character == "\\" || character == "," || character == "=" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
