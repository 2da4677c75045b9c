import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The graceful-shutdown test: start (or attach to) a service, wait until it is ready, put requests in flight,
/// send the stop signal to the main process only, as `docker stop` and the kubelet do, SIGKILL it at the end of
/// the grace period, and judge what happened. Nothing sigscope started is left running afterwards.
public struct ShutdownCheck: Sendable {
    /// What to check and how.
    public struct Configuration: Sendable {
        /// The service: a command sigscope starts, or a running process.
        public enum Target: Sendable, Equatable {
            case command([String])
            case pid(Int32)
        }

        public var target: Target
        /// Run the command as PID 1 of new PID and mount namespaces.
        public var pid1 = false
        /// All must pass before the signal; none given: ready at once, or when the first URL accepts TCP.
        public var readiness: [ReadinessProbe] = []
        public var readyTimeout: Duration = .seconds(30)
        public var signal: Signal = .term
        public var grace: Duration = .seconds(30)
        /// A wait before the signal, as a preStop sleep hook; it counts against the grace period.
        public var preStop: Duration = .zero
        /// One request per entry, in flight when the signal goes out.
        public var inflight: [URL] = []
        /// Opened again and again after the signal.
        public var probe: URL?
        /// Exit codes besides 0 that count as clean.
        public var acceptedExitCodes: Set<Int32> = [0]
        /// The longest wait for the in-flight requests to be proven sent.
        public var inflightSendTimeout: Duration = .seconds(5)
        /// Record the signals the service and its descendants receive and forward (ptrace).
        public var trace = false
        /// For a target sigscope did not start whose exit another process records (a container engine): reads the
        /// exit status once the target is gone.
        public var recordedExit: (@Sendable () -> ExitStatus?)?
        /// Runs in place of the pre-stop wait (a Kubernetes preStop hook), given the grace period; what it returns
        /// goes in the timeline, and the time it charges counts against the grace period.
        public var preStopHook: (@Sendable (Duration) -> PreStopOutcome)?
        /// The least time the process gets after the pre-stop hook, however long the hook took (the kubelet's 2 s).
        public var minimumGraceAfterPreStop: Duration = .zero
        /// Traffic through the shutdown (`--load`), and the window in which it keeps arriving.
        public var load: LoadSettings?
        /// The `--platform` preset the settings came from, if any: it decides which fix a hint names.
        public var platform: String?
        /// The preset's deregistration window, said to be untested when no `--load` runs through it.
        public var platformWindow: Duration = .zero

        public init(target: Target) { self.target = target }
    }

    public var configuration: Configuration
    /// Called about every 100 ms while waiting for the exit, with the seconds used and the grace period.
    public var progress: (@Sendable (Double, Double) -> Void)?

    public init(configuration: Configuration, progress: (@Sendable (Double, Double) -> Void)? = nil) {
        self.configuration = configuration
        self.progress = progress
    }

    /// The readiness probes in effect: those given, or a TCP connect to the first in-flight or probe URL.
    public var effectiveReadiness: [ReadinessProbe] {
        if !configuration.readiness.isEmpty { return configuration.readiness }
        guard let url = configuration.inflight.first ?? configuration.probe ?? configuration.load?.generator.url,
              let host = url.host else { return [] }
        return [.tcp(host: host, port: UInt16(HTTPExchange.port(of: url)))]
    }

    /// Runs the check. Throws for bad input, a command that cannot start, and an interruption (after cleaning up);
    /// a service that exits or never becomes ready gives a result with verdict `error`.
    public func run() throws(SigscopeError) -> CheckResult {
        let config = configuration
        Interruption.install()
        var run = try CheckRun(config: config)
        defer { run.cleanUp() }
        return try run.execute(readiness: effectiveReadiness, progress: progress)
    }
}

/// What a pre-stop hook did: a line for the timeline and the time it charges against the grace period.
public struct PreStopOutcome: Sendable {
    public var summary: String
    public var charged: Duration

    public init(summary: String, charged: Duration) {
        self.summary = summary
        self.charged = charged
    }
}
