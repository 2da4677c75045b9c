import Foundation

/// The parts of a `sigscope check --format json` report that `lint` uses for the grace budget.
public struct LintCheckReport: Sendable {
    /// The check's verdict.
    public var verdict: CheckVerdict
    /// How long the shutdown took; nil when the process did not stop within the grace period.
    public var shutdownSeconds: Double?
    /// The grace period check allowed.
    public var graceSeconds: Double?
    /// How the process ended, as the report put it.
    public var exit: String?

    /// Parses report JSON; throws a one-line error naming `source` for anything else.
    public init(json data: Data, source: String) throws(SigscopeError) {
        guard let object = try? JSONSerialization.jsonObject(with: data), let report = object as? [String: Any] else {
            throw SigscopeError(.badInput, "\(source): not a JSON object (expected `sigscope check --format json`)")
        }
        guard let text = report["verdict"] as? String else {
            throw SigscopeError(.badInput, "\(source): no `verdict` key: not a `sigscope check --format json` report")
        }
        guard let verdict = CheckVerdict(rawValue: text) else {
            throw SigscopeError(.badInput, "\(source): unknown verdict '\(text)' (expected pass, fail or error)")
        }
        self.verdict = verdict
        guard report.keys.contains("shutdown_seconds") else {
            throw SigscopeError(.badInput, "\(source): no `shutdown_seconds` key")
        }
        shutdownSeconds = (report["shutdown_seconds"] as? NSNumber)?.doubleValue
        graceSeconds = (report["grace_seconds"] as? NSNumber)?.doubleValue
        switch report["exit"] {
        case let text as String: exit = text
        case let number as NSNumber: exit = "status \(number)"
        case let object as [String: Any] where object["status"] as? String == "exited" && object["code"] != nil:
            exit = "exited with code \(object["code"].map { "\($0)" } ?? "")"
        case let object as [String: Any] where object["status"] as? String == "killed" && object["signal"] != nil:
            exit = "killed by \(object["signal"].map { "\($0)" } ?? "")"
        case let object as [String: Any]:
            exit = object.keys.sorted().map { "\($0) \(object[$0].map { "\($0)" } ?? "")" }.joined(separator: ", ")
        default: exit = nil
        }
    }

    /// Reads and parses a report file.
    public static func load(path: String) throws(SigscopeError) -> LintCheckReport {
        let data = Data(try InputFile.read(path, as: .report))
        return try LintCheckReport(json: data, source: path)
    }

    /// The shutdown time to budget: the measured one, or (when the process never stopped) the whole grace
    /// period check allowed, as a lower bound.
    public var budgetedShutdown: Duration? {
        if let shutdownSeconds { return .nanoseconds(Int64(shutdownSeconds * 1e9)) }
        return graceSeconds.map { .nanoseconds(Int64($0 * 1e9)) }
    }

    /// A finding when check saw no clean shutdown.
    public func finding(file: String) -> Finding? {
        guard verdict != .pass || shutdownSeconds == nil else { return nil }
        var message = "sigscope check verdict \(verdict.rawValue)"
        if let shutdownSeconds {
            message += ", shutdown took \(String(format: "%.3f", shutdownSeconds)) s"
        } else {
            message += ", no shutdown" + (graceSeconds.map { " within \(String(format: "%g", $0)) s" } ?? "")
        }
        if let exit { message += " (exit: \(exit))" }
        return Rule.checkReportFailed.finding(
            message, hint: "fix the shutdown first: the grace budget cannot be met", file: file)
    }
}
