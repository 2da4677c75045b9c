/// The duration syntaxes of the files sigscope lints, beside its own (`DurationParser.parse`): systemd's time
/// spans and Go's `time.ParseDuration`, which Docker Compose uses. A separate entry point per syntax, because
/// the same text means different things in each (`5m` is five minutes in both, `5M` is five months to systemd
/// and an error to Go, a bare `90` is seconds to systemd and an error to Go).
extension DurationParser {
    /// A parsed systemd time span: a finite duration, or `infinity` (which systemd also makes of `0` for
    /// timeouts: "Traditionally, these options accepted 0 to disable the timeouts").
    public enum TimeSpan: Sendable, Hashable {
        case finite(Duration)
        case infinity
    }

    /// systemd's units (systemd.time(7)), longest spelling first within each so `min` is not read as `m` + `in`.
    static let systemdUnits: [(String, Double)] = [
        ("usec", 1e-6), ("us", 1e-6), ("µs", 1e-6),
        ("msec", 1e-3), ("ms", 1e-3),
        ("seconds", 1), ("second", 1), ("sec", 1), ("s", 1),
        ("minutes", 60), ("minute", 60), ("min", 60), ("months", 2_629_800), ("month", 2_629_800), ("M", 2_629_800),
        ("m", 60),
        ("hours", 3600), ("hour", 3600), ("hr", 3600), ("h", 3600),
        ("days", 86400), ("day", 86400), ("d", 86400),
        ("weeks", 604_800), ("week", 604_800), ("w", 604_800),
        ("years", 31_557_600), ("year", 31_557_600), ("y", 31_557_600),
    ]

    /// Parses a systemd time span as `TimeoutStopSec=` takes it (systemd.time(7)): `90`, `5min 20s`, `1h30min`,
    /// `1.5s`, `infinity`. A number without a unit is seconds. Throws a one-line error for anything else.
    public static func parseSystemdTimeSpan(_ text: String) throws(SigscopeError) -> TimeSpan {
        let trimmed = text.trimmingWhitespace()
        if trimmed == "infinity" { return .infinity }
        var rest = Substring(trimmed)
        var total = 0.0
        var parts = 0
        while !rest.isEmpty {
            while let first = rest.first, first == " " || first == "\t" { rest.removeFirst() }
            if rest.isEmpty { break }
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { throw badSpan(text) }
            rest = rest.dropFirst(number.count)
            while let first = rest.first, first == " " || first == "\t" { rest.removeFirst() }
            let word = rest.prefix { $0.isLetter || $0 == "µ" }
            var factor = 1.0
            if !word.isEmpty {
                guard let unit = systemdUnits.first(where: { $0.0 == word }) else { throw badSpan(text) }
                factor = unit.1
                rest = rest.dropFirst(word.count)
            }
            total += value * factor
            parts += 1
        }
        guard parts > 0, total.isFinite, total < 1e12 else { throw badSpan(text) }
        return .finite(.nanoseconds(Int64((total * 1e9).rounded())))
    }

    static func badSpan(_ text: String) -> SigscopeError {
        SigscopeError(.badInput, "bad systemd time span: '\(text)' (use 90, 90s, 1min 30s or infinity)")
    }

    /// Go's units (`time.ParseDuration`).
    static let goUnits: [(String, Double)] = [("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("μs", 1e-6), ("ms", 1e-3),
                                              ("s", 1), ("m", 60), ("h", 3600)]

    /// Parses a duration the way Go's `time.ParseDuration` does, as Compose reads `stop_grace_period` and
    /// healthcheck intervals: `10s`, `1m30s`, `1.5s`, `300ms`, or `0`. Every number needs a unit.
    public static func parseGoDuration(_ text: String) throws(SigscopeError) -> Duration {
        let trimmed = text.trimmingWhitespace()
        if trimmed == "0" || trimmed == "+0" { return .zero }
        var rest = Substring(trimmed)
        if rest.first == "+" { rest.removeFirst() }
        var total = 0.0
        guard !rest.isEmpty else { throw badGo(text) }
        while !rest.isEmpty {
            let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
            guard !number.isEmpty, let value = Double(number) else { throw badGo(text) }
            rest = rest.dropFirst(number.count)
            let word = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
            guard let unit = goUnits.first(where: { $0.0 == word }) else { throw badGo(text) }
            rest = rest.dropFirst(word.count)
            total += value * unit.1
        }
        guard total.isFinite, total < 1e10 else { throw badGo(text) }
        return .nanoseconds(Int64((total * 1e9).rounded()))
    }

    static func badGo(_ text: String) -> SigscopeError {
        SigscopeError(.badInput, "bad duration: '\(text)' (Compose takes Go durations: 10s, 1m30s, 1.5s, 300ms)")
    }
}
