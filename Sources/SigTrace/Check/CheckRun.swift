import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One check while it runs, as a small state machine: each phase is a method that moves `phase` forward, and
/// `execute` runs them in the kubelet's order. Every moment is a monotonic nanosecond reading; the timeline counts
/// from `start`, the shutdown from `signalAt`.
struct CheckRun {
    /// Where the check is; cleaning up depends on it.
    enum Phase: Int, Comparable {
        case started, ready, preStopped, inFlight, signalled, ended, reaped

        static func < (lhs: Phase, rhs: Phase) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    let config: ShutdownCheck.Configuration
    let tree = ServiceTree()
    let start = Clocks.monotonicNanoseconds()
    /// The wall clock at `start`, for the timeline's ISO 8601 times.
    let startWall = Clocks.wallSeconds()
    let pid: Int32
    let command: String
    let cmdline: [String]
    let watch: ExitWatch
    /// Set when sigscope started the service: it is our child and leads its own process group.
    let child: SpawnedProcess?
    let output: ServiceOutput?
    /// Our children from before the service started: never touched.
    let keep: Set<Int32>
    private(set) var phase = Phase.started
    var timeline: [TimelineEvent] = []
    var readySeconds: Double?
    /// inspect's findings and stop-signal outcome, taken just before the signal.
    var forecast: [Finding] = []
    var forecastOutcome: SignalOutcome?
    /// What the knowledge base says the service is, from the forecast's reading (or the command line).
    var program: ProgramEntry?
    var programCommandLine: [String] = []
    /// The descendants and open connections read just before SIGKILL at the end of the grace period.
    var graceEnd: GraceEndState?
    /// The ports the service's tree listened on just before the signal.
    var listenedBefore: Set<UInt16> = []
    /// How long the readings of the tree's processes and sockets take, and so how early one starts before a moment
    /// it must end ahead of.
    var readingLead = ReadingLead()
    /// Reads the tree's TCP connections from before the signal to its exit (and at the exit itself under --trace).
    let connections = ConnectionSampler()
    /// The connections the service still held when it exited or was killed.
    var connectionsAtExit: ConnectionsAtExit?
    /// The requests put in flight and how many were proven on the wire at the signal.
    var inflight: InflightRequests?
    var inFlightCount = 0
    var probe: ListenerProbe?
    /// The tracer of `--trace`, started just before the signal.
    var trace: ShutdownTrace?
    /// Kills the service's tree if sigscope dies before `cleanUp` (nil for a --pid target).
    let guardian: CleanupGuardian?
    /// The traffic of `--load`, from readiness until the exit and the deregistration window have passed.
    var load: CheckLoad?
    /// As root: the kernel's own record of the stop signal and SIGKILL (`StopSignalFate`), stated in the timeline.
    var kernel: StopSignalFate?
    /// As root with tracefs: the kernel's record of each close of a connection and each exit in the tree, from
    /// which the connections at exit are judged (`SocketCloseRecord`); without it, the samples stand for them.
    var socketCloses: SocketCloseTrace?
    /// Descendants seen while a `--pid` target ran: its orphans re-parent elsewhere, so they are remembered.
    var descendants: [TreeProcess] = []
    /// Those of `descendants` still running when the target's exit was seen (`survivors()`). Read then, not after
    /// the exit record: a container engine's record read takes 100-300 ms, in which its cleanup may already have
    /// killed them (a hostPID container's leftovers die only then), so a later reading saw them or not by chance.
    var survivorsAtExit: [TreeProcess]?
    var signalAt: UInt64 = 0
    /// When the pre-stop (the wait or the hook) began: termination begins there and the grace period counts from it.
    var preStopStartedAt: UInt64?
    /// True once the connections held at the signal were counted (in the pre-stop's last moments; otherwise the
    /// reading before the forecast's stands for them).
    var countedForSignal = false
    /// What a pre-stop hook charged against the grace period, when one ran instead of the wait.
    var preStopCharged: Duration?
    /// The main process's status, once reaped (or read from the tracer).
    var status: ExitStatus?

