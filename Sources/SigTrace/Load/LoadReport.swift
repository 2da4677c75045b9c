/// The moments of a shutdown the load is read against, in CLOCK_MONOTONIC nanoseconds.
public struct ShutdownMoments: Sendable, Equatable {
    /// When the load started.
    public var loadStart: UInt64
    /// When termination began: the pre-stop hook's start, or the signal without one. The orchestrator starts
    /// removing the endpoint at this moment too, so the deregistration window opens here.
    public var terminationStart: UInt64
    /// The stop signal.
    public var signal: UInt64
    /// The first connection refused after the signal, if any: the listener was closed by then.
    public var listenerClosed: UInt64?
    /// The process's exit (or its death by SIGKILL).
    public var exit: UInt64?
    /// The end of the grace period, where SIGKILL goes out.
    public var graceEnd: UInt64
    /// How long new traffic keeps arriving after termination began.
    public var deregistrationDelay: Duration
    /// When the load stopped.
    public var loadEnd: UInt64

    public init(loadStart: UInt64, terminationStart: UInt64, signal: UInt64, listenerClosed: UInt64?, exit: UInt64?,
                graceEnd: UInt64, deregistrationDelay: Duration, loadEnd: UInt64) {
        self.loadStart = loadStart
        self.terminationStart = terminationStart
        self.signal = signal
        self.listenerClosed = listenerClosed
        self.exit = exit
        self.graceEnd = graceEnd
        self.deregistrationDelay = deregistrationDelay
        self.loadEnd = loadEnd
    }

    /// The end of the deregistration window.
    public var deregistrationEnd: UInt64 {
        terminationStart + UInt64(max(0, deregistrationDelay.seconds) * 1e9)
    }

    /// Seconds of `time` relative to the signal.
    public func seconds(_ time: UInt64) -> Double { (Double(time) - Double(signal)) / 1e9 }
}

/// The part of the shutdown a request started in.
public enum LoadPhase: String, Sendable, CaseIterable {
    /// Before the stop signal (the pre-stop hook included).
    case beforeSignal = "before_signal"
    /// From the signal to the listener's close.
    case drain
    /// After the listener closed.
    case afterListenerClose = "after_listener_close"

    public var title: String {
        switch self {
        case .beforeSignal: "before signal"
        case .drain: "drain"
        case .afterListenerClose: "after close"
        }
    }
}

/// The requests of one phase: counts per outcome, latency percentiles of the answered ones, first and last
/// failure.
public struct LoadPhaseTally: Sendable, Equatable {
    public var phase: LoadPhase
    public var requests: Int
    public var counts: [LoadOutcome: Int]
    /// Latency percentiles in seconds (50, 90, 99, max) of the requests that ended in `ok`; nil without one.
    public var latency: LatencyPercentiles?
    /// Seconds after the signal of the first and last failed request's start.
    public var firstFailure: Double?
    public var lastFailure: Double?

    public var failed: Int { requests - (counts[.ok] ?? 0) }
}

/// Latency percentiles in seconds.
public struct LatencyPercentiles: Sendable, Equatable {
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var max: Double
    public var mean: Double

    /// Nearest-rank percentiles of `nanoseconds` (sorted here); nil for none.
    public init?(nanoseconds: [UInt64]) {
        guard !nanoseconds.isEmpty else { return nil }
        let sorted = nanoseconds.sorted()
        func rank(_ share: Double) -> Double {
            let index = Swift.min(sorted.count - 1, Swift.max(0, Int((share * Double(sorted.count)).rounded(.up)) - 1))
            return Double(sorted[index]) / 1e9
        }
        p50 = rank(0.5)
        p90 = rank(0.9)
        p99 = rank(0.99)
        max = Double(sorted[sorted.count - 1]) / 1e9
        mean = Double(sorted.reduce(0, +)) / Double(sorted.count) / 1e9
    }
}

/// What the load saw through the shutdown: the requests per phase and the evidence the traffic rules judge.
public struct LoadReport: Sendable {
    public var url: String
    public var rate: LoadRate
    public var keepAlive: Int
    public var moments: ShutdownMoments
    public var records: [LoadRecord]
    public var idleCloses: [IdleClose]
    public var skipped: Int
    public var phases: [LoadPhaseTally]

