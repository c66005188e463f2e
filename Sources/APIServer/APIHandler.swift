import HTTPServer
import JSON
import KubeAPI
import Logging
import Registry

/// The Kubernetes API over HTTP: routes each request to discovery, health, or a resource verb, and turns
/// every failure into a `Status` (the one place StatusErrors become responses).
public final class APIHandler: HTTPHandler {
    let registry: Registry
    let discovery: Discovery
    let logger: Logger
    /// Request bodies above this are refused with 413 (kube-apiserver's `MaxRequestBodyBytes`).
    let maxBodyBytes: Int
    /// Open watch streams, for their timeouts and bookmarks.
    let watchSessions: WatchSessions
    /// Request and watch metrics (`MeteredHandler` records requests; watches record themselves).
    public let metrics: APIMetrics
    /// Renders every metric for `GET /metrics` (Prometheus text format); nil leaves `/metrics` a 404. Served here,
    /// behind authentication, rather than in `MeteredHandler`, so `--token-auth-file` covers it as it covers the
    /// API (kube-apiserver requires an authorized user for `/metrics` too).
    let metricsExposition: (@Sendable () -> [UInt8])?

    /// Bearer-token authentication (`--token-auth-file`); nil lets every request in as anonymous.
    let authenticator: TokenAuthenticator?
    /// Where every request is recorded (`--audit-log`); nil records nothing.
    let auditLog: AuditLog?

    /// Waits until the controllers have processed everything (`/debug/controllers/sync`); nil when none run.
    let controllerSync: (@Sendable (_ timeout: Double) -> Int64?)?

    public init(registry: Registry, serverAddress: String, maxBodyBytes: Int = 3 * 1024 * 1024,
                controllerSync: (@Sendable (_ timeout: Double) -> Int64?)? = nil, metrics: APIMetrics = .disabled,
                metricsExposition: (@Sendable () -> [UInt8])? = nil,
                authenticator: TokenAuthenticator? = nil, auditLog: AuditLog? = nil, logger: Logger) {
        self.registry = registry
        self.metrics = metrics
        self.metricsExposition = metricsExposition
        self.authenticator = authenticator
        self.auditLog = auditLog
        self.controllerSync = controllerSync
        self.discovery = Discovery(resources: registry.resources, serverAddress: serverAddress)
        self.maxBodyBytes = maxBodyBytes
        self.logger = logger
        self.watchSessions = WatchSessions(registry: registry)
    }

    /// Answers one request: authentication and authorization first (when `--token-auth-file` is on), then routing;
    /// every failure becomes a `Status`; the audit log (if any) records the outcome.
    public func handle(_ request: HTTPRequest) -> HTTPReply {
        handle(request, target: target(of: request))
    }

    /// What a request path addresses, or nil for a non-resource path (discovery, health, or a 404).
    func target(of request: HTTPRequest) -> RequestTarget? {
        let path = request.path
        guard path.hasPrefix("/api/") || path.hasPrefix("/apis/") else { return nil }
        return RequestTarget.parse(path, resources: registry.resources)
    }

    /// Serves `request`, whose path was already parsed into `target` (`MeteredHandler` parses it once for both).
    func handle(_ request: HTTPRequest, target: RequestTarget?) -> HTTPReply {
        let started = ContinuousClock.now
        let pretty = OptionParsing.pretty(request)
        let attributes = authenticator != nil || auditLog != nil ? RequestAttributes(request) : nil
        var user: UserInfo? = .anonymous
        let reply: HTTPReply
        do {
            if let authenticator, let attributes {
                user = nil  // audited as "" if authentication fails
                let authenticated = try authenticator.authenticate(request)
                user = authenticated
                try ReadOnlyAuthorization.authorize(authenticated, attributes)
            }
            reply = try route(request, target: target, pretty: pretty)
        } catch {
            if error.code >= 500 {
                logger.error("request failed", metadata: ["method": "\(request.method)", "path": "\(request.path)",
                                                          "error": "\(error.message)"])
            }
            reply = Responses.error(error, pretty: pretty)
        }
        if let auditLog, let attributes {
            auditLog.record(attributes, user: user?.name ?? "", code: reply.status,
                            latency: ContinuousClock.now - started, sourceAddress: request.remoteAddress)
        }
        return reply
    }

