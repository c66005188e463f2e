import Dispatch

/// A periodic background job on its own dispatch queue (never the request threads): the `kubernetes` Service
/// reconciler and the allocation repair loop. Dispatch timer sources are safe to cancel from any thread.
final class Maintenance: Sendable {
    nonisolated(unsafe) private let timer: any DispatchSourceTimer

    init(every seconds: Double, _ job: @escaping @Sendable () -> Void) {
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "serviceplane.maintenance"))
        timer.schedule(deadline: .now() + seconds, repeating: seconds)
        timer.setEventHandler(handler: job)
        timer.resume()
    }

    func stop() { timer.cancel() }
}
