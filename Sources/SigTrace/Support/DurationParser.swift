/// The one duration parser of sigscope: `30s`, `500ms`, `2m`, `1h`, `1.5s`, `250us`, and plain seconds (`30`).
public enum DurationParser {
    /// Parses a duration; throws a one-line error naming the text for anything else or a negative value.
    public static func parse(_ text: String) throws(SigscopeError) -> Duration {
        let trimmed = text.trimmingWhitespace().lowercased()
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("ns", 1e-9), ("s", 1),
                                         ("m", 60), ("h", 3600)]
        var number = Substring(trimmed)
        var scale = 1.0
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = trimmed.dropLast(suffix.count)
            scale = factor
            break
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number),
              value.isFinite, value >= 0, value * scale < 1e9
        else {
            throw SigscopeError(.badInput, "bad duration: '\(text)' (use 30s, 500ms, 2m or plain seconds)")
        }
        let nanoseconds = (value * scale * 1e9).rounded()
        return .nanoseconds(Int64(nanoseconds))
    }
}

extension Duration {
    /// The duration in seconds as a Double, for reports.
    public var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
