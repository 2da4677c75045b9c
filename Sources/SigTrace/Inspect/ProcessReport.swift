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
    /// For a Go program with a symbol table, the runtime's record of what `signal.Notify` asked for.
    public var goSignals: GoSignalRecord? = nil
    /// For a SIGTERM that is caught but blocked everywhere, what sigscope saw of its blocking.
    public var deferredTerm: DeferredSignal? = nil

    public var pid: Int32 { snapshot.pid }

    /// The disposition of one signal, worked out when asked for: `inspect --all` shows a handful of the 64 for
    /// each of thousands of processes.
    public func disposition(_ signal: Signal) -> SignalDisposition {
        SignalDisposition(signal, in: masks, runtime: runtime)
    }

    /// Why the verdict is partial, when sigscope could not read the descriptors or system calls of the process
    /// (another user's process without CAP_SYS_PTRACE, or PID 1 of a container): a signalfd or sigwait taking
    /// SIGTERM would go unseen. Nil when everything was read.
    public var partial: String? {
        guard snapshot.restricted else { return nil }
        return "/proc/\(pid)/fd and its threads' syscall files could not be read: a signalfd or sigwait taking "
            + "SIGTERM would go unseen, so \(disposition(.term).outcome.rawValue) is what the masks alone say"
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
            ("go_notify", goSignals.map { record in
                .object([("in_use", .bool(record.inUse)),
                         ("wanted", .array(record.wanted.signals.map { .string($0.name) })),
                         ("sigterm", .bool(record.wanted.contains(.term)))])
            } ?? .null),
            ("deferred", deferredTerm?.json ?? .null),
            ("partial", .string(partial)),
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
