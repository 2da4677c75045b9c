import ArgumentParser
import SigTrace

/// A value the argument parser reads for sigscope's shared options (a pid, a duration, a signal, a signal list).
/// One parser per value, the one SigTrace uses everywhere, so every command refuses a bad value with the same
/// words; the parser's reason is added to the argument parser's "is invalid" line by `ArgumentValues.explain`.
protocol ArgumentValue: ExpressibleByArgument {
    /// The placeholder that stands for the value in help and usage lines, such as `duration`.
    static var placeholder: String { get }
    /// Reads the value, or throws the one-line reason it is not one.
    static func parse(_ text: String) throws(SigscopeError) -> Self
}

extension ArgumentValue {
    public init?(argument: String) {
        guard let value = try? Self.parse(argument) else { return nil }
        self = value
    }
}

/// A process id given on the command line: a whole number above 0, spaces around it ignored.
struct ProcessID: ArgumentValue, Hashable, CustomStringConvertible {
    static let placeholder = "pid"
    let rawValue: Int32

    static func parse(_ text: String) throws(SigscopeError) -> ProcessID {
        guard let number = Int32(text.trimmingCharacters(in: .whitespaces)), number > 0 else {
            throw SigscopeError(.badInput, "not a process id: '\(text)'")
        }
        return ProcessID(rawValue: number)
    }

    var description: String { String(rawValue) }
}

extension Duration: @retroactive ExpressibleByArgument {}
extension Duration: ArgumentValue {
    static let placeholder = "duration"
    static func parse(_ text: String) throws(SigscopeError) -> Duration { try DurationParser.parse(text) }

    /// The duration as it would be typed: `30s`, `500ms`, `1m30s`.
    public var defaultValueDescription: String { DurationParser.text(self) }
}

extension Signal: ExpressibleByArgument {}
extension Signal: ArgumentValue {
    static let placeholder = "signal"
    static func parse(_ text: String) throws(SigscopeError) -> Signal { try Signal(parsing: text) }
    // Stated here: a RawRepresentable would otherwise read the bare number through its raw value.
    public init?(argument: String) {
        guard let value = try? Self.parse(argument) else { return nil }
        self = value
    }
    public var defaultValueDescription: String { name }
}

extension SignalSet: ExpressibleByArgument {}
extension SignalSet: ArgumentValue {
    static let placeholder = "signals"
    static func parse(_ text: String) throws(SigscopeError) -> SignalSet { try Signal.parseList(text) }
    // Stated here: a RawRepresentable would otherwise read the bare number through its raw value.
    public init?(argument: String) {
        guard let value = try? Self.parse(argument) else { return nil }
        self = value
    }
}

extension ReadinessProbe: ExpressibleByArgument {}
extension ReadinessProbe: ArgumentValue {
    static let placeholder = "probe"
    static func parse(_ text: String) throws(SigscopeError) -> ReadinessProbe { try ReadinessProbe(parsing: text) }
}

/// strace's `-e signal=LIST` for `watch`: `signal=TERM,INT`, `signal=!IO` (all but these), `signal=all`,
/// `signal=none`; `signals=` and `s=` as strace also reads them.
struct StraceSignalFilter: ArgumentValue {
    static let placeholder = "expr"
    /// The signals shown.
    let signals: SignalSet

    static func parse(_ text: String) throws(SigscopeError) -> StraceSignalFilter {
        let parts = text.split(separator: "=", maxSplits: 1)
        guard parts.count == 2, ["signal", "signals", "s"].contains(parts[0]) else {
            throw SigscopeError(.badInput, "-e \(text): sigscope traces signals only, give -e signal=LIST")
        }
        var list = parts[1]
        let negated = list.hasPrefix("!")
        if negated { list.removeFirst() }
        let named: SignalSet = switch list.lowercased() {
        case "all": SignalSet(rawValue: .max)
        case "none": SignalSet()
        default: try Signal.parseList(String(list))
        }
        return StraceSignalFilter(signals: negated ? SignalSet(rawValue: ~named.rawValue) : named)
    }
}

/// A lint rule's slug, as `--ignore` takes it; `all` stands for every rule.
struct LintRuleName: ArgumentValue {
    static let placeholder = "rule"
    let id: String

    static func parse(_ text: String) throws(SigscopeError) -> LintRuleName {
        guard text == "all" || Suppression.isLintRule(text) else {
            throw SigscopeError(.badInput, "unknown rule '\(text)' (see `sigscope lint --list-rules`)")
        }
        return LintRuleName(id: text)
    }
}

/// lint's `--shutdown`: a measured shutdown time for every container (`20s`), or for the container or Compose
/// service NAME (`NAME=20s`). Its placeholder is `duration`, so a refused one is explained by the duration parser.
struct ShutdownTime: ArgumentValue {
    static let placeholder = "duration"
    /// Nil: every container without a time of its own.
    let name: String?
    let duration: Duration

    static func parse(_ text: String) throws(SigscopeError) -> ShutdownTime {
        let parts = text.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return ShutdownTime(name: nil, duration: try DurationParser.parse(text)) }
        guard !parts[0].isEmpty else {
            throw SigscopeError(.badInput, "'\(text)' names no container (use NAME=20s, or 20s for all)")
        }
        return ShutdownTime(name: String(parts[0]), duration: try DurationParser.parse(String(parts[1])))
    }
}

/// lint's `--type` for `lint -`: what standard input holds.
enum StandardInputType: String, ExpressibleByArgument, CaseIterable {
    case dockerfile, manifest, systemd, compose

    var kind: LintedFile.Kind {
        switch self {
        case .dockerfile: .dockerfile
        case .manifest: .manifest
        case .systemd: .systemd
        case .compose: .compose
        }
    }
}

/// `--fail-on`: the severity from which a finding makes the exit code 1, or `none` for never.
enum FailOn: String, ExpressibleByArgument, CaseIterable {
    case error, warning, info, none

    /// The threshold findings are compared with; nil for `none`.
    var threshold: Severity? { Severity(rawValue: rawValue) }
}

/// The shared value types, found by their placeholder to explain a value the argument parser refused.
enum ArgumentValues {
    static let all: [any ArgumentValue.Type] = [
        ProcessID.self, ShutdownTime.self, Duration.self, Signal.self, SignalSet.self, StraceSignalFilter.self,
        ReadinessProbe.self,
        LintRuleName.self,
    ]

    /// The argument parser's line for a refused value, `The value 'soon' is invalid for '--grace <duration>'`, told
    /// with the value type's reason instead: `--grace: bad duration: 'soon' (use 30s, ...)`. Other messages, and
    /// values of types not shared here, as they are.
    static func explain(_ message: String) -> String {
        guard let match = message.firstMatch(of: /^The value '(.*)' is invalid for '([^' ]*) ?<([a-z-]+)>'$/),
              let type = all.first(where: { $0.placeholder == match.output.3 })
        else { return message }
        let option = String(match.output.2)
        do {
            _ = try type.parse(String(match.output.1))
            return message
        } catch {
            if option.isEmpty || error.message.hasPrefix(option + " ") { return error.message }
            return "\(option): \(error.message)"
        }
    }
}