    /// Starts the service (or attaches to a running one) and opens its pidfd.
    init(config: ShutdownCheck.Configuration) throws(SigscopeError) {
        self.config = config
        let me = getpid()
        switch config.target {
        case .command(let arguments):
            try ServiceTree.becomeSubreaper()
            let output = try ServiceOutput()
            let guardian = try CleanupGuardian.start()
            self.guardian = guardian
            keep = Set(tree.childPids(of: me)).union([guardian.pid])
            var options = SpawnedProcess.Options()
            options.newProcessGroup = true
            options.newPIDNamespace = config.pid1
            let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
            defer { if devNull >= 0 { close(devNull) } }
            options.stdin = devNull >= 0 ? devNull : nil
            options.stdout = output.descriptor
            options.stderr = output.descriptor
            if guardian.procsDescriptor >= 0 { options.cgroupProcs = guardian.procsDescriptor }
            let process: SpawnedProcess
            do {
                process = try SpawnedProcess.launch(arguments, options: options)
            } catch {
                guardian.release()
                throw error
            }
            guardian.protect(service: process.pid)
            child = process
            self.output = output
            pid = process.pid
            do {
                watch = try ExitWatch(pid: pid)
            } catch {
                kill(-pid, SIGKILL)
                process.killAndReap()
                guardian.release()
                throw error
            }
        case .pid(let target):
            guard target > 1, target != me else {
                let what = target == me ? "sigscope itself" : "init"
                throw SigscopeError(.badInput, "--pid \(target): refusing to stop \(what)")
            }
            // sigscope's own children from before the check (a container's watchdog) are not the service's.
            keep = Set(tree.childPids(of: me))
            guardian = nil
            child = nil
            output = nil
            pid = target
            let reader = ProcReader()
            try reader.requireUserProcess(try reader.snapshot(target, depth: .table).status)
            watch = try ExitWatch(pid: target)
        }
        var cmdline = ProcReader().readCmdline(pid)
        if case .command(let arguments) = config.target, cmdline.isEmpty { cmdline = arguments }
        command = ShutdownVerdict.commandLine(cmdline)
        self.cmdline = cmdline
    }

    var now: UInt64 { Clocks.monotonicNanoseconds() }

    func seconds(since base: UInt64, at time: UInt64? = nil) -> Double {
        (Double(time ?? now) - Double(base)) / 1e9
    }

    mutating func note(_ kind: TimelineEvent.Kind, _ text: String, at time: UInt64? = nil) {
        timeline.append(TimelineEvent(seconds: seconds(since: start, at: time), kind: kind, text: text))
    }

    /// Throws the interruption error if sigscope was told to stop; `cleanUp` then stops everything.
    func checkInterrupted() throws(SigscopeError) {
        if let signal = Interruption.requested { throw Interruption.error(signal, pid: pid) }
    }

    /// Runs every phase in order and judges what happened.
    mutating func execute(readiness: [ReadinessProbe], progress: (@Sendable (Double, Double) -> Void)?)
        throws(SigscopeError) -> CheckResult
    {
        if child != nil {
            note(.started, "started pid \(pid)\(config.pid1 ? " as PID 1 of a new PID namespace" : "")")
        } else {
            note(.attached, "attached to pid \(pid)")
        }
        if let reason = try awaitReady(readiness) { return notReady(reason) }
        if let reason = try startLoad() { return notReady(reason) }
        // sigscope's own work (settling, the forecast, the tracer) comes before the pre-stop, so the signal goes
        // out when the pre-stop ends, as the kubelet sends it.
        try settle()
        try takeForecast()
        if let reason = try waitPreStop() { return notReady(reason) }
        try putRequestsInFlight()
        if let reason = try sendSignal() { return notReady(reason) }
        let end = try awaitExit(progress: progress)
        try keepLoadThroughWindow(end)
        try keepProbingThroughWindow(end)
        return finish(end)
    }

