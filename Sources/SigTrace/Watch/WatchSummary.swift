/// What a watch saw, counted per signal and per sender, for the summary printed when it ends.
public struct WatchSummary: Sendable {
    /// Who sent a signal: a process (pid and comm) or the kernel.
    public struct Sender: Hashable, Sendable {
        /// The sending process; nil for the kernel, 0 for a process outside the receiver's PID namespace.
        public var pid: Int32?
        /// Its comm when the signal arrived.
        public var comm: String?
    }

    /// Deliveries per signal, and per signal per sender.
    public var signals: [Signal: Int] {
        var counts: [Signal: Int] = [:]
        forEachCount { key, count in counts[key.signal, default: 0] += count }
        return counts
    }

    public var senders: [Signal: [Sender: Int]] {
        var counts: [Signal: [Sender: Int]] = [:]
        forEachCount { key, count in counts[key.signal, default: [:]][key.sender, default: 0] += count }
        return counts
    }

    /// Events per kind (`signal`, `exit`, ...).
    public var events: [String: Int] {
        var counts: [String: Int] = [:]
        for (index, count) in kindCounts.enumerated() where count > 0 { counts[Self.kindNames[index]] = count }
        return counts
    }

    /// When the first and last events were seen (monotonic nanoseconds).
    public private(set) var first: UInt64?
    public private(set) var last: UInt64?
    /// Kernel backend: generated signals per kernel result.
    public private(set) var results: [SignalResult: Int] = [:]
    /// Kernel backend: events the kernel lost before sigscope read them (nil for ptrace, which loses none).
    public var lostEvents: Int?

    /// A signal from a sender.
    private struct Key: Hashable {
        var signal: Signal
        var sender: Sender
    }

    /// Deliveries per signal and sender, but for the current run of one signal from one sender, which a flood
    /// counts without hashing a comm per signal.
    private var counted: [Key: Int] = [:]
    private var run: Key?
    private var runLength = 0
    /// Events per kind, in `kindNames` order.
    private var kindCounts = [Int](repeating: 0, count: 10)
    private static let kindNames = ["signal", "generated", "stopped", "continued", "exec", "thread", "fork", "exit",
                                    "killed", "detached"]

    public init() {}

    /// Counts one event.
    public mutating func record(_ event: SignalEvent) {
        kindCounts[Self.slot(event.kind)] += 1
        if first == nil { first = event.monotonicNanoseconds }
        last = event.monotonicNanoseconds
        if case .generated(let delivery) = event.kind, let result = delivery.result { results[result, default: 0] += 1 }
        guard case .signal(let delivery) = event.kind else { return }
        let sender = delivery.code.carriesSender
            ? Sender(pid: delivery.senderPid, comm: delivery.senderComm) : Sender(pid: nil, comm: nil)
        let key = Key(signal: delivery.signal, sender: sender)
        if key == run {
            runLength += 1
            return
        }
        if let run { counted[run, default: 0] += runLength }
        run = key
        runLength = 1
    }

    /// Every signal-and-sender count, the current run's too.
    private func forEachCount(_ body: (Key, Int) -> Void) {
        for (key, count) in counted { body(key, count) }
        if let run { body(run, runLength) }
    }

    /// The position of an event's kind in `kindNames`.
    private static func slot(_ kind: SignalEvent.Kind) -> Int {
        switch kind {
        case .signal: 0
        case .generated: 1
        case .stopped: 2
        case .continued: 3
        case .exec: 4
        case .thread: 5
        case .fork: 6
        case .exit: 7
        case .killed: 8
        case .detached: 9
        }
    }

    /// The total number of signal deliveries.
    public var signalCount: Int { signals.values.reduce(0, +) }

    /// Senders of `signal`, most frequent first.
    public func senders(of signal: Signal) -> [(Sender, Int)] {
        (senders[signal] ?? [:]).sorted { $0.value != $1.value ? $0.value > $1.value : ($0.key.pid ?? 0) < ($1.key.pid ?? 0) }
            .map { ($0.key, $0.value) }
    }

    /// The summary as an aligned table.
    public func text(style: TextStyle) -> String {
        var out = style.bold("summary") + ": \(signalCount) signal\(signalCount == 1 ? "" : "s") delivered"
        let others = events.filter { $0.key != "signal" }.sorted { $0.key < $1.key }
            .map { "\($0.value) \($0.key)" }
        if !others.isEmpty { out += "; " + others.joined(separator: ", ") }
        out += "\n"
        if !results.isEmpty || lostEvents != nil {
            let counts = SignalResult.allCases.compactMap { result in results[result].map { "\($0) \(result.rawValue)" } }
            out += "  kernel: " + (counts.isEmpty ? "no signal generated" : counts.joined(separator: ", "))
            if let lost = lostEvents { out += lost == 0 ? "; no event lost" : "; " + style.red("\(lost) events lost") }
            out += "\n"
        }
        guard !signals.isEmpty else { return out }
        var table = TextTable(header: ["SIGNAL", "COUNT", "SENDERS"].map { style.dim($0) })
        table.rightAligned = [1]
        for signal in signals.keys.sorted() {
            let list = senders(of: signal)
            var names = list.prefix(4).map { "\(Self.name($0.0)) ×\($0.1)" }
            if list.count > 4 { names.append("and \(list.count - 4) more") }
            table.append([signal.name, String(signals[signal] ?? 0), names.joined(separator: ", ")])
        }
        return out + table.rendered().split(separator: "\n").map { "  " + $0 }.joined(separator: "\n") + "\n"
    }

    /// The summary as one JSON line: `{"schema_version": 1, "event": "summary", "signals": [...], "events": {...}}`.
    public func json() -> String {
        let rows: [JSONValue] = signals.keys.sorted().map { signal in
            .object([
                ("signal", .string(signal.name)), ("number", .int(Int(signal.rawValue))),
                ("count", .int(signals[signal] ?? 0)),
                ("senders", .array(senders(of: signal).map { sender, count in
                    .object([("pid", sender.pid.map { .int(Int($0)) } ?? .null), ("comm", .string(sender.comm)),
                             ("count", .int(count))])
                })),
            ])
        }
        let kinds: [(String, JSONValue)] = events.keys.sorted().map { ($0, .int(events[$0] ?? 0)) }
        var fields: [(String, JSONValue)] = [("schema_version", .int(JSONSchema.version)),
                                             ("event", .string("summary")), ("signals", .array(rows)),
                                             ("events", .object(kinds))]
        if !results.isEmpty || lostEvents != nil {
            fields.append(("results", .object(SignalResult.allCases.map { ($0.rawValue, .int(results[$0] ?? 0)) })))
            fields.append(("lost_events", lostEvents.map { .int($0) } ?? .null))
        }
        return JSONValue.object(fields).rendered() + "\n"
    }

    static func name(_ sender: Sender) -> String {
        guard let pid = sender.pid else { return "kernel" }
        return pid == 0 ? "outside namespace" : "\(pid) (\(sender.comm ?? "gone"))"
    }
}
