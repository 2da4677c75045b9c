/// `check --trace`: the watch tracer on the service and its descendants during a check, so the report shows which
/// process received the stop signal and whether it passed it on (a shell that does not forward SIGTERM shows up as
/// a SIGTERM to the shell and none to its child).
///
/// The tracer thread reaps the traced service's exit (a tracee's exit goes to its tracer, and sigscope is also its
/// parent), so the exit status comes from the trace's `exit`/`killed` event.
final class ShutdownTrace: Sendable {
    private let tracer: SignalTracer
    private let events: SignalEventCollector

    /// Seizes `pids` (the service first, then its descendants) and, as they fork, their new children. A
    /// descendant that exits meanwhile is left out; the service itself must be seized. Senders are named in
    /// sigscope's PID namespace by the tracer, also for a service in its own (`--pid1`). `atExit` runs on the
    /// tracer thread at each traced thread's exit stop, before the kernel releases its descriptors.
    init(pids: [Int32], atExit: (@Sendable (_ pid: Int32, _ tid: Int32) -> Void)? = nil) throws(SigscopeError) {
        var configuration = SignalTracer.Configuration()
        configuration.followForks = true
        configuration.exitHook = atExit
        do {
            tracer = try SignalTracer.start(.attach(pids), configuration: configuration)
        } catch {
            guard pids.count > 1 else { throw error }
            tracer = try SignalTracer.start(.attach([pids[0]]), configuration: configuration)
        }
        events = SignalEventCollector(tracer.batches)
    }

    /// Detaches from whatever still runs and returns every event, waiting up to two seconds for the last ones.
    func finish() -> [SignalEvent] {
        tracer.detach()
        return events.all(waitingUpTo: .seconds(2))
    }

    /// Detaches without waiting for the last events (on the way out of an interrupted or failed check).
    func detach() { tracer.detach() }

    /// The events so far (the tracer keeps running).
    var snapshot: [SignalEvent] { events.snapshot }

    /// How `pid` ended, from its `exit` or `killed` event.
    static func exitStatus(of pid: Int32, in events: [SignalEvent]) -> ExitStatus? {
        events.last { $0.pid == pid && $0.exitStatus != nil }?.exitStatus
    }

    /// A line for the check's timeline, for the events that tell the shutdown story: signals, forks, exits.
    static func timelineText(_ event: SignalEvent) -> String? {
        let target = event.tid == event.pid ? "pid \(event.pid)" : "pid \(event.pid) thread \(event.tid)"
        switch event.kind {
        case .signal(let delivery):
            var sender = ""
            if let senderPid = delivery.senderPid {
                sender = " from " + (senderPid == 0 ? "outside its PID namespace"
                    : "pid \(senderPid)" + (delivery.senderComm.map { " (\($0))" } ?? ""))
            }
            return "trace: \(delivery.signal.name) delivered to \(target)\(sender), \(delivery.code.name)"
        case .fork(let child): return "trace: pid \(event.pid) started pid \(child)"
        case .exit(let code): return "trace: pid \(event.pid) exited with code \(code)"
        case .killed(let signal, let core): return "trace: pid \(event.pid) killed by \(signal.name)"
            + (core ? " (core dumped)" : "")
        default: return nil
        }
    }
}
