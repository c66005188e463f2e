import Registry

/// A control loop: level-triggered, driven by watches of the Registry, writing through it like any client.
public protocol Controller: Sendable {
    /// The name `--controllers` selects it by.
    var name: String { get }
    /// Subscribes to what it watches and queues an initial full resync.
    func start() throws
    /// True when nothing is queued, running or waiting for a retry.
    var isIdle: Bool { get }
    /// Stops its watches.
    func stop()
}
