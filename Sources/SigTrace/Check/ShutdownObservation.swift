/// Why a check never reached the stop signal.
public enum NotReady: Sendable, Equatable {
    /// The service exited while sigscope waited for it to be ready.
    case exitedBeforeReady
    /// The readiness probes did not all pass within the timeout.
    case notReadyInTime(timeout: Duration, probes: [String])
    /// The service exited during the pre-stop wait.
    case exitedDuringPreStop
    /// The service exited between readiness and the signal.
    case exitedBeforeSignal

    /// What happened, after "pid N (cmd)".
    public var description: String {
        switch self {
        case .exitedBeforeReady: "exited before it was ready"
        case .notReadyInTime(let timeout, let probes):
            "was not ready after \(ShutdownVerdict.format(timeout.seconds)) s (\(probes.joined(separator: ", ")))"
        case .exitedDuringPreStop: "exited during the pre-stop wait, before the signal"
        case .exitedBeforeSignal: "exited before the signal"
        }
    }
}

/// How the service's shutdown ended. Each case holds only what can be true of it: a service that was SIGKILLed
/// has no shutdown time, one that never got the signal has neither.
public enum ShutdownEnd: Sendable, Equatable {
    /// The check never reached the signal; the status is set when the service exited by itself.
    case notReady(NotReady, status: ExitStatus?)
    /// The service exited by itself `seconds` after the signal, within the grace period; the status is nil when
    /// sigscope could not read it (a `--pid` target is not its child).
    case exited(seconds: Double, status: ExitStatus?)
    /// The service was still running at the end of the grace period and sigscope sent SIGKILL; it was gone
    /// `afterSeconds` after the signal (nil: still not gone 5 s after SIGKILL).
    case killed(afterSeconds: Double?, status: ExitStatus?)
}

/// Everything `check` observed, before judging. Pure data, so the rules can be tested without processes.
public struct ShutdownObservation: Sendable {
    public var pid: Int32
    /// The command line as one string for text, and as its arguments (`cmdline` in the JSON).
    public var command: String
    public var cmdline: [String] = []
    public var signal: Signal
    public var grace: Duration
    public var preStop: Duration
    /// How it ended.
    public var end: ShutdownEnd
    /// Exit codes that count as clean (`--accept-exit`; 0 always does).
    public var acceptedExitCodes: Set<Int32>
    /// inspect's findings on the process, taken just before the signal.
    public var forecast: [Finding]
    /// inspect's outcome for the stop signal, taken just before it was sent; decides a `--pid` target's verdict,
    /// whose exit status sigscope cannot read.
    public var forecastOutcome: SignalOutcome?
    /// Descendants still alive after the main process exited, and zombies it left.
    public var orphans: [TreeProcess]
    public var zombies: [TreeProcess]
    public var inflight: InflightSummary?
    public var probe: ProbeReport?
    /// The program the knowledge base says the service is (nginx, PostgreSQL, a Go binary), when known: hints
    /// name its own stop signal and settings.
    public var program: ProgramEntry?
    /// The service's command line as /proc showed it at the forecast (switches such as uWSGI's --die-on-term
    /// change what a signal means); empty when it was not read.
    public var programCommandLine: [String] = []
    /// What was still going on when the grace period ended (descendants, open connections); nil unless killed.
    public var graceEnd: GraceEndState?
    /// The TCP connections the service held when it exited or was killed (`connections-abandoned`).
    public var connectionsAtExit: ConnectionsAtExit?
    /// With `--load`: the traffic through the shutdown, judged by `TrafficVerdict`.
    public var load: LoadReport?
    /// The `--platform` preset in effect, if any.
    public var platform: String?
    /// The preset's deregistration window when no `--load` sent traffic through it (`deregistration-window-untested`).
    public var untestedWindow: Duration?
    /// As root with tracefs: what the kernel did with the stop signal and who sent each SIGKILL (its tracepoints).
    public var kernel: KernelStopRecord?

    /// The grace period left for the process once the pre-stop hook has used its share.
    public var graceAfterPreStop: Double { max(0, grace.seconds - preStop.seconds) }

    /// How the main process ended; nil when unknown (`--pid`: not our child) or when it never ended.
    public var exit: ExitStatus? {
        switch end {
        case .notReady(_, let status), .exited(_, let status), .killed(_, let status): status
        }
    }

    /// Why the check could not reach the signal, with the exit status, as the report prints it.
    public var notReady: String? {
        guard case .notReady(let reason, let status) = end else { return nil }
        return reason.description + (status.map { ": \($0.description)" } ?? "")
    }

    /// True when the process was gone before the grace period ended, without SIGKILL.
    public var exitedInTime: Bool {
        if case .exited = end { return true }
        return false
    }

    /// True when sigscope sent SIGKILL at the end of the grace period.
    public var killed: Bool {
        if case .killed = end { return true }
        return false
    }

    /// Seconds from the stop signal to the exit, when it exited by itself.
    public var shutdownSeconds: Double? {
        if case .exited(let seconds, _) = end { return seconds }
        return nil
    }

    /// Seconds from the signal to the death of a process that needed SIGKILL.
    public var killedAfterSeconds: Double? {
        if case .killed(let seconds, _) = end { return seconds }
        return nil
    }

    /// Creates an observation of a check that ended as `end`, with nothing else seen yet.
    public init(pid: Int32, command: String, signal: Signal, grace: Duration, preStop: Duration, end: ShutdownEnd,
                acceptedExitCodes: Set<Int32>) {
        self.pid = pid
        self.command = command
        self.signal = signal
        self.grace = grace
        self.preStop = preStop
        self.end = end
        self.acceptedExitCodes = acceptedExitCodes.union([0])
        forecast = []
        orphans = []
        zombies = []
    }
}
