/// What check says to do, in the terms of the program it checked: its own graceful signal and where to set it
/// (from the knowledge base), instead of one language's advice for every service. A program the knowledge base
/// does not know gets advice that names no language.
struct CheckHints {
    let program: ProgramEntry?
    let signal: Signal
    /// True when the forecast saw a handler (or signalfd, sigwait) take the signal: advice to install one is wrong.
    let handled: Bool

    init(_ observation: ShutdownObservation) {
        program = observation.program
        signal = observation.signal
        handled = observation.forecastOutcome == .handled || observation.forecastOutcome == .deferred
    }

    private var advice: StopAdvice? { program.map { StopAdvice(program: $0, sentSignal: signal) } }

    private var generic: String {
        "handle \(signal.name): stop accepting, drain in-flight work within the grace period, exit 0"
    }

    /// The service outlived the grace period.
    var graceExceeded: String {
        if handled && (program == nil || program?.kind == .runtime) {
            return "its \(signal.name) handler ran but the process did not exit in time: drain with a deadline "
                + "shorter than the grace period, then close the connections left and exit 0"
        }
        guard let program, let advice else { return generic }
        if let meaning = program.meaning(of: signal), meaning.effect == .reload || meaning.effect == .gracefulReload,
           let fix = program.fix {
            return "\(program.name) does not stop on \(signal.shortName) (\(meaning.summary)): \(fix)"
        }
        return advice.hint
    }

    /// The service died of the signal's default action.
    var killedBySignal: String {
        guard let advice else {
            return "catch \(signal.name): stop accepting, drain in-flight work, exit 0"
        }
        return advice.hint
    }

    /// The service exited with a code that is not accepted. A runtime that exits 128+N by design (the JVM's 143
    /// after its shutdown hooks) gets its own advice and the flag that accepts the code.
    func exitNonzero(code: Int32, fromSignal: Bool) -> String {
        if fromSignal, let program, program.kind == .runtime,
           program.meaning(of: signal)?.summary.contains("exits \(code)") == true, let fix = program.fix {
            return "\(program.name) exits \(code) after \(signal.shortName) by design: \(fix) (--accept-exit \(code))"
        }
        if fromSignal {
            return "exit 0 after a handled \(signal.name), or pass --accept-exit \(code) if the runtime exits \(code) "
                + "by design"
        }
        return "exit 0 after a clean shutdown, or pass --accept-exit \(code) if that code means success"
    }

    /// In-flight requests were cut.
    var inflightFailed: String {
        guard let advice else { return "let in-flight requests finish before exiting" }
        return advice.hint
    }

    /// Why the service outlived the grace period, when the knowledge base and the open connections say:
    /// `waited for 1 client connection (127.0.0.1:41234 -> :5432): TERM is PostgreSQL's smart shutdown; INT is its
    /// fast shutdown`.
    static func waitingFor(_ observation: ShutdownObservation) -> String? {
        let clients = observation.graceEnd?.clientConnections ?? []
        var parts: [String] = []
        if !clients.isEmpty {
            let shown = clients.prefix(3).map(\.description).joined(separator: ", ")
            parts.append("it waited for \(clients.count) client connection\(clients.count == 1 ? "" : "s") "
                + "(\(shown)\(clients.count > 3 ? ", ..." : ""))")
        }
        if let program = observation.program, program.kind != .runtime,
           let sent = program.meaning(of: observation.signal) {
            var meaning = "\(observation.signal.shortName) is \(program.name)'s \(firstClause(sent.summary))"
            let better = program.recommendedStopSignal
            if better != observation.signal, let other = program.meaning(of: better) {
                meaning += "; \(better.shortName) is its \(firstClause(other.summary))"
            }
            parts.append(meaning)
        }
        return parts.isEmpty ? nil : parts.joined(separator: ": ")
    }

    static func firstClause(_ text: String) -> String {
        String(text.split(separator: ":").first ?? Substring(text))
    }
}
