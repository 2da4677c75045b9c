#if canImport(Glibc)
import Glibc
#endif

/// Reads and judges processes, re-reading when a read looks torn: masks are not stable (glibc's pthread_create
/// blocks every signal for a moment; a sigwait loop leaves its wait now and then).
public struct Inspector: Sendable {
    public let reader: ProcReader
    /// The most reads of one process when the first looks transient.
    public var maxSamples = 5
    /// The pause between reads.
    public var interval: Duration = .milliseconds(2)

    public init(reader: ProcReader = ProcReader()) { self.reader = reader }

    /// Inspects one process. Throws one-line errors for bad pids, kernel threads and zombies, and, unless
    /// `acceptPartial`, for a process whose descriptors sigscope may not read when they could change SIGTERM's
    /// outcome; with `acceptPartial` that process gets its partial verdict, `ProcessReport.partial` saying why.
    public func inspect(_ pid: Int32, depth: ProcReader.Depth = .full, acceptPartial: Bool = false)
        throws(SigscopeError) -> ProcessReport
    {
        var samples = 1
        var snapshot = try reader.snapshot(pid, depth: depth)
        try reader.requireUserProcess(snapshot.status)
        var report = Self.judge(snapshot, samples: samples)
        while Self.looksTransient(report) && samples < maxSamples {
            Clocks.sleep(for: interval)
            guard let next = try? reader.snapshot(pid, depth: depth), !next.status.isZombie else { break }
            samples += 1
            snapshot = next
            report = Self.judge(snapshot, samples: samples)
        }
        if depth.everything { report = refined(report) }
        if !acceptPartial, report.snapshot.restricted,
           InspectRules.uncertainWhenRestricted.contains(report.disposition(.term).outcome) {
            throw SigscopeError(
                .permissionDenied,
                "permission denied reading /proc/\(pid)/fd and its threads' syscall files (pid \(pid) belongs to uid "
                    + "\(report.snapshot.status.uid)): without them a signalfd or sigwait is invisible, so there is no "
                    + "verdict; " + ProcReader.readDeniedAdvice(processUid: report.snapshot.status.uid), errno: EACCES)
        }
        return report
    }

    /// What one reading of /proc cannot say, read where it decides the forecast: a Go program's record of
    /// `signal.Notify` (from its memory), and for a SIGTERM that is caught but blocked everywhere, whether the
    /// blocking ends (a bounded wait, or an unblocked moment over a short window).
    func refined(_ report: ProcessReport) -> ProcessReport {
        let pid = report.pid
        let goSignals = report.runtime == .go ? GoSignalRecord.read(pid: pid, files: reader.files) : nil
        var deferred: DeferredSignal?
        if report.disposition(.term).outcome == .deferred {
            deferred = DeferredSignal.probe(pid, signal: .term, threads: report.snapshot.threads.map(\.tid),
                                            files: reader.files)
        }
        // A variable can change what a signal does (UWSGI_DIE_ON_TERM): read the environment only then.
        var environment: [String] = []
        if let program = report.program, program.overrides.contains(where: { !$0.environment.isEmpty }) {
            let files = reader.files
            environment = ProcReader.splitCmdline((try? files.read(files.path(pid, "environ"), shortReadIsEnd: true)) ?? "")
        }
        guard goSignals != nil || deferred != nil || !environment.isEmpty else { return report }
        return Self.judge(report.snapshot, samples: report.samples, goSignals: goSignals, deferredTerm: deferred,
                          environment: environment)
    }

    /// Judges a snapshot: runtime, dispositions, findings. Pure: no I/O.
    public static func judge(_ snapshot: ProcessSnapshot, samples: Int = 1, goSignals: GoSignalRecord? = nil,
                             deferredTerm: DeferredSignal? = nil, environment: [String] = []) -> ProcessReport {
        let runtime = Runtime.detect(exe: snapshot.exe, comm: snapshot.status.name, libraries: snapshot.libraries,
                                     goHeapMapped: snapshot.goHeapMapped, executable: snapshot.executableRuntime)
        let masks = ProcessMasks(snapshot, runtimeWanted: runtime == .go ? goSignals?.wanted : nil)
        let program = ProgramKnowledge.program(executable: snapshot.exe, comm: snapshot.status.name,
                                               commandLine: snapshot.cmdline)
        let findings = InspectRules.findings(snapshot: snapshot, runtime: runtime,
                                             term: SignalDisposition(.term, in: masks, runtime: runtime),
                                             pipe: SignalDisposition(.pipe, in: masks, runtime: runtime),
                                             evidence: InspectEvidence(goSignals: goSignals, deferredTerm: deferredTerm,
                                                                       program: program, environment: environment))
        var report = ProcessReport(snapshot: snapshot, runtime: runtime, masks: masks, findings: findings,
                                   samples: samples)
        report.goSignals = goSignals
        report.deferredTerm = deferredTerm
        return report
    }

    /// A read looks torn when SIGTERM or another signal that matters seems to stay pending forever (a sigwait
    /// thread caught outside its wait), or a thread blocks nearly every signal (glibc's pthread_create does that
    /// for a moment).
    public static func looksTransient(_ report: ProcessReport) -> Bool {
        if Signal.thatMatter.contains(where: { [.staysPending, .deferred].contains(report.disposition($0).outcome) }) {
            return true
        }
        return report.snapshot.threads.contains { $0.status.blocked.count >= 60 && $0.sigwaitSet == nil }
    }
}
