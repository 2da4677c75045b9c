#if canImport(Glibc)
import Glibc
#endif

/// The judgement of one process: its snapshot, runtime, every signal's disposition and the findings.
public struct ProcessReport: Sendable {
    public var snapshot: ProcessSnapshot
    public var runtime: Runtime
    /// The masks the dispositions follow from, combined over the threads of `snapshot`.
    public let masks: ProcessMasks
    public var findings: [Finding]
    /// How many reads it took to reach a steady state (1 in the common case).
    public var samples: Int

    public var pid: Int32 { snapshot.pid }

    /// The disposition of one signal, worked out when asked for: `inspect --all` shows a handful of the 64 for
    /// each of thousands of processes.
    public func disposition(_ signal: Signal) -> SignalDisposition {
        SignalDisposition(signal, in: masks, runtime: runtime)
    }

    /// Dispositions of all 64 signals, in order.
    public var signals: [SignalDisposition] { Signal.all.map(disposition) }

    /// The JSON object of `inspect --format json` for this process; `allSignals` false keeps the signals
    /// that matter plus any pending, sigwaited or signalfd-read one.
    public func json(allSignals: Bool, cache: RenderedSignals? = nil) -> JSONValue {
        let render = { JSONValue.array(shownSignals(all: allSignals).map { disposition($0).json }) }
        let signals = cache?.rendered(RenderedSignals.Key(masks: masks, runtime: runtime, all: allSignals), render)
            ?? render()
        return .object([
            ("pid", .int(Int(pid))), ("comm", .string(snapshot.status.name)),
            ("cmdline", .array(snapshot.cmdline.map(JSONValue.string))), ("exe", .string(snapshot.exe)),
            ("ppid", .int(Int(snapshot.status.ppid))), ("state", .string(String(snapshot.status.state))),
            ("uid", .int(Int(snapshot.status.uid))),
            ("nspid", .array(snapshot.status.nspid.map { .int(Int($0)) })),
            ("pid1", .bool(snapshot.status.isNamespaceInit)), ("threads", .int(snapshot.status.threads)),
            ("tracer_pid", .int(Int(snapshot.status.tracerPid))), ("runtime", .string(runtime.rawValue)),
            ("sigterm", .string(disposition(.term).outcome.rawValue)),
            ("signalfds", .array(snapshot.signalfds.map {
                .object([("fd", .int(Int($0.fd))), ("sigmask", .string($0.mask.hex))])
            })),
            ("signals", signals),
            ("findings", .array(findings.map(\.json))),
            ("samples", .int(samples)),
        ])
    }

    /// The signals a report shows: all 64, or those that matter plus any with something unusual about them.
    public func shownSignals(all: Bool) -> [Signal] {
        if all { return Signal.all }
        var set = Signal.thatMatterSet
        set.formUnion(snapshot.status.pendingShared)
        set.formUnion(snapshot.pendingThread)
        set.formUnion(snapshot.sigwaited)
        set.formUnion(snapshot.signalfdMask)
        set.formIntersection(SignalSet(rawValue: ~SignalSet([Signal(32), Signal(33)]).rawValue))
        return set.signals
    }
}

/// The `signals` arrays of many processes, rendered once per distinct list: on a host most processes share a
/// handful of dispositions, and `inspect --all --format json` would otherwise render the same text thousands of
/// times. One per lane of work: it is not shared between threads.
public final class RenderedSignals {
    /// What decides a process's shown signals and their dispositions.
    struct Key: Hashable {
        var masks: ProcessMasks
        var runtime: Runtime
        var all: Bool
    }

    private var texts: [Key: String] = [:]

    public init() {}

    /// The rendered JSON array for `key`, rendered by `render` the first time.
    func rendered(_ key: Key, _ render: () -> JSONValue) -> JSONValue {
        if let text = texts[key] { return .raw(text) }
        let text = render().rendered()
        texts[key] = text
        return .raw(text)
    }
}

extension SignalSet {
    /// A set of the given signals.
    public init(_ signals: [Signal]) {
        self.init()
        for signal in signals { insert(signal) }
    }
}

/// Reads and judges processes, re-reading when a read looks torn (see SIGNALS.md: masks are not stable).
public struct Inspector: Sendable {
    public let reader: ProcReader
    /// The most reads of one process when the first looks transient.
    public var maxSamples = 5
    /// The pause between reads.
    public var interval: Duration = .milliseconds(2)

    public init(reader: ProcReader = ProcReader()) { self.reader = reader }

    /// Inspects one process. Throws one-line errors for bad pids, kernel threads and zombies.
    public func inspect(_ pid: Int32, depth: ProcReader.Depth = .full) throws(SigscopeError) -> ProcessReport {
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
        if report.snapshot.restricted && InspectRules.uncertainWhenRestricted.contains(report.disposition(.term).outcome) {
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
