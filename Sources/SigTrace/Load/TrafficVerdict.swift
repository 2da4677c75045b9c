/// The rules on traffic through the shutdown: requests that failed while the service was still being deregistered,
/// and kept-alive connections reset under their clients. Pure: judged from a `LoadReport`.
public enum TrafficVerdict {
    /// What the shutdown did to the traffic; `preStop` is the pre-stop wait the check used, `platform` the
    /// `--platform` preset, if any (it decides which fix the hint names).
    public static func findings(_ report: LoadReport, signal: Signal, preStop: Duration, platform: String?)
        -> [Finding]
    {
        var findings: [Finding] = []
        let m = report.moments
        let window = m.deregistrationDelay.seconds
        let failed = report.failedWhileDeregistering
        if window > 0 && !failed.isEmpty {
            let sent = report.records.filter { $0.start >= m.terminationStart && $0.start <= m.deregistrationEnd }
            let closed = m.listenerClosed.map { "its listener refused connections " + after($0, m) }
                ?? m.exit.map { "it exited " + after($0, m) } ?? "it stopped serving"
            let first = failed.map(\.start).min().map { ShutdownVerdict.precise(m.seconds($0)) } ?? "?"
            let last = failed.map(\.start).max().map { ShutdownVerdict.precise(m.seconds($0)) } ?? "?"
            let d = ShutdownVerdict.format(window)
            var message = "\(counted(failed.count, "request")) failed (\(breakdown(failed))) while traffic was still "
                + "arriving: \(sent.count) were sent in the \(d) s deregistration window after termination began, "
                + "and \(closed); failures from \(first) s to \(last) s after \(signal.name)"
            if preStop > .zero { message += " (pre-stop \(ShutdownVerdict.format(preStop.seconds)) s)" }
            let hint: String
            if preStop > .zero {
                hint = "raise the preStop sleep from \(ShutdownVerdict.format(preStop.seconds)) s to at least \(d) s, "
                    + "or keep accepting new connections for \(d) s after \(signal.name) before closing the listener"
            } else if platform == "kubernetes" {
                hint = "add a preStop sleep of at least \(d) s (lifecycle.preStop.sleep.seconds: \(d), Kubernetes "
                    + "1.30+; or exec sleep \(d)), or keep accepting new connections for \(d) s after SIGTERM "
                    + "before closing the listener"
            } else {
                hint = "keep accepting new connections for \(d) s after \(signal.name) before closing the listener "
                    + "(a preStop sleep of \(d) s where the platform has hooks)"
            }
            findings.append(Finding(.requestsFailedWhileDeregistering, message: message, hint: hint))
        }
        let keptAlive = report.keepAliveFailures
        let idle = report.unannouncedIdleCloses
        let keepAliveHint = "after \(signal.name), answer on kept-alive connections with `Connection: close` "
            + "(Go: server.SetKeepAlivesEnabled(false)) and close idle ones only once the deregistration window "
            + "has passed"
        if !keptAlive.isEmpty {
            let first = keptAlive.map(\.start).min().map { ShutdownVerdict.precise(m.seconds($0)) } ?? "?"
            findings.append(Finding(
                .keepAliveReset,
                message: "\(counted(keptAlive.count, "request")) on reused kept-alive connections \(keptAlive.count == 1 ? "was" : "were") lost "
                    + "(\(breakdown(keptAlive))), the first sent \(first) s after \(signal.name): clients keep "
                    + "reusing their connections after the endpoint is removed (kubernetes/kubernetes#43576)",
                hint: keepAliveHint))
        } else if !idle.isEmpty {
            let first = idle.map(\.at).min().map { ShutdownVerdict.precise(m.seconds($0)) } ?? "?"
            let resets = idle.filter(\.reset).count
            findings.append(Finding(
                .keepAliveReset, severity: .warning,
                message: "\(counted(idle.count, "idle kept-alive connection")) \(idle.count == 1 ? "was" : "were") "
                    + "\(resets > 0 ? "reset or " : "")closed "
                    + "from \(first) s after \(signal.name) without a `Connection: close` first: a client sending "
                    + "on one at that moment gets a reset (kubernetes/kubernetes#43576)",
                hint: keepAliveHint))
        }
        return findings
    }

    /// `12 refused, 3 reset`.
    static func breakdown(_ records: [LoadRecord]) -> String {
        var counts: [LoadOutcome: Int] = [:]
        for record in records { counts[record.outcome, default: 0] += 1 }
        return LoadOutcome.allCases.compactMap { outcome in
            counts[outcome].map { "\($0) \(outcome.label)" }
        }.joined(separator: ", ")
    }

    static func after(_ time: UInt64, _ m: ShutdownMoments) -> String {
        "\(ShutdownVerdict.precise(m.seconds(time))) s after the signal"
    }
}

extension LoadOutcome {
    /// The outcome in words: `refused`, `reset`, `timed out`, `5xx`, `cut body`, `other`.
    public var label: String {
        switch self {
        case .ok: "ok"
        case .refused: "refused"
        case .reset: "reset"
        case .timeout: "timed out"
        case .serverError: "5xx"
        case .cutBody: "cut body"
        case .other: "other"
        }
    }
}
