import Dispatch

/// `check` through the kernel backend: what the kernel did with the stop signal (delivered to a handler, to the
/// default action, ignored, dropped because PID 1 of a namespace has no handler, merged) and who sent each SIGKILL,
/// read from the `signal:*` tracepoints while the check runs and judged by `KernelStopRecord`. Runs only where the
/// kernel backend can (root, tracefs); never stops the service.
public final class StopSignalFate: Sendable {
    private let tracer: KernelSignalTracer
    private let events: SignalEventCollector
    private let pids: [Int32]
    private let signal: Signal

    private init(tracer: KernelSignalTracer, pids: [Int32], signal: Signal) {
        self.tracer = tracer
        self.pids = pids
        self.signal = signal
        events = SignalEventCollector(tracer.batches)
    }

    /// Starts watching `pids` (the service first, then descendants to follow for SIGKILL) for `signal` and
    /// SIGKILL; nil when the kernel backend cannot run here.
    public static func start(pids: [Int32], signal: Signal) -> StopSignalFate? {
        guard !pids.isEmpty, KernelSignalTracer.unavailableReason() == nil else { return nil }
        var configuration = KernelSignalTracer.Configuration()
        configuration.signals = [signal, .kill]
        guard let tracer = try? KernelSignalTracer.start(.attach(pids), configuration: configuration) else {
            // A descendant that exited meanwhile fails the start: the service alone still has a record.
            guard pids.count > 1 else { return nil }
            return start(pids: [pids[0]], signal: signal)
        }
        return StopSignalFate(tracer: tracer, pids: pids, signal: signal)
    }

    /// Starts watching the service `pid` alone.
    public static func start(pid: Int32, signal: Signal) -> StopSignalFate? { start(pids: [pid], signal: signal) }

    /// Ends the watch (the instance is removed) and judges what the kernel did. `exit` is how the service ended,
    /// when known: a stop signal the kernel handled by its fatal default action has no delivery event.
    public func finish(exit: ExitStatus? = nil) -> KernelStopRecord {
        tracer.stop()
        return KernelStopRecord.judge(events.all(waitingUpTo: .seconds(2)), signal: signal, pids: pids, exit: exit,
                                      lostEvents: tracer.statistics.lost)
    }

    /// Ends the watch without waiting (on the way out of an interrupted check).
    public func stop() { tracer.stop() }
}
