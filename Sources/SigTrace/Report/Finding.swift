/// How serious a finding is; `--fail-on` compares against it.
public enum Severity: String, Sendable, Hashable, Comparable, CaseIterable {
    case info, warning, error

    private var rank: Int {
        switch self {
        case .info: 0
        case .warning: 1
        case .error: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// Parses `error`, `warning` or `info` as given to `--fail-on`.
    public init(parsing text: String) throws(SigscopeError) {
        guard let value = Severity(rawValue: text.lowercased()) else {
            throw SigscopeError(.badInput, "unknown severity: \(text) (use error, warning or info)")
        }
        self = value
    }
}

/// One thing sigscope concluded, with a stable rule slug, the facts in the message and what to do about it.
/// Findings are made only from a `Rule` of the catalog, so every slug a command prints is listed by `sigscope rules`.
public struct Finding: Sendable, Hashable {
    /// The rule's stable slug, such as `pid1-sigterm-dropped`.
    public let rule: String
    public var severity: Severity
    /// The facts behind the finding, naming pids, signals and files.
    public var message: String
    /// What to change.
    public var hint: String
    /// Where the finding points, for `lint`: a file and a 1-based line.
    public var file: String?
    public var line: Int?

    /// A finding of `rule`, at the rule's severity unless `severity` overrides it.
    public init(_ rule: Rule, severity: Severity? = nil, message: String, hint: String, file: String? = nil,
                line: Int? = nil) {
        self.rule = rule.id
        self.severity = severity ?? rule.severity
        self.message = message
        self.hint = hint
        self.file = file
        self.line = line
    }

    /// The finding as a JSON object with the stable keys `rule`, `severity`, `message`, `hint`
    /// (and `file`, `line` where set).
    public var json: JSONValue {
        var fields: [(String, JSONValue)] = [
            ("rule", .string(rule)), ("severity", .string(severity.rawValue)), ("message", .string(message)),
            ("hint", .string(hint)),
        ]
        if let file { fields.append(("file", .string(file))) }
        if let line { fields.append(("line", .int(line))) }
        return .object(fields)
    }
}

extension Sequence where Element == Finding {
    /// True if any finding is at or above `threshold`.
    public func reaches(_ threshold: Severity) -> Bool { contains { $0.severity >= threshold } }
}
