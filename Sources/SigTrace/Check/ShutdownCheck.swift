import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One moment of a check, for the text report's timeline.
public struct TimelineEvent: Sendable, Equatable {
    /// Seconds since the check started the service (or attached to it).
    public var seconds: Double
    public var text: String
}

/// What `sigscope check` found: the verdict, the findings and the evidence behind them.
public struct CheckResult: Sendable {
    public var verdict: CheckVerdict
    public var findings: [Finding]
    public var observation: ShutdownObservation
    public var timeline: [TimelineEvent]
    /// Seconds from start until the service was ready.
    public var readySeconds: Double?
    /// The last lines the service wrote (only when sigscope started it).
    public var outputTail: [String]
    /// Seconds from the signal to the SIGKILL'd process's death.
    public var killedAfterSeconds: Double?
    /// With `--trace`: every signal, fork and exit the traced tree saw.
    public var trace: [SignalEvent]? = nil
    /// When the stop signal went out (`Clocks.monotonicNanoseconds`), to line the check up with another clock.
    public var signalMonotonicNanoseconds: UInt64? = nil
}

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
        guard let url = configuration.inflight.first ?? configuration.probe, let host = url.host else { return [] }
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

/// The state of one check while it runs.
struct CheckRun {
    let config: ShutdownCheck.Configuration
    let tree = ServiceTree()
    let start = Clocks.monotonicNanoseconds()
    let pid: Int32
    let watch: ExitWatch
    /// Set when sigscope started the service: it is our child and leads its own process group.
    let child: SpawnedProcess?
    let output: ServiceOutput?
    /// Our children from before the service started: never touched.
    let keep: Set<Int32>
    var timeline: [TimelineEvent] = []
    var observation: ShutdownObservation
    var reaped = false
    /// The tracer of `--trace`, started just before the signal.
    var trace: ShutdownTrace?

    init(config: ShutdownCheck.Configuration) throws(SigscopeError) {
        self.config = config
        let me = getpid()
        switch config.target {
        case .command(let arguments):
            try ServiceTree.becomeSubreaper()
            keep = Set(tree.childPids(of: me))
            let output = try ServiceOutput()
            var options = SpawnedProcess.Options()
            options.newProcessGroup = true
            options.newPIDNamespace = config.pid1
            let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
            defer { if devNull >= 0 { close(devNull) } }
            options.stdin = devNull >= 0 ? devNull : nil
            options.stdout = output.descriptor
            options.stderr = output.descriptor
            let process = try SpawnedProcess.launch(arguments, options: options)
            child = process
            self.output = output
            pid = process.pid
            do {
                watch = try ExitWatch(pid: pid)
            } catch {
                kill(-pid, SIGKILL)
                process.stop()
                throw error
            }
        case .pid(let target):
            guard target > 1, target != me else {
                let what = target == me ? "sigscope itself" : "init"
                throw SigscopeError(.badInput, "--pid \(target): refusing to stop \(what)")
            }
            keep = []
            child = nil
            output = nil
            pid = target
            let reader = ProcReader()
            try reader.requireUserProcess(try reader.snapshot(target, depth: .table).status)
            watch = try ExitWatch(pid: target)
        }
        var cmdline = ProcReader().readCmdline(pid)
        if case .command(let arguments) = config.target, cmdline.isEmpty { cmdline = arguments }
        let command = ShutdownVerdict.commandLine(cmdline)
        observation = ShutdownObservation(pid: pid, command: command, signal: config.signal, grace: config.grace,
                                          preStop: config.preStop, acceptedExitCodes: config.acceptedExitCodes)
    }

    var now: UInt64 { Clocks.monotonicNanoseconds() }

    func seconds(since base: UInt64, at time: UInt64? = nil) -> Double {
        (Double(time ?? Clocks.monotonicNanoseconds()) - Double(base)) / 1e9
    }

    mutating func note(_ text: String, at time: UInt64? = nil) {
        timeline.append(TimelineEvent(seconds: seconds(since: start, at: time), text: text))
    }

    /// Throws the interruption error if sigscope was told to stop; `cleanUp` then stops everything.
    func checkInterrupted() throws(SigscopeError) {
        if let signal = Interruption.requested { throw Interruption.error(signal, pid: pid) }
    }