    // MARK: Phases

    /// Polls the readiness probes until all pass; a reason when the service exits or the timeout passes.
    mutating func awaitReady(_ readiness: [ReadinessProbe]) throws(SigscopeError) -> NotReady? {
        let checker = ReadinessChecker(probes: readiness, output: output, start: start)
        let readyDeadline = start + UInt64(config.readyTimeout.seconds * 1e9)
        while true {
            try checkInterrupted()
            if watch.hasExited { return .exitedBeforeReady }
            if checker.isReady() { break }
            if now >= readyDeadline {
                return .notReadyInTime(timeout: config.readyTimeout, probes: readiness.map(\.description))
            }
            _ = watch.waitForExit(timeout: .milliseconds(10))
        }
        readySeconds = seconds(since: start)
        let probes = readiness.map(\.description).joined(separator: ", ")
        note(.ready, readiness.isEmpty ? "ready (no readiness probe)" : "ready (\(probes))")
        phase = .ready
        return nil
    }

    /// The pre-stop wait. The grace period starts with it, as the kubelet counts it, and the signal follows its end.
    mutating func waitPreStop() throws(SigscopeError) -> NotReady? {
        if let hook = config.preStopHook {
            preStopStartedAt = now
            note(.preStop, "pre-stop hook started", at: preStopStartedAt)
            let outcome = hook(config.grace)
            preStopCharged = outcome.charged
            note(.preStop, outcome.summary)
            try checkInterrupted()
            if watch.hasExited { return .exitedDuringPreStop }
        } else if config.preStop > .zero {
            let started = now
            preStopStartedAt = started
            note(.preStop, "pre-stop: waiting \(ShutdownVerdict.format(config.preStop.seconds)) s", at: started)
            let end = started + UInt64(config.preStop.seconds * 1e9)
            while now < end {
                try checkInterrupted()
                // The connections held at the signal are counted in the pre-stop's last moments, so the signal
                // follows its end at once.
                if !countedForSignal && end - min(now, end) <= countLead && config.inflight.isEmpty {
                    let readStart = now
                    connections.countAtSignal(treeProcesses(), listening: listenedBefore)
                    readingLead.ended(startedAt: readStart)
                    countedForSignal = true
                }
                if watch.waitForExit(timeout: .nanoseconds(Int64(min(end - min(now, end), 10_000_000)))) {
                    return .exitedDuringPreStop
                }
            }
        }
        phase = .preStopped
        return nil
    }

    /// Waits until the dispositions have settled (a server installs its handlers after it starts listening), so
    /// the forecast and the signal meet the steady state, and reads the ports the tree listens on.
    mutating func settle() throws(SigscopeError) {
        let watch = watch
        if let settled = StableForecast().settleReading(pid, stop: { watch.hasExited || Interruption.requested != nil }),
           settled.readings > 1 {
            let rest = settled.atRest.map { waits in
                " (every thread asleep until woken from outside: "
                    + Set(waits.map(\.call)).sorted().joined(separator: ", ") + ")"
            } ?? ""
            note(.settled, "dispositions settled after \(settled.readings) readings" + rest)
        }
        try checkInterrupted()
        let readStart = now
        listenedBefore = GraceEndState.listeningPorts(pid: pid, tree: tree)
        readingLead.ended(startedAt: readStart)
    }

