/// Waits for a process to die while the kernel backend watches it, then judges its end (`DeathReport`).
public enum DeathWatch {
    /// What to keep and how long to wait.
    public struct Configuration: Sendable {
        /// How far back before the death the report lists signals.
        public var window: Duration = .seconds(5)
        /// Give up after this long (nil: wait as long as it takes).
        public var timeout: Duration?
        /// End early on SIGINT, SIGTERM or SIGHUP to sigscope (`Interruption.install()` records them).
        public var stopOnInterruption = true
        /// Where tracefs is (tests); nil finds or mounts it.
        public var tracefs: TraceFS?
        /// Called once the tracepoints are on: from then on no signal to the process is missed.
        public var onStart: (@Sendable () -> Void)?

        public init() {}
    }

    /// Most events kept: a flood is summarized by its last ones.
    static let keep = 100_000

    /// Watches `pid` until it dies and reports why; throws when it cannot be watched, or when the watch ended
    /// (timeout, interruption) with the process still alive.
    public static func watch(pid: Int32, configuration: Configuration = Configuration()) async throws(SigscopeError)
        -> DeathReport
    {
        let comm = (try? ProcFiles().read("/proc/\(pid)/comm"))?.trimmingWhitespace()
        let cmdline = ProcReader().readCmdline(pid)
        let before = MemoryCgroup.of(pid: pid)
        var tracing = KernelSignalTracer.Configuration()
        tracing.duration = configuration.timeout
        tracing.stopOnInterruption = configuration.stopOnInterruption
        tracing.tracefs = configuration.tracefs
        let tracer = try KernelSignalTracer.start(.attach([pid]), configuration: tracing)
        configuration.onStart?()
        var events: [SignalEvent] = []
        for await batch in tracer.batches {
            events += batch
            if events.count > keep + keep / 2 { events.removeFirst(events.count - keep) }
        }
        guard let end = events.last(where: { $0.pid == pid && $0.exitStatus != nil }) else {
            if let signal = Interruption.requested {
                throw SigscopeError(.interrupted, "interrupted by \(signal.name) while process \(pid) still runs")
            }
            throw SigscopeError(.notReady, "process \(pid) was still running when the watch ended")
        }
        // -1: the kernel backend saw the end but could read no status (see KernelTraceLoop.collectExits).
        let status = end.exitStatus == .exited(-1) ? nil : end.exitStatus
        return DeathReport.judge(pid: pid, comm: comm, cmdline: cmdline, status: status, events: events,
                                 memoryBefore: before, memoryAfter: before?.reading(), window: configuration.window,
                                 lostEvents: tracer.statistics.lost)
    }
}
