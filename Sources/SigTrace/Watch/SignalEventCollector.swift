import Dispatch
import Synchronization

/// Gathers a tracer's batches of events on a task of its own, for a caller that reads them as a whole rather than
/// line by line: check's `--trace` (the ptrace backend) and the kernel's record of the stop signal (`StopSignalFate`).
final class SignalEventCollector: Sendable {
    private let store = Store()
    private let ended = DispatchSemaphore(value: 0)

    /// The events, shared with the task that drains the stream.
    private final class Store: Sendable {
        let events = Mutex<[SignalEvent]>([])
    }

    /// Starts draining `batches` until the tracer ends the stream.
    init(_ batches: AsyncStream<[SignalEvent]>) {
        let store = store
        let ended = ended
        Task.detached {
            for await batch in batches { store.events.withLock { $0.append(contentsOf: batch) } }
            ended.signal()
        }
    }

    /// The events so far (the tracer may still be running).
    var snapshot: [SignalEvent] { store.events.withLock { $0 } }

    /// Every event, once the stream has ended or `timeout` has passed (after the tracer was told to stop, its last
    /// events are still on their way).
    func all(waitingUpTo timeout: DispatchTimeInterval) -> [SignalEvent] {
        _ = ended.wait(timeout: .now() + timeout)
        return snapshot
    }
}