    mutating func execute(readiness: [ReadinessProbe], progress: (@Sendable (Double, Double) -> Void)?)
        throws(SigscopeError) -> CheckResult
    {
        note(child != nil ? "started pid \(pid)\(config.pid1 ? " as PID 1 of a new PID namespace" : "")"
             : "attached to pid \(pid)")

        // Ready?
        let checker = ReadinessChecker(probes: readiness, output: output, start: start)
        let readyDeadline = start + UInt64(config.readyTimeout.seconds * 1e9)
        while true {
            try checkInterrupted()
            if watch.hasExited { return notReady("exited before it was ready") }
            if checker.isReady() { break }
            if now >= readyDeadline {
                return notReady("was not ready after \(ShutdownVerdict.format(config.readyTimeout.seconds)) s "
                    + "(\(readiness.map(\.description).joined(separator: ", ")))")
            }
            _ = watch.waitForExit(timeout: .milliseconds(10))
        }
        let readySeconds = seconds(since: start)
        let probes = readiness.map(\.description).joined(separator: ", ")
        note(readiness.isEmpty ? "ready (no readiness probe)" : "ready (\(probes))")

        // The grace period starts with the pre-stop hook, as the kubelet counts it.
        let preStopStart = now
        if let hook = config.preStopHook {
            note("pre-stop hook started")
            let outcome = hook(config.grace)
            observation.preStop = outcome.charged
            note(outcome.summary)
            try checkInterrupted()
            if watch.hasExited { return notReady("exited during the pre-stop hook, before the signal") }
        } else if config.preStop > .zero {
            note("pre-stop: waiting \(ShutdownVerdict.format(config.preStop.seconds)) s")
            let end = preStopStart + UInt64(config.preStop.seconds * 1e9)
            while now < end {
                try checkInterrupted()
                if watch.waitForExit(timeout: .nanoseconds(Int64(min(end - min(now, end), 10_000_000)))) {
                    return notReady("exited during the pre-stop wait, before the signal")
                }
            }
        }

        // Requests in flight, proven sent before the signal.
        var inflight: InflightRequests?
        var inFlightCount = 0
        if !config.inflight.isEmpty {
            let requests = InflightRequests(urls: config.inflight, timeout: config.grace + .seconds(5))
            requests.start()
            inFlightCount = requests.waitUntilSent(timeout: config.inflightSendTimeout) {
                Interruption.requested != nil || watch.hasExited
            }
            try checkInterrupted()
            note("\(inFlightCount) of \(config.inflight.count) request(s) sent and waiting for their response")
            inflight = requests
        }

        // inspect's forecast, just before the signal.
        if let report = try? Inspector().inspect(pid) {
            if config.signal == .term {
                observation.forecast = report.findings.filter { ShutdownVerdict.forecastSlugs.contains($0.rule) }
            }
            observation.forecastOutcome = report.disposition(config.signal).outcome
        }
        let descendantsBefore = child == nil ? tree.descendants(of: [pid]) : []
        if config.trace {
            // Seized now, with the descendants it has, so what it passes on to them shows; new ones follow.
            let tree = [pid] + self.tree.descendants(of: [pid]).filter { !$0.isZombie }.map(\.pid)
            trace = try ShutdownTrace(pids: tree)
            note("tracing \(tree.count) process(es)")
        }

        // The signal, to the main process only.
        let probe = config.probe.map(ListenerProbe.init)
        if watch.hasExited { return notReady("exited before the signal") }
        let signalAt = now
        if let failure = watch.send(config.signal) {
            if failure == ESRCH { return notReady("exited before the signal") }
            throw SigscopeError(.permissionDenied, "cannot send \(config.signal.name) to pid \(pid): "
                + SigscopeError.describe(errno: failure), errno: failure)
        }
        probe?.start()
        note("sent \(config.signal.name) to pid \(pid) (not its group)", at: signalAt)

        // Wait for the exit; SIGKILL at the end of the grace period. The pre-stop used its share of it; the
        // moments sigscope spent proving requests in flight and reading the forecast are not the service's.
        let left = max(config.minimumGraceAfterPreStop.seconds, config.grace.seconds - observation.preStop.seconds)
        let deadline = signalAt + UInt64(max(0, left) * 1e9)
        var exitAt: UInt64?
        var descendants = descendantsBefore
        while true {
            try checkInterrupted()
            let time = now
            if time >= deadline { break }
            if watch.waitForExit(timeout: .nanoseconds(Int64(min(deadline - time, 100_000_000)))) {
                exitAt = now
                break
            }
            progress?(observation.preStop.seconds + seconds(since: signalAt), config.grace.seconds)
            if child == nil {
                // Not our child: its orphans re-parent elsewhere, so remember who its descendants are.
                let fresh = tree.descendants(of: [pid])
                descendants += fresh.filter { new in !descendants.contains { $0.pid == new.pid } }
            }
        }
        var killedAfter: Double?
        if let exitAt {
            observation.exitedInTime = true
            observation.shutdownSeconds = seconds(since: signalAt, at: exitAt)
        } else {
            observation.killed = true
            note("grace period over: sent SIGKILL")
            watch.send(.kill)
            _ = watch.waitForExit(timeout: .seconds(5))
            killedAfter = seconds(since: signalAt)
            // SIGKILL cannot be caught: a --pid target, whose status sigscope cannot read, died of it.
            if child == nil && watch.hasExited { observation.exit = .signaled(.kill, coreDumped: false) }
        }
        let endAt = exitAt ?? now
        if let child {
            observation.exit = child.wait() ?? tracedExit()
            reaped = true
        } else if let recordedExit = config.recordedExit {
            observation.exit = recordedExit() ?? observation.exit
        } else if observation.exit == nil {
            observation.exit = tracedExit()
        }
        probe?.stop()
        note("pid \(pid) \(observation.exit?.description ?? "exited")"
             + (observation.shutdownSeconds.map { " \(ShutdownVerdict.precise($0)) s after the signal" } ?? ""),
             at: endAt)

        // What it left behind.
        if child != nil {
            let adopted = tree.adoptedChildren(excluding: keep.union([pid]))
            observation.zombies = adopted.filter(\.isZombie)
            let alive = adopted.filter { !$0.isZombie }
            observation.orphans = alive + tree.descendants(of: Set(alive.map(\.pid))).filter { !$0.isZombie }
        } else {
            observation.orphans = descendants.compactMap(tree.current).filter { !$0.isZombie }
        }
        if !observation.orphans.isEmpty {
            note("\(observation.orphans.count) descendant(s) still running: killing them")
        }
        tree.killAndReap(group: child != nil ? pid : nil, processes: observation.orphans, keep: keep)

        if let inflight {
            inflight.waitForAll(timeout: .seconds(3))
            let summary = inflight.summary(signalAt: signalAt, inFlight: inFlightCount)
            observation.inflight = summary
            for result in summary.results {
                let at = result.seconds.map { signalAt + UInt64(max(0, $0) * 1e9) }
                note("in-flight \(result.url): \(result.outcome?.summary ?? "no answer")", at: at ?? now)
            }
        }
        if let probe {
            let report = probe.report(signalAt: signalAt)
            observation.probe = report
            if let last = report.lastServedSeconds {
                note("probe: last new connection served", at: signalAt + UInt64(max(0, last) * 1e9))
            }
            if let closed = report.listenerClosedSeconds {
                note("probe: listener closed (connection refused)", at: signalAt + UInt64(max(0, closed) * 1e9))
            }
        }
        let traced = trace?.finish()
        for event in traced ?? [] {
            if let text = ShutdownTrace.timelineText(event) { note(text, at: event.monotonicNanoseconds) }
        }
        timeline.sort { $0.seconds < $1.seconds }
        let (verdict, findings) = ShutdownVerdict.judge(observation)
        return CheckResult(verdict: verdict, findings: findings, observation: observation, timeline: timeline,
                           readySeconds: readySeconds, outputTail: output?.tail() ?? [],
                           killedAfterSeconds: killedAfter, trace: traced, signalMonotonicNanoseconds: signalAt)
    }

