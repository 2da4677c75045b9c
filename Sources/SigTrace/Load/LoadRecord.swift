/// How one request of the load ended, as a client of the service would count it.
public enum LoadOutcome: String, Sendable, Hashable, CaseIterable, Comparable {
    /// A 2xx status and the whole body.
    case ok
    /// The connect was refused: nothing listens any more (a 502 at a proxy).
    case refused
    /// The connection was reset or closed before any response byte arrived.
    case reset
    /// No whole response before the request's deadline (a listener that still accepts but nobody serves).
    case timeout
    /// A 5xx status.
    case serverError = "5xx"
    /// A response head arrived but the body was cut short.
    case cutBody = "cut_body"
    /// A status outside 2xx and 5xx (a 3xx or 4xx), or bytes that are not HTTP.
    case other

    /// True for every outcome but `ok`.
    public var failed: Bool { self != .ok }

    /// The character that stands for the outcome in the text strip: `.` ok, `R` refused, `X` reset, `T` timeout,
    /// `5` 5xx, `C` cut body, `?` other.
    public var symbol: Character {
        switch self {
        case .ok: "."
        case .refused: "R"
        case .reset: "X"
        case .timeout: "T"
        case .serverError: "5"
        case .cutBody: "C"
        case .other: "?"
        }
    }

    /// Ordered by how bad: the worst outcome of a time slot is what the strip shows.
    private var rank: Int {
        switch self {
        case .ok: 0
        case .other: 1
        case .serverError: 2
        case .timeout: 3
        case .cutBody: 4
        case .refused: 5
        case .reset: 6
        }
    }

    public static func < (lhs: LoadOutcome, rhs: LoadOutcome) -> Bool { lhs.rank < rhs.rank }
}

/// One request the load generator sent and what became of it. Times are CLOCK_MONOTONIC nanoseconds.
public struct LoadRecord: Sendable, Equatable {
    /// When the request was started (its connect, or its send on a kept-alive connection).
    public var start: UInt64
    /// When its outcome was known.
    public var end: UInt64
    public var outcome: LoadOutcome
    /// Sent on one of the `--keepalive` connections (which stay open between requests), not a fresh one.
    public var keepAlive: Bool
    /// Sent over a kept-alive connection that had already served a response.
    public var reused: Bool
    /// The status code, when a final response head arrived.
    public var status: Int?

    public init(start: UInt64, end: UInt64, outcome: LoadOutcome, keepAlive: Bool, reused: Bool, status: Int?) {
        self.start = start
        self.end = end
        self.outcome = outcome
        self.keepAlive = keepAlive
        self.reused = reused
        self.status = status
    }

    /// Nanoseconds from start to outcome.
    public var latency: UInt64 { end >= start ? end - start : 0 }
}

/// An idle kept-alive connection the service closed or reset while no request was on it.
public struct IdleClose: Sendable, Equatable {
    /// When sigscope saw the close (CLOCK_MONOTONIC nanoseconds).
    public var at: UInt64
    /// True for a reset (RST), false for an orderly close (FIN).
    public var reset: Bool
    /// True when the last response on the connection had announced `Connection: close`.
    public var announced: Bool
}

/// A load rate as `--load` takes it: `200/s`, `200` (per second), `12000/m`, or `max` (every connection sends its
/// next request as soon as the last one is answered, as wrk does).
public enum LoadRate: Sendable, Equatable, CustomStringConvertible {
    case perSecond(Double)
    case max

    /// The highest steady rate accepted.
    public static let ceiling = 100_000.0

    /// Parses `--load`; throws a one-line error for anything else.
    public init(parsing text: String) throws(SigscopeError) {
        let trimmed = text.trimmingWhitespace().lowercased()
        if trimmed == "max" {
            self = .max
            return
        }
        var number = Substring(trimmed)
        var scale = 1.0
        if trimmed.hasSuffix("/s") {
            number = number.dropLast(2)
        } else if trimmed.hasSuffix("/m") {
            number = number.dropLast(2)
            scale = 1.0 / 60
        }
        guard !number.isEmpty, number.allSatisfy({ $0.isNumber || $0 == "." }), let value = Double(number),
              value.isFinite, value * scale > 0, value * scale <= Self.ceiling else {
            throw SigscopeError(.badInput, "--load '\(text)': give requests per second such as 200/s (at most "
                + "\(Int(Self.ceiling))/s), or max")
        }
        self = .perSecond(value * scale)
    }

    public var description: String {
        switch self {
        case .perSecond(let rate):
            rate == rate.rounded() ? "\(Int(rate))/s" : "\((rate * 100).rounded() / 100)/s"
        case .max: "max"
        }
    }
}
