/// One record of the events the kernel backend enables, decoded from the ring buffer with the field layout of
/// each event's `format` file.
public enum KernelSignalRecord: Sendable, Equatable {
    /// `signal:signal_generate`: `senderTid` (the current task, common_pid) generated `signal` for `targetTid`.
    case generate(Generate)
    /// `signal:signal_deliver`: the receiving thread (common_pid) is about to act on `signal`.
    case deliver(Deliver)
    /// `oom:mark_victim`: the OOM killer chose `pid` (its SIGKILL follows).
    case oomVictim(timestamp: UInt64, pid: Int32)

    /// The trace-clock time (CLOCK_MONOTONIC nanoseconds with the `mono` clock sigscope selects).
    public var timestamp: UInt64 {
        switch self {
        case .generate(let record): record.timestamp
        case .deliver(let record): record.timestamp
        case .oomVictim(let timestamp, _): timestamp
        }
    }

    /// A generated signal.
    public struct Generate: Sendable, Equatable {
        public var timestamp: UInt64
        public var senderTid: Int32
        public var signal: Int32
        public var errno: Int32
        public var code: Int32
        /// The target's comm (the event records the target's, not the sender's).
        public var targetComm: String
        /// The target thread (a thread-directed signal) or thread-group leader (a process-directed one).
        public var targetTid: Int32
        /// Process-directed (shared pending) rather than thread-directed.
        public var group: Bool
        /// The raw `result` (0 delivered ... 4 lose_info).
        public var result: Int32
    }

    /// A delivered signal.
    public struct Deliver: Sendable, Equatable {
        public var timestamp: UInt64
        public var tid: Int32
        public var signal: Int32
        public var errno: Int32
        public var code: Int32
        public var handler: UInt64
        public var flags: UInt64
    }
}

/// The layouts of the events the kernel backend reads, from tracefs, and the decoder that turns a record's
/// bytes into a `KernelSignalRecord` by its `common_type`.
public struct SignalTracepoints: Sendable {
    struct GenerateLayout: Sendable {
        var id: UInt16
        var pid, sig, errno, code, comm, target, group, result: TraceEventFormat.Field
    }

    struct DeliverLayout: Sendable {
        var id: UInt16
        var pid, sig, errno, code, handler, flags: TraceEventFormat.Field
    }

    struct VictimLayout: Sendable {
        var id: UInt16
        var pid: TraceEventFormat.Field
    }

    private let generate: GenerateLayout
    private let deliver: DeliverLayout
    private let victim: VictimLayout?
    private let type: TraceEventFormat.Field

    /// Reads the formats of `signal:signal_generate`, `signal:signal_deliver` and, when the kernel has it,
    /// `oom:mark_victim` from `tracefs`.
    public init(tracefs: TraceFS) throws(SigscopeError) {
        let generate = try TraceEventFormat(parsing: tracefs.read("events/signal/signal_generate/format"),
                                            source: "signal_generate/format")
        let deliver = try TraceEventFormat(parsing: tracefs.read("events/signal/signal_deliver/format"),
                                           source: "signal_deliver/format")
        let victim = try? TraceEventFormat(parsing: tracefs.read("events/oom/mark_victim/format"),
                                           source: "mark_victim/format")
        try self.init(generate: generate, deliver: deliver, victim: victim)
    }

    /// Uses formats already parsed (tests pass captured ones).
    public init(generate: TraceEventFormat, deliver: TraceEventFormat, victim: TraceEventFormat?)
        throws(SigscopeError)
    {
        type = try generate.require("common_type")
        self.generate = GenerateLayout(
            id: generate.id, pid: try generate.require("common_pid"), sig: try generate.require("sig"),
            errno: try generate.require("errno"), code: try generate.require("code"),
            comm: try generate.require("comm"), target: try generate.require("pid"),
            group: try generate.require("group"), result: try generate.require("result"))
        self.deliver = DeliverLayout(
            id: deliver.id, pid: try deliver.require("common_pid"), sig: try deliver.require("sig"),
            errno: try deliver.require("errno"), code: try deliver.require("code"),
            handler: try deliver.require("sa_handler"), flags: try deliver.require("sa_flags"))
        if let victim, let pid = victim.field("pid") {
            self.victim = VictimLayout(id: victim.id, pid: pid)
        } else {
            self.victim = nil
        }
    }

    /// Whether the kernel has the OOM killer's `mark_victim` event.
    public var hasOOMVictim: Bool { victim != nil }

    /// Decodes one record; nil for an event of another type or a record too short for its layout.
    public func decode(timestamp: UInt64, _ bytes: UnsafeRawBufferPointer) -> KernelSignalRecord? {
        let record = TraceRecordReader(bytes)
        let id = UInt16(truncatingIfNeeded: record.integer(type))
        if id == generate.id {
            let g = generate
            guard bytes.count >= g.result.offset + g.result.size else { return nil }
            return .generate(.init(
                timestamp: timestamp, senderTid: Int32(truncatingIfNeeded: record.integer(g.pid)),
                signal: Int32(truncatingIfNeeded: record.integer(g.sig)),
                errno: Int32(truncatingIfNeeded: record.integer(g.errno)),
                code: Int32(truncatingIfNeeded: record.integer(g.code)), targetComm: record.string(g.comm),
                targetTid: Int32(truncatingIfNeeded: record.integer(g.target)), group: record.integer(g.group) != 0,
                result: Int32(truncatingIfNeeded: record.integer(g.result))))
        }
        if id == deliver.id {
            let d = deliver
            guard bytes.count >= d.flags.offset + d.flags.size else { return nil }
            return .deliver(.init(
                timestamp: timestamp, tid: Int32(truncatingIfNeeded: record.integer(d.pid)),
                signal: Int32(truncatingIfNeeded: record.integer(d.sig)),
                errno: Int32(truncatingIfNeeded: record.integer(d.errno)),
                code: Int32(truncatingIfNeeded: record.integer(d.code)), handler: record.unsigned(d.handler),
                flags: record.unsigned(d.flags)))
        }
        if let victim, id == victim.id {
            return .oomVictim(timestamp: timestamp, pid: Int32(truncatingIfNeeded: record.integer(victim.pid)))
        }
        return nil
    }
}