    public init(url: String, rate: LoadRate, keepAlive: Int, moments: ShutdownMoments, outcome: LoadGenerator.Outcome) {
        self.url = url
        self.rate = rate
        self.keepAlive = keepAlive
        self.moments = moments
        records = outcome.records.sorted { $0.start < $1.start }
        idleCloses = outcome.idleCloses
        skipped = outcome.skipped
        phases = LoadPhase.allCases.map { [records] phase in
            Self.tally(records.filter { moments.phase(of: $0.start) == phase }, phase: phase, moments: moments)
        }
    }

    /// Every request, whatever its phase.
    public var total: LoadPhaseTally {
        Self.tally(records, phase: .beforeSignal, moments: moments)
    }

    static func tally(_ records: [LoadRecord], phase: LoadPhase, moments: ShutdownMoments) -> LoadPhaseTally {
        var counts: [LoadOutcome: Int] = [:]
        var latencies: [UInt64] = []
        latencies.reserveCapacity(records.count)
        var first: UInt64?
        var last: UInt64?
        for record in records {
            counts[record.outcome, default: 0] += 1
            if record.outcome == .ok {
                latencies.append(record.latency)
            } else {
                first = first.map { min($0, record.start) } ?? record.start
                last = last.map { max($0, record.start) } ?? record.start
            }
        }
        return LoadPhaseTally(phase: phase, requests: records.count, counts: counts,
                              latency: LatencyPercentiles(nanoseconds: latencies),
                              firstFailure: first.map(moments.seconds), lastFailure: last.map(moments.seconds))
    }

    /// The requests that count against the service: started before the deregistration window closed, still
    /// under way when termination began, and failed. Requests after the window would not reach it in production.
    public var failedWhileDeregistering: [LoadRecord] {
        records.filter {
            $0.outcome.failed && $0.start <= moments.deregistrationEnd && $0.end >= moments.terminationStart
                && !($0.reused && ($0.outcome == .reset || $0.outcome == .cutBody))
        }
    }

    /// Requests sent on a reused kept-alive connection after termination began that were reset or cut, inside the
    /// deregistration window (after it, clients would have moved on).
    public var keepAliveFailures: [LoadRecord] {
        records.filter {
            $0.reused && ($0.outcome == .reset || $0.outcome == .cutBody) && $0.end >= moments.terminationStart
                && $0.start <= max(moments.deregistrationEnd, moments.signal)
        }
    }

    /// Idle kept-alive connections closed after the signal without a `Connection: close` first, while traffic was
    /// still arriving: inside the deregistration window when there is one (closing them once it has passed is
    /// the fix), any time after the signal when there is none.
    public var unannouncedIdleCloses: [IdleClose] {
        idleCloses.filter {
            !$0.announced && $0.at >= moments.signal
                && (moments.deregistrationDelay <= .zero || $0.at <= moments.deregistrationEnd)
        }
    }

    /// One character per `bucket` nanoseconds from the load's start to its end: the worst outcome of the requests
    /// started in it (`.` ok, `R` refused, `X` reset, `T` timeout, `5`, `C` cut body, `?` other, space: none).
    public func strip(bucket: UInt64) -> String {
        guard bucket > 0, moments.loadEnd > moments.loadStart else { return "" }
        let count = Int((moments.loadEnd - moments.loadStart + bucket - 1) / bucket)
        var worst = [LoadOutcome?](repeating: nil, count: max(1, count))
        for record in records where record.start >= moments.loadStart {
            let index = min(worst.count - 1, Int((record.start - moments.loadStart) / bucket))
            worst[index] = worst[index].map { max($0, record.outcome) } ?? record.outcome
        }
        return String(worst.map { $0?.symbol ?? " " })
    }

    /// The strip's bucket: 100 ms, doubled until the strip fits in `width` characters.
    public func stripBucket(width: Int) -> UInt64 {
        var bucket: UInt64 = 100_000_000
        while moments.loadEnd > moments.loadStart, (moments.loadEnd - moments.loadStart) / bucket >= UInt64(width) {
            bucket *= 2
        }
        return bucket
    }
}

extension ShutdownMoments {
    /// The phase a request started at `time` belongs to.
    public func phase(of time: UInt64) -> LoadPhase {
        if time < signal { return .beforeSignal }
        if let listenerClosed, time >= listenerClosed { return .afterListenerClose }
        if let exit, time >= exit { return .afterListenerClose }
        return .drain
    }
}
