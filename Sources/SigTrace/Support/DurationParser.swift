/// The one duration parser of sigscope: `30s`, `500ms`, `2m`, `1h`, `1.5s`, `250us`, plain seconds (`30`), and
/// Go's and Kubernetes' compounds (`1m30s`, `1h2m`, `2h45m30.5s`), as `time.ParseDuration` reads them.
public enum DurationParser {
    /// What a bad duration is told to use instead, in every message that refuses one.
    public static let accepted = "use 30s, 1m30s, 500ms, 2h or plain seconds"

    /// Parses a duration; throws a one-line error naming the text for anything else or a negative value.
    public static func parse(_ text: String) throws(SigscopeError) -> Duration {
        let trimmed = text.trimmingWhitespace().lowercased()
        guard let seconds = seconds(in: trimmed), seconds.isFinite, seconds < 1e9 else {
            throw SigscopeError(.badInput, "bad duration: '\(text)' (\(accepted))")
        }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// A duration as it would be typed, the form `parse` reads back: `30s`, `500ms`, `1m30s`, `1.5s`, `2h`.
    public static func text(_ duration: Duration) -> String {
        let parts = duration.components
        let nanoseconds = parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000
        guard nanoseconds > 0 else { return nanoseconds == 0 ? "0s" : "-" + text(.zero - duration) }
        if nanoseconds < 1_000_000_000 {
            if nanoseconds % 1_000_000 == 0 { return "\(nanoseconds / 1_000_000)ms" }
            if nanoseconds % 1_000 == 0 { return "\(nanoseconds / 1_000)us" }
            return "\(nanoseconds)ns"
        }
        let hours = nanoseconds / 3_600_000_000_000
        let minutes = nanoseconds / 60_000_000_000 % 60
        let rest = nanoseconds % 60_000_000_000
        var text = ""
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if rest > 0 {
            var seconds = String(rest / 1_000_000_000)
            if rest % 1_000_000_000 != 0 {
                var fraction = String(rest % 1_000_000_000)
                fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
                while fraction.hasSuffix("0") { fraction.removeLast() }
                seconds += "." + fraction
            }
            text += seconds + "s"
        }
        return text
    }

    /// The units Go's `time.ParseDuration` knows, in seconds.
    private static let units: [Substring: Double] = [
        "ns": 1e-9, "us": 1e-6, "µs": 1e-6, "μs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600,
    ]

    /// The seconds a duration text stands for: a plain number, or a sequence of numbers each with its unit.
    private static func seconds(in text: String) -> Double? {
        func isNumeral(_ character: Character) -> Bool { character.isASCII && (character.isNumber || character == ".") }
        guard !text.isEmpty else { return nil }
        if text.allSatisfy(isNumeral) { return Double(text) }
        var rest = Substring(text)
        var total = 0.0
        while !rest.isEmpty {
            let number = rest.prefix(while: isNumeral)
            guard !number.isEmpty, let value = Double(number) else { return nil }
            rest = rest.dropFirst(number.count)
            let unit = rest.prefix { !isNumeral($0) }
            guard let scale = units[unit] else { return nil }
            rest = rest.dropFirst(unit.count)
            total += value * scale
        }
        return total
    }
}

extension Duration {
    /// The duration in seconds as a Double, for reports.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
