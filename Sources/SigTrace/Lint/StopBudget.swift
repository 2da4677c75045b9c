/// The budget rule every orchestrator shares: a measured shutdown (from `--shutdown` or a `sigscope check`
/// report) must fit inside the time the orchestrator waits before SIGKILL, with a margin.
public struct StopBudget: Sendable {
    /// The app's measured shutdown time, if known.
    public var shutdown: Duration?
    /// Where the figure came from, for messages: `--shutdown`, `measured in results.json`.
    public var source: String
    /// The margin to leave; nil means 10% of the timeout, at least 2 s.
    public var margin: Duration?
    /// Measured shutdowns of single Compose services (or units), by name: `--shutdown NAME=20s`.
    public var byName: [String: Duration] = [:]

    public init(shutdown: Duration? = nil, source: String = "--shutdown", margin: Duration? = nil) {
        self.shutdown = shutdown
        self.source = source
        self.margin = margin
    }

    /// The same inputs the Kubernetes grace budget uses.
    public init(_ manifestLint: KubernetesManifestLint) {
        self.init(shutdown: manifestLint.shutdown, source: manifestLint.shutdownSource, margin: manifestLint.margin)
        byName = manifestLint.shutdownByName
    }

    /// The budget of the service or unit `name`: its own measured shutdown when `--shutdown NAME=` gave one.
    public func named(_ name: String) -> StopBudget {
        guard let own = byName[name] else { return self }
        var budget = self
        budget.shutdown = own
        budget.source = "--shutdown \(name)=\(DurationParser.text(own))"
        return budget
    }

    /// How a measured shutdown compares with a timeout.
    public enum Verdict: Sendable, Equatable {
        case fits
        /// Fits, but with less than the margin left.
        case tight
        case exceeded
    }

    /// The verdict for `timeout` seconds, the margin used and the timeout that would fit with it; nil without a
    /// measured shutdown.
    public func judge(timeout: Double) -> (verdict: Verdict, margin: Double, needed: Int)? {
        guard let shutdown else { return nil }
        let seconds = shutdown.seconds
        let margin = self.margin?.seconds ?? max(2, timeout * 0.1)
        let needed = Int((seconds + margin).rounded(.up))
        if seconds > timeout { return (.exceeded, margin, needed) }
        if seconds > timeout - margin { return (.tight, margin, needed) }
        return (.fits, margin, needed)
    }

    /// `shutdown 12s (--shutdown)`.
    public var described: String {
        guard let shutdown else { return "" }
        return "shutdown \(Self.format(shutdown.seconds)) (\(source))"
    }

    /// `90s`, `1.5s`.
    public static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds))s" : "\((seconds * 10).rounded() / 10)s"
    }
}
