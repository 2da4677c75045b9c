/// The verdict of `sigscope check`.
public enum CheckVerdict: String, Sendable, Equatable {
    /// Shut down cleanly within the grace period; no `error` finding.
    case pass
    /// At least one `error` finding.
    case fail
    /// The check could not run: the service exited or never became ready before the signal.
    case error

    /// The process exit code that goes with the verdict: 0, 1 or 2.
    public var exitCode: Int32 {
        switch self {
        case .pass: 0
        case .fail: 1
        case .error: 2
        }
    }
}

/// The rules of `check`: findings from what happened, a verdict from the findings.
public enum ShutdownVerdict {
    /// The ids of inspect's rules that forecast what the stop signal will do and so belong in a check's findings.
    public static let forecastSlugs: Set<String> = Set(Rule.forecastRules.map(\.id))

    /// A shutdown slower than this share of the grace period is a warning.
    public static let slowShare = 0.8

    /// Judges an observation: the findings (errors first) and the verdict. A `pass` never carries an error.
    public static func judge(_ observation: ShutdownObservation) -> (CheckVerdict, [Finding]) {
        let o = observation
        let who = "pid \(o.pid) (\(o.command))"
        if let notReady = o.notReady {
            return (.error, [Finding(.notReady, message: "\(who) \(notReady)",
                                     hint: "check the command and --ready; its last output is shown below")])
        }
        var outcome: [Finding] = []
        let hints = CheckHints(o)
        let grace = format(o.grace.seconds)
        if o.killed {
            let preStop = o.preStop > .zero ? " (including a \(format(o.preStop.seconds)) s pre-stop)" : ""
            // The runtime kills the whole container at the end of the grace period: the descendants and whatever
            // it left behind die with it, so they are part of this finding, not findings of their own.
            let tree = (o.graceEnd?.descendants ?? []) + o.orphans.filter { orphan in
                !(o.graceEnd?.descendants ?? []).contains { $0.pid == orphan.pid }
            }
            let killedTree = tree.isEmpty ? "" : " (with \(counted(tree.count, "descendant")): \(describe(tree)))"
            let waiting = CheckHints.waitingFor(o).map { "; \($0)" } ?? ""
            // The kernel's record says why, as fact: dropped by a namespace's PID 1, ignored, or handled too slowly.
            let kernel = o.kernel?.stopSignal.map { "; kernel: \($0.text)" } ?? ""
            outcome.append(Finding(
                .graceExceeded,
                message: "\(who) was still running at the end of the \(grace) s grace period\(preStop) after "
                    + "\(o.signal.name) and needed SIGKILL\(killedTree)\(kernel)\(waiting)",
                hint: hints.graceExceeded))
        }
        switch o.exit {
        case .signaled(let signal, _) where !(o.killed && signal == .kill):
            outcome.append(Finding(
                .killedBySignal,
                message: "\(who) died of \(signal.name)'s default action"
                    + (signal == o.signal ? "" : " (after \(o.signal.name))") + ": "
                    + "no handler ran, so no request was drained and no cleanup happened",
                hint: hints.killedBySignal))
        case .exited(let code) where !o.acceptedExitCodes.contains(code):
            let fromSignal = code == 128 + o.signal.rawValue
            outcome.append(Finding(
                .exitNonzero,
                message: "\(who) exited with code \(code) after \(o.signal.name)"
                    + (fromSignal ? " (128+\(o.signal.rawValue): the shell's code for death by \(o.signal.name))" : ""),
                hint: hints.exitNonzero(code: code, fromSignal: fromSignal)))
        default:
            break
        }
        if let inflight = o.inflight, inflight.failed > 0 {
            let failures = inflight.results.filter { $0.outcome?.isComplete != true }.prefix(3).map {
                "\($0.url): \($0.outcome?.summary ?? "no answer")"
            }
            outcome.append(Finding(
                .inflightFailed,
                message: "\(inflight.failed) of \(counted(inflight.requests, "in-flight request")) did not complete with their "
                    + "full body: \(failures.joined(separator: "; "))",
                hint: hints.inflightFailed))
        }
        if let load = o.load {
            outcome += TrafficVerdict.findings(load, signal: o.signal, preStop: o.preStop, platform: o.platform)
        } else if let window = o.untestedWindow,
                  let untested = UntestedWindow.finding(window: window, platform: o.platform, signal: o.signal,
                                                        preStop: o.preStop, probe: o.probe,
                                                        gone: o.shutdownSeconds ?? o.killedAfterSeconds) {
            outcome.append(untested)
        }
        if let abandoned = ConnectionsAtExit.finding(o) { outcome.append(abandoned) }
        if !o.orphans.isEmpty && !o.killed {
            outcome.append(Finding(
                .orphanedChildren,
                message: "\(who) left \(counted(o.orphans.count, "descendant")) running after it exited: "
                    + describe(o.orphans) + "; sigscope killed them",
                hint: "stop and wait for child processes before exiting, or run under tini, whose exit ends them"))
        }
        if !o.zombies.isEmpty && !o.killed {
            outcome.append(Finding(
                .zombieChildren,
                message: "\(who) left \(counted(o.zombies.count, "zombie child", "zombie children")) it never reaped: "
                    + describe(o.zombies),
                hint: "wait for children (waitpid) or run under tini or dumb-init, which reap zombies"))
        }
        if o.exitedInTime, let seconds = o.shutdownSeconds, o.graceAfterPreStop > 0,
           seconds > slowShare * o.graceAfterPreStop {
            outcome.append(Finding(
                .slowShutdown,
                message: "\(who) took \(precise(seconds)) s to shut down, "
                    + "\(Int((seconds / o.graceAfterPreStop * 100).rounded()))% "
                    + "of the \(format(o.graceAfterPreStop)) s it had",
                hint: "shorten the drain or raise the grace period (terminationGracePeriodSeconds)"))
        }
        if o.exitedInTime && o.exit == nil
            && (o.forecastOutcome == .terminates || o.forecastOutcome == .dumpsCore) {
            outcome.append(Finding(
                .killedBySignal,
                message: "\(who) exited after \(o.signal.name) and had no handler for it just before: it died of the "
                    + "default action, so no request was drained and no cleanup happened (its exit status cannot be "
                    + "read: it is not sigscope's child)",
                hint: hints.killedBySignal))
        } else if o.exitedInTime && o.exit == nil {
            outcome.append(Finding(
                .exitStatusUnknown,
                message: "\(who) is not sigscope's child, so its exit status is unknown; judged by time only",
                hint: "start it with sigscope check -- CMD to see its exit status"))
        }
        let failed = outcome.contains { $0.severity == .error }
        // A pass with a signal that is not the program's clean stop proves less than it seems (nginx's TERM cut
        // nothing because nothing was in flight): say what the signal means to it and which one drains.
        if !failed, let program = o.program,
           let note = InspectRules.stopSignalFinding(who: who, program: program, signal: o.signal,
                                                     commandLine: o.programCommandLine),
           note.severity != .error {
            outcome.append(note)
        }
        // inspect's forecast explains a failure; a forecast of failure that the clean shutdown contradicts is
        // dropped (`contradictedForecast` lists it), never shown beside a pass.
        let forecast = o.forecast.filter { forecastSlugs.contains($0.rule) && !outcome.map(\.rule).contains($0.rule) }
            .filter { failed || !predictsFailure($0) }
        let findings = (outcome + forecast).sorted { $0.severity > $1.severity }
        return (findings.contains { $0.severity == .error } ? .fail : .pass, findings)
    }

