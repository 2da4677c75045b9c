/// A rule of any sigscope command: a stable identifier, the severity its findings usually carry, what it checks,
/// what to do about it and where the facts behind it come from. The catalog (`Rule.all`) feeds every finding,
/// SARIF's `rules` table, `sigscope rules` and `sigscope lint --list-rules`; no command writes a rule id by hand.
public struct Rule: Sendable, Hashable {
    /// The commands that report findings.
    public enum Command: String, Sendable, Hashable, CaseIterable {
        case inspect, check, lint
    }

    /// The stable slug, such as `pid1-sigterm-dropped`; users suppress lint findings with `# sigscope ignore=SLUG`.
    public let id: String
    /// The severity findings of this rule carry unless `severityVaries` says when it differs.
    public let severity: Severity
    /// The commands that report it (inspect's forecasts also appear in a check's findings).
    public let commands: [Command]
    /// What the rule checks, in one line.
    public let summary: String
    /// What it means for the service and what to do about it, in a sentence or two.
    public let help: String
    /// Where the facts behind the rule come from: the kernel, a manual page, a program's documentation.
    public let source: String
    /// When and why a finding's severity differs from `severity`; nil when it never does.
    public let severityVaries: String?

    init(_ id: String, _ severity: Severity, _ commands: [Command], _ summary: String, help: String,
         source: String, severityVaries: String? = nil) {
        self.id = id
        self.severity = severity
        self.commands = commands
        self.summary = summary
        self.help = help
        self.source = source
        self.severityVaries = severityVaries
    }

    /// A finding of this rule; `severity` overrides the rule's usual one (see `severityVaries`).
    public func finding(_ message: String, hint: String, file: String? = nil, line: Int? = nil,
                        severity: Severity? = nil) -> Finding {
        Finding(self, severity: severity, message: message, hint: hint, file: file, line: line)
    }

    /// Every rule, in the order documentation lists them: inspect's, check's, then lint's.
    public static let all: [Rule] = inspectRules + checkRules + lintRules

    private static let byID: [String: Rule] = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })

    /// The rule with this identifier.
    public static func named(_ id: String) -> Rule? { byID[id] }

    /// The rules `command` reports, in catalog order.
    public static func reported(by command: Command) -> [Rule] { all.filter { $0.commands.contains(command) } }

    /// The rule as a JSON object with the stable keys `id`, `severity`, `commands`, `summary`, `help`, `source`
    /// (and `severity_varies` where set).
    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("id", .string(id)), ("severity", .string(severity.rawValue)),
            ("commands", .array(commands.map { .string($0.rawValue) })), ("summary", .string(summary)),
            ("help", .string(help)), ("source", .string(source)),
        ]
        if let severityVaries { fields.append(("severity_varies", .string(severityVaries))) }
        return .object(fields)
    }
}
