import Dispatch
import Logging
import Registry

#if canImport(Glibc)
import Glibc
#endif

/// Runs the selected controllers and answers "has everything been processed?" for `/debug/controllers/sync`.
public final class ControllerManager: Sendable {
    /// Every controller name `--controllers` accepts.
    public static let allNames = ["endpointslice", "podsimulator", "garbagecollector", "namespace"]

    public let controllers: [any Controller]
    let registry: Registry
    let logger: Logger

    public init(registry: Registry, controllers: [any Controller], logger: Logger) {
        self.registry = registry
        self.controllers = controllers
        self.logger = logger
    }

    public func start() throws {
        for controller in controllers {
            try controller.start()
            logger.info("controller started", metadata: ["controller": "\(controller.name)"])
        }
    }

    public func stop() {
        for controller in controllers { controller.stop() }
    }

    /// Blocks until every controller has processed every change up to the current resourceVersion, including
    /// the changes controllers make in response to each other, and returns that resourceVersion; nil on timeout.
    /// Scheduled work that waits on a clock (a pod's ready delay, a grace period) is not waited for.
    public func waitForSync(timeout: Double = 30) -> Int64? {
        let deadline = Self.now() + timeout
        while Self.now() < deadline {
            // At a quiescent point every committed event has been delivered, i.e. queued by the controllers.
            let before = registry.deliveredResourceVersion()
            while !controllers.allSatisfy(\.isIdle) {
                if Self.now() >= deadline { return nil }
                usleep(500)
            }
            // Nothing written while they worked: everything up to `before` is processed and nothing follows.
            let after = registry.deliveredResourceVersion()
            if after == before { return before }
        }
        return nil
    }

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