    /// inspect's rules whose finding predicts that the stop fails: a clean shutdown proves them wrong.
    static let failurePredictions: Set<String> = [
        Rule.pid1SigtermDropped.id, Rule.sigtermIgnored.id, Rule.sigtermBlocked.id, Rule.sigtermNotCaught.id,
        Rule.pid1ShellWrapper.id,
    ]

    static func predictsFailure(_ finding: Finding) -> Bool { failurePredictions.contains(finding.rule) }

    /// The forecast findings the measured outcome contradicts: they predicted a failed stop and the service
    /// stopped cleanly. Empty when the check failed or never reached the signal.
    public static func contradictedForecast(_ observation: ShutdownObservation, findings: [Finding]) -> [Finding] {
        guard observation.notReady == nil, !findings.contains(where: { $0.severity == .error }) else { return [] }
        return observation.forecast.filter(predictsFailure)
    }

    /// Measured seconds with exactly three decimals: `0.004`, `1.000`.
    public static func precise(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded())
        let magnitude = abs(millis)
        let fraction = String(magnitude % 1000)
        let padded = String(repeating: "0", count: 3 - fraction.count) + fraction
        return "\(millis < 0 ? "-" : "")\(magnitude / 1000).\(padded)"
    }

    /// A command line as a shell would need it typed: arguments with spaces or quotes are single-quoted.
    public static func commandLine(_ arguments: [String]) -> String {
        arguments.map { argument in
            let plain = !argument.isEmpty
                && argument.allSatisfy { $0.isLetter || $0.isNumber || "-_./:=,@+%".contains($0) }
            return plain ? argument : "'" + argument.replacing("'", with: "'\\''") + "'"
        }.joined(separator: " ")
    }

    /// `4711 (sleep 300), 4712 (...)`, at most five.
    static func describe(_ processes: [TreeProcess]) -> String {
        // PostgreSQL pads its processes' titles with spaces (`postgres: checkpointer      `).
        let shown = processes.prefix(5).map { process in
            "\(process.pid) (\(String(process.command.reversed().drop { $0 == " " }.reversed())))"
        }.joined(separator: ", ")
        return processes.count > 5 ? shown + ", ..." : shown
    }

    /// Seconds with up to three decimals and no trailing zeros: `30`, `1.5`, `0.012`.
    public static func format(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded())
        let whole = millis / 1000, fraction = millis % 1000
        guard fraction != 0 else { return String(whole) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 3 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(whole).\(digits)"
    }
}
