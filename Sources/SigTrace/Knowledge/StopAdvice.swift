/// Where a stop signal is configured: each platform has its own knob, and they do not carry over to each other
/// (Kubernetes before 1.33 reads only the image's STOPSIGNAL; Compose's `stop_signal` is not read by Kubernetes).
public enum StopSignalSetting: String, Sendable, Hashable, CaseIterable {
    case dockerfile
    case compose
    case kubernetes
    case systemd

    /// The setting that makes the platform stop with `signal`.
    public func line(for signal: Signal) -> String {
        switch self {
        case .dockerfile: "STOPSIGNAL \(signal.name)"
        case .compose: "stop_signal: \(signal.name)"
        case .kubernetes: "lifecycle.stopSignal: \(signal.name)"
        case .systemd: "KillSignal=\(signal.name)"
        }
    }

    /// Where the setting goes and any limit on it.
    public var context: String {
        switch self {
        case .dockerfile: "Dockerfile; Kubernetes uses it too when the pod sets no stopSignal"
        case .compose: "docker-compose.yml service"
        case .kubernetes: "container spec; Kubernetes 1.33+ (alpha, ContainerStopSignals gate), needs spec.os.name"
        case .systemd: "[Service] section of the unit"
        }
    }

    public var source: FactSource {
        switch self {
        case .dockerfile: doc("https://docs.docker.com/reference/dockerfile/#stopsignal")
        case .compose: doc("https://docs.docker.com/reference/compose-file/services/#stop_signal")
        case .kubernetes: doc("https://www.kubernetes.dev/resources/keps/4960/")
        case .systemd: doc("https://man7.org/linux/man-pages/man5/systemd.kill.5.html")
        }
    }
}

/// Advice for stopping one program cleanly, built from its knowledge entry: which signal, where to set it, and
/// its own settings. `check` and `inspect` put it in their hints; lint in its messages.
public struct StopAdvice: Sendable, Hashable {
    public var program: ProgramEntry
    /// The signal that was (or will be) sent, when known.
    public var sentSignal: Signal?

    public init(program: ProgramEntry, sentSignal: Signal? = nil) {
        self.program = program
        self.sentSignal = sentSignal
    }

    /// The signal the program should be stopped with.
    public var signal: Signal { program.recommendedStopSignal }

    /// True when the signal that was sent is not the one the program should get.
    public var wrongSignal: Bool {
        guard let sentSignal else { return false }
        return sentSignal != signal && program.kind != .runtime
    }

    /// What the sent signal means to the program, when the entry says: `TERM is nginx's fast shutdown`.
    public var sentMeaning: String? {
        guard let sentSignal, let meaning = program.meaning(of: sentSignal) else { return nil }
        return "\(sentSignal.shortName) is \(program.name)'s \(meaning.summary.split(separator: ":").first ?? "")"
    }

    /// One hint line: `nginx: stop it with SIGQUIT (graceful shutdown): STOPSIGNAL SIGQUIT, lifecycle.stopSignal:
    /// SIGQUIT, KillSignal=SIGQUIT; worker_shutdown_timeout 25s;`. For a runtime, its own fix.
    public var hint: String {
        if program.kind == .runtime || program.kind == .shell || program.kind == .launcher {
            return "\(program.name): \(program.fix ?? "handle \(signal.name) and exit 0")"
        }
        var parts: [String] = []
        if signal != .term || wrongSignal {
            let meaning = program.meaning(of: signal).map { " (\(shortSummary($0)))" } ?? ""
            let settings = [StopSignalSetting.dockerfile, .kubernetes, .systemd].map { $0.line(for: signal) }
            parts.append("stop \(program.name) with \(signal.name)\(meaning): " + settings.joined(separator: ", "))
        } else if let fix = program.fix {
            parts.append("\(program.name): \(fix)")
        }
        if let setting = program.settings.first {
            parts.append("\(setting.setting) (\(setting.effect))")
        }
        if parts.isEmpty { return "\(program.name): \(program.fix ?? "handle \(signal.name) and exit 0")" }
        return parts.joined(separator: "; ")
    }

    /// The first clause of a meaning's summary: `graceful shutdown`.
    private func shortSummary(_ meaning: SignalMeaning) -> String {
        String(meaning.summary.split(separator: ":").first ?? Substring(meaning.summary))
    }
}