    /// Sends the `--inflight` requests and waits until each is proven on the wire.
    mutating func putRequestsInFlight() throws(SigscopeError) {
        if !config.inflight.isEmpty {
            let generator = load?.generator
            let requests = InflightRequests(urls: config.inflight, timeout: config.grace + .seconds(5),
                                            excluding: { fd in generator?.owns(fd) == true })
            requests.start()
            let watch = watch
            inFlightCount = requests.waitUntilSent(timeout: config.inflightSendTimeout) {
                Interruption.requested != nil || watch.hasExited
            }
            try checkInterrupted()
            let answered = requests.finishedCount
            note(.requestsSent, "\(counted(config.inflight.count, "request", "requests")) sent: \(inFlightCount) "
                 + "waiting for a response" + (answered > 0 ? ", \(answered) already answered" : ""))
            inflight = requests
        }
        phase = .inFlight
    }

    /// inspect's forecast before the pre-stop, and with `--trace` the tracer on the service tree.
    mutating func takeForecast() throws(SigscopeError) {
        do {
            let report = try Inspector().inspect(pid)
            if config.signal == .term {
                forecast = report.findings.filter { ShutdownVerdict.forecastSlugs.contains($0.rule) }
            }
            forecastOutcome = report.disposition(config.signal).outcome
            program = report.program
            programCommandLine = report.snapshot.cmdline
        } catch {
            // The verdict stands on what happens next; the timeline says why there is no forecast beside it.
            note(.forecast, "no forecast: \(error.message)")
        }
        if program == nil { program = ProgramKnowledge.program(commandLine: ProcReader().readCmdline(pid)) }
        if child == nil { descendants = tree.descendants(of: [pid]) }
        let readStart = now
        connections.readBeforeSignal(treeProcesses(), listening: listenedBefore)
        readingLead.ended(startedAt: readStart)
        var traced = [pid]
        if config.trace {
            // Seized now, with the descendants it has, so what it passes on to them shows; new ones follow.
            traced += tree.descendants(of: [pid]).filter { !$0.isZombie }.map(\.pid)
            let connections = connections
            trace = try ShutdownTrace(pids: traced) { pid, tid in connections.readAtExitStop(pid: pid, tid: tid) }
            note(.tracing, "tracing \(counted(traced.count, "process", "processes"))")
        }
        // With --trace, the kernel also records each SIGKILL to those descendants and its sender.
        kernel = StopSignalFate.start(pids: traced, signal: config.signal)
        socketCloses = SocketCloseTrace.start(pids: treeProcesses().map(\.pid))
    }

    /// The stop signal, to the main process only; the listener probe starts with it.
    mutating func sendSignal() throws(SigscopeError) -> NotReady? {
        if watch.hasExited { return .exitedBeforeSignal }
        let probe = config.probe.map(ListenerProbe.init)
        // Without a pre-stop the count before it stands (a reading here, a walk over /proc, took 0.8 s on a
        // busy machine: requests put in flight would finish before the signal).
        signalAt = now
        if let failure = watch.send(config.signal) {
            if failure == ESRCH { return .exitedBeforeSignal }
            // EPERM is a permission the kernel refused; anything else (EINVAL, EBADF) is named as what it is.
            throw SigscopeError.systemCall("cannot send \(config.signal.name) to pid \(pid)", errno: failure)
        }
        probe?.start()
        self.probe = probe
        note(.signal, "sent \(config.signal.name) to pid \(pid) (not its group)", at: signalAt)
        phase = .signalled
        return nil
    }

