/// The in-kernel filters of the two signal events, so that records for other processes and signals are never
/// written: `signal_generate` by its target (`pid`, a thread id) or target comm, `signal_deliver` by the
/// receiving thread (`common_pid`) or its comm, both by signal number.
struct KernelTraceFilter: Equatable {
    /// The filter expressions; empty means none.
    var generate: String
    var deliver: String

    /// The most threads named in a filter; beyond it (a filter must fit a page) deliveries are filtered by
    /// process in sigscope instead.
    static let threadLimit = 150

    init(generate: String, deliver: String) {
        self.generate = generate
        self.deliver = deliver
    }

    /// The filters for a watch of `pids` (every current thread of each), or of every process when `target` is
    /// `.all`.
    init(configuration: KernelSignalTracer.Configuration, target: KernelSignalTracer.Target, pids: [Int32]) {
        var threads: [Int32] = []
        if case .all = target {} else {
            for pid in pids {
                let list = KernelTasks.threads(of: pid)
                threads += list.isEmpty ? [pid] : list
            }
        }
        self = Self.make(threads: threads, signals: configuration.signals, comms: configuration.comms)
    }

    /// Builds the expressions: `(pid == 4711 || pid == 4712) && (sig == 15 || sig == 9)`.
    static func make(threads: [Int32], signals: SignalSet?, comms: [String]) -> KernelTraceFilter {
        var generate: [String] = []
        var deliver: [String] = []
        if !threads.isEmpty {
            generate.append(any(threads.map { "pid == \($0)" }))
            if threads.count <= threadLimit { deliver.append(any(threads.map { "common_pid == \($0)" })) }
        }
        if !comms.isEmpty {
            // In signal_generate `comm` is the target's field; in signal_deliver the generic current comm, which is
            // the receiver's.
            let clause = any(comms.map { "comm == \"\($0)\"" })
            generate.append(clause)
            deliver.append(clause)
        }
        if let signals, !signals.isEmpty {
            let clause = any(Signal.all.filter { signals.contains($0) }.map { "sig == \($0.rawValue)" })
            generate.append(clause)
            deliver.append(clause)
        }
        return KernelTraceFilter(generate: generate.joined(separator: " && "), deliver: deliver.joined(separator: " && "))
    }

    private static func any(_ clauses: [String]) -> String {
        clauses.count == 1 ? clauses[0] : "(" + clauses.joined(separator: " || ") + ")"
    }

    /// Writes both filters ("0" clears one).
    func apply(to instance: TraceInstance) throws(SigscopeError) {
        try instance.write("events/signal/signal_generate/filter", generate.isEmpty ? "0" : generate)
        try instance.write("events/signal/signal_deliver/filter", deliver.isEmpty ? "0" : deliver)
    }
}
