import HTTPServer
import KubeAPI

/// The answer on a connection accepted over `--max-connections` or `--max-connections-per-client`: what
/// kube-apiserver's max-in-flight filter answers (429 `TooManyRequests`, `Retry-After: 1`), which client-go
/// retries by itself. The server closes the connection after it.
public enum ConnectionRefusal {
    public static let response: HTTPResponse = {
        let error = StatusError(code: 429, reason: "TooManyRequests",
                                message: "Too many connections, please try again later.",
                                details: .init(retryAfterSeconds: 1))
        return HTTPResponse(status: 429, headers: [("Content-Type", Responses.jsonContentType), ("Retry-After", "1")],
                            body: error.statusObject.serialized())
    }()
}
