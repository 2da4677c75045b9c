/// How `sigscope check` prints its result: a short timeline as text, JSON with stable snake_case keys, JUnit XML
/// or GitHub workflow annotations.
public struct CheckFormat: Sendable {
    public let style: TextStyle

    public init(style: TextStyle) { self.style = style }

    /// The text report: a headline with the verdict, the timeline, the findings, and the service's last output
    /// when the check did not pass.
    public func text(_ result: CheckResult) -> String {
        let o = result.observation
        let verdict = switch result.verdict {
        case .pass: style.green("PASS")
        case .fail: style.red("FAIL")
        case .error: style.red("NOT READY")
        }
        // A `sh -c` script's newlines would break the headline (and the lines a container check inserts under it).
        var lines = ["\(style.bold("sigscope check")): \(verdict)  pid \(o.pid) (\(o.command.replacingNewlines()))"]
        var facts = ["signal \(o.signal.name)", "grace \(ShutdownVerdict.format(o.grace.seconds)) s"]
        if o.preStop > .zero { facts.append("pre-stop \(ShutdownVerdict.format(o.preStop.seconds)) s") }
        if let seconds = o.shutdownSeconds { facts.append("shut down in \(ShutdownVerdict.precise(seconds)) s") }
        if o.killed { facts.append("SIGKILLed at the end of the grace period") }
        if let exit = o.exit { facts.append(exit.description) }
        if let inflight = o.inflight {
            facts.append(inflight.inFlightAtSignal == 0
                ? "no request in flight at the signal (\(inflight.finishedBeforeSignal) of \(inflight.requests) "
                    + "answered before it)"
                : "in-flight \(inflight.completed)/\(inflight.requests) completed"
                    + (inflight.inFlightAtSignal < inflight.requests
                        ? " (\(inflight.inFlightAtSignal) in flight at the signal)" : ""))
        }
        lines.append("  " + facts.joined(separator: ", "))
        if let kernel = o.kernel {
            // The kernel's record of the stop signal is a fact beside the verdict, not a forecast.
            lines += KernelStopRecord.wrapped("kernel: " + kernel.verdictText(signal: o.signal, pid: o.pid))
        }
        lines.append("")
        lines.append(style.bold("timeline"))
        var table = TextTable()
        table.rightAligned = [0]
        for event in result.timeline { table.append([ShutdownVerdict.precise(event.seconds), event.text]) }
        lines += table.rendered().split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        if !result.findings.isEmpty {
            lines.append("")
            lines.append(style.bold("findings"))
            var findings = TextTable()
            for finding in result.findings {
                findings.append([style.severity(finding.severity, finding.severity.rawValue), finding.rule,
                                 finding.message])
                findings.append(["", "", style.dim("hint: \(finding.hint)")])
            }
            lines += findings.rendered().split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }
        }
        if let load = result.load {
            lines.append("")
            lines += LoadFormat(style: style).text(load)
        }
        if result.verdict != .pass && !result.outputTail.isEmpty {
            lines.append("")
            lines.append(style.bold("output of pid \(o.pid) (last \(result.outputTail.count) lines)"))
            lines += result.outputTail.map { "  | " + $0 }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The JSON report (docs/json.md), a document unless `document` is false (a run embedded in another).
    /// `verdict`, `shutdown_seconds` and `exit` are always present (null where unknown).
    public func json(_ result: CheckResult, document: Bool = true) -> JSONValue {
        let o = result.observation
        // The words of `why`: status exited with a code, or killed by a signal.
        let exit: JSONValue = switch o.exit {
        case .exited(let code): .object([("status", .string("exited")), ("code", .int(Int(code)))])
        case .signaled(let signal, let core):
            .object([("status", .string("killed")), ("signal", .string(signal.name)), ("core_dumped", .bool(core))])
        case nil: .null
        }
        let inflight = o.inflight
        var inflightFields: [(String, JSONValue)] = [
            ("requests", .int(inflight?.requests ?? 0)), ("in_flight_at_signal", .int(inflight?.inFlightAtSignal ?? 0)),
            ("finished_before_signal", .int(inflight?.finishedBeforeSignal ?? 0)),
            ("completed", .int(inflight?.completed ?? 0)), ("failed", .int(inflight?.failed ?? 0)),
        ]
        inflightFields.append(("results", .array((inflight?.results ?? []).map { result in
            .object([
                ("url", .string(result.url)), ("status", result.outcome?.status.map { .int($0) } ?? .null),
                ("bytes", result.outcome.map { .int($0.bytes) } ?? .null),
                ("expected_bytes", result.outcome?.expectedBytes.map { .int($0) } ?? .null),
                ("complete", .bool(result.outcome?.isComplete ?? false)),
                ("error", .string(result.outcome == nil ? "no answer" : result.outcome?.error)),
                ("seconds_after_signal", seconds(result.seconds)),
            ])
        })))
        let probe: JSONValue = o.probe.map { probe in
            .object([
                ("url", .string(probe.url)), ("attempts", .int(probe.attempts)), ("served", .int(probe.served)),
                ("failed", .int(probe.failed)), ("last_served_seconds", seconds(probe.lastServedSeconds)),
                ("listener_closed_seconds", seconds(probe.listenerClosedSeconds)),
            ])
        } ?? .null
        let atExit: JSONValue = o.connectionsAtExit.map(connectionsAtExit) ?? .null
        let fate: JSONValue = o.kernel?.json(signal: o.signal, pid: o.pid, signalAt: result.signalMonotonicNanoseconds)
            ?? .null
        let started = result.startedWallSeconds
        let fields: [(String, JSONValue)] = [
            ("verdict", .string(result.verdict.rawValue)),
            ("pid", .int(Int(o.pid))),
            ("cmdline", .array((o.cmdline.isEmpty ? [o.command] : o.cmdline).map(JSONValue.string))),
            ("started_at", started.map { .string(WatchFormat.isoTime($0)) } ?? .null),
            ("signal", .string(o.signal.name)),
            ("grace_seconds", seconds(o.grace.seconds)),
            ("pre_stop_seconds", seconds(o.preStop.seconds)),
            ("ready_seconds", seconds(result.readySeconds)),
            ("shutdown_seconds", seconds(o.shutdownSeconds)),
            ("killed", .bool(o.killed)),
            ("killed_after_seconds", seconds(result.killedAfterSeconds)),
            ("exit", exit),
            ("inflight", .object(inflightFields)),
            ("probe", probe),
            ("load", result.load.map(LoadFormat(style: style).json) ?? .null),
            ("orphans", .array(o.orphans.map(process))),
            ("zombies", .array(o.zombies.map(process))),
            ("findings", .array(result.findings.map(\.json))),
            ("program", o.program.map { .string($0.id) } ?? .null),
            ("stop_signal_fate", fate),
            ("forecast_contradicted", .array(result.contradictedForecast.map(\.json))),
            ("connections_at_grace_end", .array((o.graceEnd?.connections ?? []).map { connection in
                .object([
                    ("pid", .int(Int(connection.pid))), ("local", .string(connection.local.description)),
                    ("remote", .string(connection.remote.description)), ("from_client", .bool(connection.fromClient)),
                ])
            })),
            ("connections_at_exit", atExit),
            ("timeline", .array(result.timeline.map { event in
                .object([
                    ("seconds", seconds(event.seconds)),
                    ("time", started.map { .string(WatchFormat.isoTime($0 + event.seconds)) } ?? .null),
                    ("kind", .string(event.kind.rawValue)), ("text", .string(event.text)),
                ])
            })),
            ("output_tail", .array(result.outputTail.map(JSONValue.string))),
            ("trace", result.trace.map { .array($0.map { WatchFormat.jsonValue($0) }) } ?? .null),
        ]
        return document ? JSONSchema.document(fields) : .object(fields)
    }

    /// A JUnit XML report: one test case for the shutdown (failing with the verdict, an error when the service
    /// never got ready), with the service's last output in its `<system-out>`, then one test case per finding,
    /// failing at error severity.
    public func junit(_ result: CheckResult) -> String {
        let o = result.observation
        let failure: CIReport.TestCase.Failure? = switch result.verdict {
        case .pass: nil
        case .fail:
            CIReport.TestCase.Failure(type: "sigscope.check.fail", message: summary(result),
                                      text: result.findings.filter { $0.severity == .error }
                                          .map(CIReport.describe).joined(separator: "\n"))
        case .error:
            CIReport.TestCase.Failure(type: "sigscope.check.not-ready", message: summary(result),
                                      text: o.notReady ?? summary(result), isError: true)
        }
        let shutdown = CIReport.TestCase(
            name: "\(o.signal.name) shutdown of \(o.command)", className: "sigscope.check",
            seconds: o.shutdownSeconds ?? result.killedAfterSeconds ?? 0, failure: failure,
            systemOut: result.outputTail.isEmpty ? nil : result.outputTail.joined(separator: "\n"))
        let findings = result.findings.map { CIReport.TestCase.finding($0, className: "sigscope.check", failOn: .error) }
        return CIReport.junit(suite: "sigscope check", cases: [shutdown] + findings)
    }

    /// GitHub workflow annotations: one per finding, then a notice with the verdict.
    public func github(_ result: CheckResult) -> String {
        CIReport.githubAnnotations(result.findings) + "::notice title=sigscope check::"
            + CIReport.escapeData(summary(result)) + "\n"
    }

    /// `fail: ./server (pid 12) SIGKILLed after the grace period after SIGTERM, grace 2 s`.
    func summary(_ result: CheckResult) -> String {
        let o = result.observation
        let shutdown = o.shutdownSeconds.map { "shut down in \(ShutdownVerdict.precise($0)) s" }
            ?? (o.killed ? "SIGKILLed after the grace period" : "did not reach the signal")
        return "\(result.verdict.rawValue): \(o.command) (pid \(o.pid)) \(shutdown) after \(o.signal.name), "
            + "grace \(ShutdownVerdict.format(o.grace.seconds)) s"
    }

    /// `{"reading": "exit_stop", "seconds_before_exit": null, "held_at_signal": 3, "abandoned": 3, "connections":
    /// [...]}`; `reading` is `exit_stop` (--trace), `kernel_record` (root with tracefs), `last_sample`, `grace_end` (before SIGKILL) or `not_read` (no
    /// reading after the signal close enough to the exit; `seconds_before_exit` is the last one's, if any).
    func connectionsAtExit(_ atExit: ConnectionsAtExit) -> JSONValue {
        let (reading, before): (String, Double?) = switch atExit.reading {
        case .exitStop: ("exit_stop", nil)
        case .kernelRecord: ("kernel_record", nil)
        case .lastSample(let seconds): ("last_sample", seconds)
        case .graceEnd: ("grace_end", nil)
        case .notRead(let seconds): ("not_read", seconds)
        }
        return .object([
            ("reading", .string(reading)), ("seconds_before_exit", seconds(before)),
            ("held_at_signal", .int(atExit.heldAtSignal)), ("abandoned", .int(atExit.abandoned.count)),
            ("connections", .array(atExit.connections.map { connection in
                .object([
                    ("pid", .int(Int(connection.pid))), ("local", .string(connection.local.description)),
                    ("remote", .string(connection.remote.description)),
                    ("state", .string(connection.state.name)),
                    ("from_client", .bool(connection.fromClient)),
                    ("peer", connection.peer.map { .string($0.name) } ?? .null),
                    ("peer_pid", connection.peer.flatMap { peer -> JSONValue? in
                        if case .process(let pid) = peer.source { return .int(Int(pid)) }
                        return nil
                    } ?? .null),
                ])
            })),
        ])
    }

    func process(_ process: TreeProcess) -> JSONValue {
        .object([("pid", .int(Int(process.pid))), ("comm", .string(process.comm)),
                 ("cmdline", .array(process.cmdline.map(JSONValue.string)))])
    }

    /// Seconds rounded to the microsecond, or null.
    func seconds(_ value: Double?) -> JSONValue {
        guard let value else { return .null }
        return .double((value * 1e6).rounded() / 1e6)
    }
}