    /// With `--trace`, the service's status as its tracer saw it: the tracer, not sigscope's wait, may have
    /// reaped it. Waits up to two seconds for the event.
    func tracedExit() -> ExitStatus? {
        guard let trace else { return nil }
        let deadline = now + 2_000_000_000
        while now < deadline {
            if let status = ShutdownTrace.exitStatus(of: pid, in: trace.snapshot) { return status }
            Clocks.sleep(for: .milliseconds(2))
        }
        return nil
    }

    /// The result for a service that exited or never became ready: stops it and keeps its status and output.
    mutating func notReady(_ what: String) -> CheckResult {
        let exited = watch.hasExited
        // Only what sigscope started is stopped here; a --pid target was never signalled, so it is left running.
        if !exited && child != nil {
            watch.send(.kill)
            _ = watch.waitForExit(timeout: .seconds(5))
        }
        if let child, !reaped {
            let status = child.wait() ?? tracedExit()
            if exited { observation.exit = status }
            reaped = true
        } else if exited, let recordedExit = config.recordedExit {
            observation.exit = recordedExit()
        }
        let status = observation.exit.map { ": \($0.description)" } ?? ""
        observation.notReady = what + status
        note("pid \(pid) \(what)\(status)")
        tree.killAndReap(group: child != nil ? pid : nil, processes: [], keep: keep)
        let (verdict, findings) = ShutdownVerdict.judge(observation)
        return CheckResult(verdict: verdict, findings: findings, observation: observation, timeline: timeline,
                           readySeconds: nil, outputTail: output?.tail() ?? [], killedAfterSeconds: nil)
    }

    /// Stops whatever is still running: the service (if sigscope started it), its group and its descendants.
    mutating func cleanUp() {
        trace?.stop()
        guard child != nil else { return }
        if !reaped {
            watch.send(.kill)
            _ = watch.waitForExit(timeout: .seconds(5))
            _ = child?.wait()
            reaped = true
        }
        tree.killAndReap(group: pid, processes: [], keep: keep)
    }
}
