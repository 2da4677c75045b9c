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

    /// Judges a snapshot: runtime, dispositions, findings. Pure: no I/O.
    public static func judge(_ snapshot: ProcessSnapshot, samples: Int = 1) -> ProcessReport {
        let runtime = Runtime.detect(exe: snapshot.exe, comm: snapshot.status.name, libraries: snapshot.libraries,
                                     goHeapMapped: snapshot.goHeapMapped, executable: snapshot.executableRuntime)
        let masks = ProcessMasks(snapshot)
        let findings = InspectRules.findings(snapshot: snapshot, runtime: runtime,
                                             term: SignalDisposition(.term, in: masks, runtime: runtime),
                                             pipe: SignalDisposition(.pipe, in: masks, runtime: runtime))
        return ProcessReport(snapshot: snapshot, runtime: runtime, masks: masks, findings: findings,
                             samples: samples)
    }

    /// A read looks torn when SIGTERM or another signal that matters seems to stay pending forever (a sigwait
    /// thread caught outside its wait), or a thread blocks nearly every signal (glibc's pthread_create does that
    /// for a moment).
    public static func looksTransient(_ report: ProcessReport) -> Bool {
        if Signal.thatMatter.contains(where: { report.disposition($0).outcome == .staysPending }) { return true }
        return report.snapshot.threads.contains { $0.status.blocked.count >= 60 && $0.sigwaitSet == nil }
    }
}