    /// Waits for the exit; SIGKILL at the end of the grace period. The grace period counts from the start of the
    /// pre-stop (a hook's charge, when one ran); the moments sigscope spent proving requests in flight are not the
    /// service's.
    mutating func awaitExit(progress: (@Sendable (Double, Double) -> Void)?) throws(SigscopeError) -> ShutdownEnd {
        let deadline = graceDeadline
        var exitAt: UInt64?
        var processes = treeProcesses()
        var treeReadAt = now
        // What the tree is still doing is read just before the deadline, not after it, so SIGKILL goes out on time
        // however long the reading takes (tens of milliseconds under load).
        var lastState: GraceEndState?
        while true {
            try checkInterrupted()
            if lastState == nil, now + graceEndLead >= deadline {
                let readStart = now
                lastState = GraceEndState.read(pid: pid, tree: tree, listenedBefore: listenedBefore)
                readingLead.ended(startedAt: readStart)
            }
            // The connections are read right after the signal and then every few milliseconds, so the last reading
            // before the exit is recent; a reading from before the signal never stands for the exit.
            let sampleStart = now
            if lastState == nil { connections.sample(processes) }
            let sampleInterval = ConnectionSampler.interval(afterSampleTaking: now - sampleStart)
            let time = now
            if time >= deadline { break }
            let wait = lastState == nil ? min(deadline - time, sampleInterval) : deadline - time
            if watch.waitForExit(timeout: .nanoseconds(Int64(wait))) {
                exitAt = now
                break
            }
            if now - treeReadAt >= 100_000_000 {
                treeReadAt = now
                progress?(seconds(since: terminationStart), config.grace.seconds)
                processes = treeProcesses()
                if child == nil {
                    let fresh = tree.descendants(of: [pid])
                    descendants += fresh.filter { new in !descendants.contains { $0.pid == new.pid } }
                }
            }
        }
        phase = .ended
        if let exitAt {
            if child == nil { survivorsAtExit = survivors() }
            let status = reap()
            var atExit = connections.atExit(mainPid: pid, exitAt: exitAt, signalAt: signalAt,
                                            listening: listenedBefore)
            // The kernel's record of each close is exact; so is the exit stop under --trace, read first.
            if atExit.reading != .exitStop, let record = socketCloses?.read(),
               let recorded = connections.atExit(record: record, mainPid: pid, signalAt: signalAt,
                                                 listening: listenedBefore) {
                atExit = recorded
            }
            socketCloses?.stop()
            connectionsAtExit = atExit
            note(.connections, ConnectionsAtExit.timelineText(atExit), at: exitAt)
            note(.exit, "pid \(pid) \(status?.description ?? "exited"), "
                 + "\(ShutdownVerdict.precise(seconds(since: signalAt, at: exitAt))) s after the signal", at: exitAt)
            return .exited(seconds: seconds(since: signalAt, at: exitAt), status: status)
        }
        // As a container runtime does, the whole tree dies at the end of the grace period; what it was still doing
        // (descendants, open connections) is read first, to say what it waited for.
        var state = lastState ?? GraceEndState.read(pid: pid, tree: tree, listenedBefore: listenedBefore)
        let killAt = now
        watch.send(.kill)
        GraceEndState.killDescendants(state.descendants)
        // Naming the peers reads other processes, not the service's: it waits until SIGKILL is out.
        state.connections = connections.named(state.connections)
        graceEnd = state
        connectionsAtExit = ConnectionsAtExit(reading: .graceEnd, connections: state.connections,
                                              heldAtSignal: connections.heldAtSignal)
        note(.sigkill, "grace period over: sent SIGKILL to pid \(pid)"
             + (state.descendants.isEmpty ? "" : " and its \(counted(state.descendants.count, "descendant"))"),
             at: killAt)
        let gone = watch.waitForExit(timeout: .seconds(5))
        let killedAfter = gone ? seconds(since: signalAt) : nil
        // SIGKILL cannot be caught: a --pid target, whose status sigscope cannot read, died of it.
        let status = child == nil && gone && config.recordedExit == nil ? .signaled(.kill, coreDumped: false) : reap()
        note(.exit, "pid \(pid) \(status?.description ?? "exited")")
        return .killed(afterSeconds: killedAfter, status: status)
    }

    /// The `--pid` target's descendants still running at its exit, less those that finish dying within 50 ms: a
    /// service may signal its children just before it exits without waiting for them, and they take a moment to
    /// die. A container engine's cleanup, which kills what a hostPID container left, starts a CLI first and comes
    /// later than that.
    func survivors() -> [TreeProcess] {
        var alive = descendants.compactMap(tree.current).filter { !$0.isZombie }
        let deadline = now + 50_000_000
        while !alive.isEmpty && now < deadline {
            Clocks.sleep(for: .milliseconds(2))
            alive = alive.compactMap(tree.current).filter { !$0.isZombie }
        }
        return alive
    }

