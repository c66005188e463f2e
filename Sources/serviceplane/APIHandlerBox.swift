import APIServer
import HTTPServer
import Synchronization

/// Lets the HTTP server start (and learn its port, which discovery reports) before the API handler exists.
/// Until `install` runs, requests get 503; the lock guards the handler reference only.
final class APIHandlerBox: HTTPHandler {
    private let handler = Mutex<(any HTTPHandler)?>(nil)

    func install(_ apiHandler: any HTTPHandler) {
        handler.withLock { $0 = apiHandler }
    }

    func handle(_ request: HTTPRequest) -> HTTPReply {
        guard let current = handler.withLock({ $0 }) else {
            return .buffered(HTTPResponse(status: 503, headers: [("Content-Type", "text/plain")], body: Array("starting".utf8)))
        }
        return current.handle(request)
    }
}
