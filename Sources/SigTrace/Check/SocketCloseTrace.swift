import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Records, in a tracing instance of its own (`sigscope-PID-sockets`), every close of a TCP connection by the
/// service's tasks and every task's exit, so that what the kernel closed at the exit is read from the kernel's
/// record, not from a sample of /proc taken some milliseconds before it (`SocketCloseRecord` judges the text).
/// Only the service tree is recorded: `set_event_pid` holds each of its threads and `event-fork` adds the tasks
/// they create. The default per-CPU buffer (1410 KiB, some 20,000 close records) holds far more than a check's
/// service makes, and overwrites the oldest first: the exit comes last. Root with tracefs only; `start` returns nil
/// elsewhere and the check falls back to sampling.
final class SocketCloseTrace: Sendable {
    private let instance: TraceInstance
    /// Set by the first `stop`: a second one (the check's clean-up after its finish) would open `tracing_on` of an
    /// instance the kernel is tearing down and wait there for the whole tear-down (120 ms measured).
    private let stopped = Atomic<Bool>(false)

    private init(instance: TraceInstance) { self.instance = instance }

    /// The instance's role: `sigscope-PID-sockets`.
    static let role = "sockets"

    /// Starts recording for `pids` (every current thread of each) and what they start; nil when tracefs is not
    /// usable here (not root, not mounted and not mountable, no such events) or a control file refused.
    static func start(pids: [Int32]) -> SocketCloseTrace? {
        guard geteuid() == 0, !pids.isEmpty, let tracefs = try? TraceFS.locate(mount: true),
              access(tracefs.path("events/sock/inet_sock_set_state/format"), R_OK) == 0,
              access(tracefs.path("events/sched/sched_process_exit/format"), R_OK) == 0,
              let instance = try? TraceInstance.create(in: tracefs, role: role) else { return nil }
        let threads = pids.flatMap { pid in
            let list = KernelTasks.threads(of: pid)
            return list.isEmpty ? [pid] : list
        }
        do throws(SigscopeError) {
            try instance.setClock("mono")
            try? instance.write("options/record-tgid", "1")
            try instance.write("options/event-fork", "1")
            try instance.write("set_event_pid", threads.map(String.init).joined(separator: " "))
            // Only closes: from ESTABLISHED (1) or CLOSE_WAIT (8) to FIN_WAIT1 (4), CLOSE (7) or LAST_ACK (9).
            try instance.write("events/sock/inet_sock_set_state/filter",
                               "(oldstate == 1 || oldstate == 8) && (newstate == 4 || newstate == 7 || newstate == 9)")
            try instance.write("events/sock/inet_sock_set_state/enable", "1")
            try instance.write("events/sched/sched_process_exit/enable", "1")
        } catch {
            instance.remove()
            return nil
        }
        return SocketCloseTrace(instance: instance)
    }

    /// The record so far (the `trace` file is read without consuming it); nil when it cannot be read.
    func read() -> SocketCloseRecord? {
        guard let text = try? instance.read("trace") else { return nil }
        return SocketCloseRecord.parse(text)
    }

    /// Ends the recording and removes the instance (in the background: the kernel takes 45-120 ms). Callable any
    /// number of times; only the first does anything.
    func stop() {
        guard !stopped.exchange(true, ordering: .acquiringAndReleasing) else { return }
        try? instance.write("tracing_on", "0")
        instance.removeInBackground()
    }
}
