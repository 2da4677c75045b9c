/// How the load's report prints: a table per phase and a strip of outcomes per time slot, or JSON.
public struct LoadFormat: Sendable {
    public let style: TextStyle

    public init(style: TextStyle) { self.style = style }

    /// The text section, without the trailing newline: title, table, strip with its legend.
    public func text(_ report: LoadReport) -> [String] {
        var lines = [style.bold("load") + "  \(report.rate) to \(report.url)"
            + (report.keepAlive > 0 ? ", \(report.keepAlive) kept-alive" : "")
            + (report.moments.deregistrationDelay > .zero
                ? ", deregistration \(ShutdownVerdict.format(report.moments.deregistrationDelay.seconds)) s" : "")]
        var table = TextTable(header: ["phase", "sent", "ok", "failed", "p50 ms", "p99 ms", "failures (s)"])
        table.rightAligned = [1, 2, 4, 5]
        for (name, tally) in report.phases.map({ ($0.phase.title, $0) }) + [("all", report.total)] {
            let failed = LoadOutcome.allCases.filter(\.failed).compactMap { outcome in
                tally.counts[outcome].map { "\($0) \(outcome.label)" }
            }.joined(separator: ", ")
            let span = tally.firstFailure.map { first in
                ShutdownVerdict.precise(first) + (tally.lastFailure.map { $0 != first
                    ? ".." + ShutdownVerdict.precise($0) : "" } ?? "")
            } ?? ""
            table.append([name, String(tally.requests), String(tally.counts[.ok] ?? 0),
                          failed.isEmpty ? "0" : failed, milliseconds(tally.latency?.p50),
                          milliseconds(tally.latency?.p99), span])
        }
        lines += table.rendered().split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        let width = 64
        let bucket = report.stripBucket(width: width)
        let strip = report.strip(bucket: bucket)
        let m = report.moments
        var marks = [Character](repeating: " ", count: strip.count)
        func mark(_ time: UInt64?, _ symbol: Character) {
            guard let time, time >= m.loadStart, !marks.isEmpty else { return }
            let index = min(marks.count - 1, Int((time - m.loadStart) / bucket))
            if marks[index] == " " { marks[index] = symbol }
        }
        mark(m.signal, "S")
        mark(m.listenerClosed, "L")
        mark(m.exit, "E")
        if m.deregistrationDelay > .zero { mark(m.deregistrationEnd, "D") }
        if m.terminationStart < m.signal { mark(m.terminationStart, "P") }
        lines.append("  |\(strip)|  \(bucket / 1_000_000) ms per mark")
        lines.append("   \(String(marks))")
        lines.append("  " + style.dim(". ok  R refused  X reset  T timeout  5 5xx  C cut body  ? other"))
        lines.append("  " + style.dim("P pre-stop  S signal  L listener closed  E exit  D window end"))
        return lines
    }

    /// The JSON object: settings, moments (seconds after the signal), per-phase tallies, the rules' evidence.
    public func json(_ report: LoadReport) -> JSONValue {
        let m = report.moments
        func seconds(_ time: UInt64?) -> JSONValue {
            guard let time else { return .null }
            return .double((m.seconds(time) * 1e6).rounded() / 1e6)
        }
        func tally(_ tally: LoadPhaseTally, name: String) -> JSONValue {
            var fields: [(String, JSONValue)] = [("phase", .string(name)), ("requests", .int(tally.requests))]
            for outcome in LoadOutcome.allCases { fields.append((outcome.rawValue, .int(tally.counts[outcome] ?? 0))) }
            fields.append(("latency_seconds", tally.latency.map { latency in
                .object([("p50", .double(latency.p50)), ("p90", .double(latency.p90)), ("p99", .double(latency.p99)),
                         ("max", .double(latency.max)), ("mean", .double(latency.mean))])
            } ?? .null))
            fields.append(("first_failure_seconds", tally.firstFailure.map { .double($0) } ?? .null))
            fields.append(("last_failure_seconds", tally.lastFailure.map { .double($0) } ?? .null))
            return .object(fields)
        }
        return .object([
            ("url", .string(report.url)),
            ("rate", .string(report.rate.description)),
            ("keep_alive", .int(report.keepAlive)),
            ("deregistration_delay_seconds", .double(m.deregistrationDelay.seconds)),
            ("load_start_seconds", seconds(m.loadStart)),
            ("termination_start_seconds", seconds(m.terminationStart)),
            ("listener_closed_seconds", seconds(m.listenerClosed)),
            ("exit_seconds", seconds(m.exit)),
            ("deregistration_end_seconds", seconds(m.deregistrationEnd)),
            ("load_end_seconds", seconds(m.loadEnd)),
            ("phases", .array(report.phases.map { tally($0, name: $0.phase.rawValue) })),
            ("total", tally(report.total, name: "all")),
            ("failed_while_deregistering", .int(report.failedWhileDeregistering.count)),
            ("keepalive_failures", .int(report.keepAliveFailures.count)),
            ("idle_closes", .int(report.idleCloses.count)),
            ("unannounced_idle_closes", .int(report.unannouncedIdleCloses.count)),
            ("skipped", .int(report.skipped)),
        ])
    }

    func milliseconds(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        let value = seconds * 1000
        return value < 10 ? String(format2: value) : String(Int(value.rounded()))
    }
}

extension String {
    /// Two decimals, without Foundation's formatter.
    fileprivate init(format2 value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