    /// How long before the pre-stop's end the connections held at the signal are counted: at least 100 ms, at most
    /// half the pre-stop.
    var countLead: UInt64 {
        readingLead.lead(atLeast: 100_000_000, atMost: UInt64(config.preStop.seconds * 1e9) / 2)
    }

    /// How long before the deadline the grace-end state is read: at least 10 ms, at most 250 ms.
    var graceEndLead: UInt64 {
        readingLead.lead(atLeast: 10_000_000, atMost: 250_000_000)
    }

    /// When SIGKILL is due: the grace period from the start of termination (the kubelet counts it from the
    /// pre-stop's start), or what a pre-stop hook left of it; never less than the least time after a pre-stop.
    var graceDeadline: UInt64 {
        let minimum = signalAt + UInt64(config.minimumGraceAfterPreStop.seconds * 1e9)
        if let charged = preStopCharged {
            return max(minimum, signalAt + UInt64(max(0, config.grace.seconds - charged.seconds) * 1e9))
        }
        return max(minimum, terminationStart + UInt64(config.grace.seconds * 1e9))
    }

    /// The one place the main process is reaped: `wait` on our child, or the tracer's record of its exit. A
    /// `--pid` target is not reaped here; its status is known only when the tracer saw it.
    mutating func reap() -> ExitStatus? {
        guard phase < .reaped else { return status }
        if let child { status = child.wait() }
        if status == nil, child == nil, let recordedExit = config.recordedExit { status = recordedExit() }
        if status == nil { status = tracedExit() }
        phase = .reaped
        return status
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

    // MARK: Results

    /// What the service left behind, the in-flight results, the probe and the trace, then the verdict.
    mutating func finish(_ end: ShutdownEnd) -> CheckResult {
        probe?.awaitFirstAttempt(timeout: .seconds(2))
        probe?.stop()
        var observation = makeObservation(end)
        if child != nil {
            let adopted = tree.adoptedChildren(excluding: keep.union([pid]))
            observation.zombies = adopted.filter(\.isZombie)
            let alive = adopted.filter { !$0.isZombie }
            observation.orphans = alive + tree.descendants(of: Set(alive.map(\.pid))).filter { !$0.isZombie }
        } else {
            observation.orphans = survivorsAtExit ?? descendants.compactMap(tree.current).filter { !$0.isZombie }
        }
        if !observation.orphans.isEmpty {
            note(.leftovers, "\(counted(observation.orphans.count, "descendant")) still running: killing them")
        }
        tree.killAndReap(group: child != nil ? pid : nil, processes: observation.orphans, keep: keep)
        if let inflight {
            inflight.waitForAll(timeout: .seconds(3))
            let summary = inflight.summary(signalAt: signalAt, inFlight: inFlightCount)
            observation.inflight = summary
            for result in summary.results {
                let at = result.seconds.map { signalAt + UInt64(max(0, $0) * 1e9) }
                let early = (result.seconds ?? 0) < 0
                note(.request, (early ? "answered before the signal, " : "in-flight ") + "\(result.url): "
                     + (result.outcome?.summary ?? "no answer"), at: at ?? now)
            }
        }
        if let probe {
            let report = probe.report(signalAt: signalAt)
            observation.probe = report
            if let last = report.lastServedSeconds {
                note(.probe, "probe: last new connection served", at: signalAt + UInt64(max(0, last) * 1e9))
            }
            if let closed = report.listenerClosedSeconds {
                note(.probe, "probe: listener closed (connection refused)", at: signalAt + UInt64(max(0, closed) * 1e9))
            }
        }
        finishLoad(&observation)
        let record = kernel?.finish(exit: observation.exit)
        observation.kernel = record
        for fact in record?.facts ?? [] { note(.kernel, "kernel: " + fact.text, at: fact.monotonicNanoseconds) }
        // ptrace never sees SIGKILL: the kernel's record of each one, with its sender, joins the trace.
        var traced = trace?.finish()
        if let kills = record?.killEvents, !kills.isEmpty, let events = traced {
            traced = (events + kills).sorted { $0.monotonicNanoseconds < $1.monotonicNanoseconds }
        }
        for event in traced ?? [] {
            if let text = ShutdownTrace.timelineText(event) { note(.trace, text, at: event.monotonicNanoseconds) }
        }
        return result(observation, trace: traced)
    }

    /// The result for a service that exited or never became ready: stops what sigscope started and keeps its
    /// status and output. A `--pid` target was never signalled, so it is left running.
    mutating func notReady(_ reason: NotReady) -> CheckResult {
        load?.generator.stop()
        kernel?.stop()
        socketCloses?.stop()
        let exited = watch.hasExited
        if !exited && child != nil {
            watch.send(.kill)
            _ = watch.waitForExit(timeout: .seconds(5))
        }
        let reaped = child != nil || config.recordedExit != nil ? reap() : nil
        let observation = makeObservation(.notReady(reason, status: exited ? reaped : nil))
        note(.notReady, "pid \(pid) \(observation.notReady ?? reason.description)")
        tree.killAndReap(group: child != nil ? pid : nil, processes: [], keep: keep)
        return result(observation, trace: nil)
    }

    func makeObservation(_ end: ShutdownEnd) -> ShutdownObservation {
        var observation = ShutdownObservation(
            pid: pid, command: command, signal: config.signal, grace: config.grace,
            preStop: preStopCharged ?? config.preStop,
            end: end, acceptedExitCodes: config.acceptedExitCodes)
        observation.cmdline = cmdline
        observation.forecast = forecast
        observation.forecastOutcome = forecastOutcome
        observation.program = program
        observation.programCommandLine = programCommandLine
        observation.graceEnd = graceEnd
        observation.connectionsAtExit = connectionsAtExit
        return observation
    }

    /// The main process and its living descendants, with their command lines.
    func treeProcesses() -> [(pid: Int32, command: String)] {
        [(pid, command)] + tree.descendants(of: [pid]).filter { !$0.isZombie }.map { ($0.pid, $0.command) }
    }

    mutating func result(_ observation: ShutdownObservation, trace: [SignalEvent]?) -> CheckResult {
        timeline.sort { $0.seconds < $1.seconds }
        let (verdict, findings) = ShutdownVerdict.judge(observation)
        let contradicted = ShutdownVerdict.contradictedForecast(observation, findings: findings)
        for finding in contradicted {
            timeline.append(TimelineEvent(seconds: timeline.last?.seconds ?? 0, kind: .forecastWrong,
                                          text: "forecast \(finding.rule) was wrong: it stopped cleanly"))
        }
        var result = CheckResult(verdict: verdict, findings: findings, observation: observation, timeline: timeline,
                                 readySeconds: readySeconds, outputTail: output?.tail() ?? [], trace: trace)
        result.contradictedForecast = contradicted
        result.signalMonotonicNanoseconds = signalAt > 0 ? signalAt : nil
        result.startedWallSeconds = startWall
        return result
    }

    /// Stops whatever is still running: the service (if sigscope started it), its group and its descendants.
    mutating func cleanUp() {
        trace?.detach()
        load?.generator.stop()
        kernel?.stop()
        socketCloses?.stop()
        guard child != nil else { return }
        if phase < .reaped {
            watch.send(.kill)
            _ = watch.waitForExit(timeout: .seconds(5))
            _ = reap()
        }
        tree.killAndReap(group: pid, processes: [], keep: keep)
        guardian?.release()
    }
}
