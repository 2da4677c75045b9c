/// `check --compare-signals`: the same check once per candidate stop signal, the configured one (TERM unless
/// `--signal`) and the one the knowledge base says the program should be stopped with, side by side. It shows
/// what changing STOPSIGNAL would do before anyone changes it.
public struct SignalComparison: Sendable {
    /// One run per signal, in the order they ran.
    public var runs: [(signal: Signal, result: CheckResult)]
    /// The program the first run identified, when the knowledge base knows it.
    public var program: ProgramEntry?

    /// The signals to compare for a program: the configured one, then the program's own (its recommended stop
    /// signal and its graceful one), without repeats.
    public static func candidates(configured: Signal, program: ProgramEntry?) -> [Signal] {
        var signals = [configured]
        if let program, program.kind != .runtime && program.kind != .shell {
            for signal in [program.recommendedStopSignal, program.gracefulStop?.signal].compactMap({ $0 })
            where !signals.contains(signal) && signal != .kill && signal != .stop {
                signals.append(signal)
            }
        }
        return signals
    }

    /// Runs the check with the configured signal, then with each further candidate. A service whose program is not
    /// known gets one run (there is nothing to compare it with).
    public static func run(_ configuration: ShutdownCheck.Configuration) throws(SigscopeError) -> SignalComparison {
        let first = try ShutdownCheck(configuration: configuration).run()
        var comparison = SignalComparison(runs: [(configuration.signal, first)], program: first.observation.program)
        for signal in candidates(configured: configuration.signal, program: comparison.program).dropFirst() {
            var next = configuration
            next.signal = signal
            comparison.runs.append((signal, try ShutdownCheck(configuration: next).run()))
        }
        return comparison
    }

    /// What one run's outcome was, in a few words: `exited 0 in 0.012 s`, `SIGKILL at grace end`.
    public static func outcome(_ result: CheckResult) -> String {
        let o = result.observation
        switch o.end {
        case .notReady(let reason, _): return reason.description
        case .exited(let seconds, let status):
            return "\(status?.description ?? "exited") in \(ShutdownVerdict.precise(seconds)) s"
        case .killed: return "SIGKILL at the end of the \(ShutdownVerdict.format(o.grace.seconds)) s grace"
        }
    }

    /// The aligned table of `--compare-signals`, then what the knowledge base says of each signal.
    public func text(style: TextStyle) -> String {
        var rows = [["SIGNAL", "VERDICT", "OUTCOME", "FINDINGS"]]
        for (signal, result) in runs {
            let findings = result.findings.filter { $0.severity == .error }.map(\.rule)
            rows.append([signal.name, result.verdict.rawValue.uppercased(), Self.outcome(result),
                         findings.isEmpty ? "-" : findings.joined(separator: ",")])
        }
        let widths = (0..<4).map { column in rows.map { $0[column].count }.max() ?? 0 }
        var lines = rows.enumerated().map { index, row in
            let line = row.enumerated().map { column, cell in
                column == 3 ? cell : cell.padding(toLength: widths[column] + 2, withPad: " ", startingAt: 0)
            }.joined()
            return index == 0 ? style.bold(line) : line
        }
        if let program {
            lines.append("")
            lines.append("\(program.name) (knowledge base):")
            for (signal, _) in runs {
                if let meaning = program.meaning(of: signal) {
                    lines.append("  \(signal.shortName): \(meaning.summary) [\(meaning.source)]")
                }
            }
            lines.append("  recommended: " + StopAdvice(program: program, sentSignal: runs.first?.signal).hint)
        } else {
            lines.append("")
            lines.append("the knowledge base does not know this program: only \(runs.first?.signal.name ?? "") ran")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `{"program": "postgresql", "recommended_signal": "SIGINT", "runs": [{"signal": ..., <check's JSON>}]}`.
    public func json(format: CheckFormat) -> JSONValue {
        JSONSchema.document([
            ("program", program.map { .string($0.id) } ?? .null),
            ("recommended_signal", program.map { .string($0.recommendedStopSignal.name) } ?? .null),
            ("runs", .array(runs.map { format.json($0.result, document: false) })),
        ])
    }

    /// The exit code: that of the run with the configured signal, so CI sees the service as it is configured.
    public var exitCode: Int32 { runs.first?.result.verdict.exitCode ?? 2 }
}