    private func route(_ request: HTTPRequest, target: RequestTarget?, pretty: Bool) throws(StatusError) -> HTTPReply {
        if request.bodyTooLarge { throw .requestEntityTooLarge(limit: maxBodyBytes) }
        if let target {
            let accept = request.header("accept")
            let yaml = YAMLResponse.preferred(accept)
            guard yaml || ContentNegotiation.acceptsJSON(accept) else { throw .notAcceptable }
            let reply = try handleResource(request, target: target, pretty: pretty)
            return yaml && request.method == "GET" ? YAMLResponse.convert(reply) : reply
        }
        return try handleNonResource(request, pretty: pretty)
    }

    /// Discovery, version and health endpoints (reference §1.4).
    private func handleNonResource(_ request: HTTPRequest, pretty: Bool) throws(StatusError) -> HTTPReply {
        let path = request.pathWithoutTrailingSlash
        switch path {
        case "/healthz", "/livez", "/readyz":
            guard request.method == "GET" || request.method == "HEAD" else { throw .methodNotAllowed }
            return Responses.text("ok")
        case "/debug/controllers/sync":
            return try controllersSync(request, pretty: pretty)
        case "/metrics":
            if let metricsExposition {
                guard request.method == "GET" || request.method == "HEAD" else { throw .methodNotAllowed }
                metrics.publish()
                return .buffered(HTTPResponse(
                    status: 200, headers: [("Content-Type", "text/plain; version=0.0.4; charset=utf-8")],
                    body: metricsExposition()))
            }
        case "/api", "/apis":
            if let reply = try aggregatedDiscovery(request, path: path) { return reply }
        case "/openapi/v3":
            return try openAPI(request, path: path)
        default:
            if path.hasPrefix("/openapi/v3/") { return try openAPI(request, path: path) }
        }
        let document: JSON?
        switch path {
        case "/version": document = Discovery.version
        case "/api": document = discovery.apiVersions
        case "/apis": document = discovery.apiGroupList
        default:
            if path.hasPrefix("/api/") {
                document = discovery.resourceLists[String(path.dropFirst("/api/".count))]
            } else if path.hasPrefix("/apis/") {
                let rest = String(path.dropFirst("/apis/".count))
                document = rest.contains("/") ? discovery.resourceLists[rest] : discovery.groups[rest]
            } else {
                document = nil
            }
        }
        guard let document else { throw .pathNotFound }
        guard request.method == "GET" || request.method == "HEAD" else { throw .methodNotAllowed }
        guard ContentNegotiation.acceptsJSON(request.header("accept")) else { throw .notAcceptable }
        return Responses.json(document, pretty: pretty)
    }

    /// `GET /debug/controllers/sync[?timeoutSeconds=N]`: blocks until every controller has processed every change
    /// up to the current resourceVersion (and the changes they made in turn), then answers
    /// `{"resourceVersion":"N"}`; 504 when that takes longer than the timeout (default 30 s).
    private func controllersSync(_ request: HTTPRequest, pretty: Bool) throws(StatusError) -> HTTPReply {
        guard request.method == "GET" else { throw .methodNotAllowed }
        var timeout = 30.0
        if let text = request.queryValue("timeoutSeconds"), !text.isEmpty {
            timeout = Double(try QueryValue.int64(text, name: "timeoutSeconds"))
        }
        let resourceVersion: Int64
        if let controllerSync {
            guard let synced = controllerSync(timeout) else {
                throw StatusError(code: 504, reason: "Timeout",
                                  message: "the controllers did not catch up within \(Int(timeout)) seconds",
                                  details: .init(retryAfterSeconds: 1))
            }
            resourceVersion = synced
        } else {
            resourceVersion = registry.store.currentResourceVersion
        }
        return Responses.json(["resourceVersion": .string(String(resourceVersion))], pretty: pretty)
    }
}

extension HTTPRequest {
    /// The path without one trailing slash ("/" itself stays): how health, version and discovery paths match.
    var pathWithoutTrailingSlash: String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }
}
