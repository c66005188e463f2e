import Dispatch
import JSON
import Logging
import Registry
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `--audit-log PATH`: one JSON object per line for every request, appended to a file.
///
/// Request threads only format their line and append it to an in-memory batch under a short lock; a serial
/// dispatch queue writes whole batches with `write(2)`, so a slow disk delays the log, never a response. If the
/// disk falls more than `maxPendingBytes` behind, further lines are dropped and counted (logged once per batch)
/// rather than letting memory grow without bound.
///
/// Thread-safe: `pending` is guarded by its Mutex; the file descriptor is written only on `queue`.
public final class AuditLog: Sendable {
    private let descriptor: Int32
    private let path: String
    private let queue = DispatchQueue(label: "serviceplane.audit-log")
    private let pending = Mutex(Batch())
    private let logger: Logger
    /// Lines waiting beyond this many bytes are dropped.
    let maxPendingBytes: Int

    private struct Batch {
        var bytes: [UInt8] = []
        var dropped = 0
        var flushScheduled = false
    }

    /// Opens (creating if needed, mode 0600) `path` for appending.
    public init(path: String, maxPendingBytes: Int = 64 << 20, logger: Logger) throws(SecurityConfigurationError) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SecurityConfigurationError("cannot open audit log \(path): \(String(cString: strerror(errno)))")
        }
        self.descriptor = descriptor
        self.path = path
        self.maxPendingBytes = maxPendingBytes
        self.logger = logger
    }

    deinit { close(descriptor) }

    /// Records one request. `user` is the authenticated name ("system:anonymous" without credentials, "" when
    /// authentication failed); `code` the response status; `latency` the time until the response was ready (for a
    /// watch: until its stream started).
    public func record(_ attributes: RequestAttributes, user: String, code: Int, latency: Duration,
                       sourceAddress: String) {
        let line = Self.line(attributes, user: user, code: code, latency: latency, sourceAddress: sourceAddress,
                             timestamp: Self.timestamp())
        let schedule = pending.withLock { batch -> Bool in
            guard batch.bytes.count + line.count <= maxPendingBytes else {
                batch.dropped += 1
                return false
            }
            batch.bytes += line
            defer { batch.flushScheduled = true }
            return !batch.flushScheduled
        }
        if schedule { queue.async { self.flush() } }
    }

    /// Writes everything recorded so far and waits for it (shutdown).
    public func drain() {
        queue.sync { flush() }
    }

    /// Takes the batch and writes it; runs on `queue` only.
    private func flush() {
        let (bytes, dropped) = pending.withLock { batch in
            defer { batch = Batch() }
            return (batch.bytes, batch.dropped)
        }
        if dropped > 0 {
            logger.warning("audit log behind, lines dropped", metadata: ["path": "\(path)", "dropped": "\(dropped)"])
        }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, bytes.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                logger.error("audit log write failed", metadata: ["path": "\(path)", "error": "\(reason)"])
                return
            }
            offset += written
        }
    }

    /// One audit line: a JSON object and a newline.
    static func line(_ attributes: RequestAttributes, user: String, code: Int, latency: Duration,
                     sourceAddress: String, timestamp: String) -> [UInt8] {
        let components = latency.components
        let seconds = Double(components.seconds) + Double(components.attoseconds) / 1e18
        let object: JSONObject = [
            "timestamp": .string(timestamp),
            "user": .string(user),
            "sourceAddress": .string(sourceAddress),
            "verb": .string(attributes.verb),
            "apiGroup": .string(attributes.apiGroup),
            "resource": .string(attributes.resource),
            "subresource": .string(attributes.subresource),
            "namespace": .string(attributes.namespace),
            "name": .string(attributes.name),
            "requestURI": .string(attributes.path),
            "code": .int(Int64(code)),
            "latencySeconds": .double((seconds * 1e6).rounded() / 1e6),
        ]
        var bytes = JSON.object(object).serialized(pretty: false)
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    /// The current UTC time as RFC 3339 with microseconds, e.g. `2026-11-27T13:45:01.123456Z`.
    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let micros = String(now.tv_nsec / 1000)
        let fraction = String(repeating: "0", count: 6 - micros.count) + micros
        return SystemFields.timestamp(Int64(now.tv_sec)).dropLast() + "." + fraction + "Z"
    }
}
