import Foundation

/// One moment of a check, for the text report's timeline.
public struct TimelineEvent: Sendable, Equatable {
    /// Seconds since the check started the service (or attached to it).
    public var seconds: Double
    public var text: String
}

/// What `sigscope check` found: the verdict, the findings and the evidence behind them.
public struct CheckResult: Sendable {
    public var verdict: CheckVerdict
    public var findings: [Finding]
    public var observation: ShutdownObservation
    public var timeline: [TimelineEvent]
    /// Seconds from start until the service was ready.
    public var readySeconds: Double?
    /// The last lines the service wrote (only when sigscope started it).
    public var outputTail: [String]
    /// With `--trace`: every signal, fork and exit the traced tree saw.
    public var trace: [SignalEvent]? = nil

    /// With `--load`: the traffic through the shutdown.
    public var load: LoadReport? { observation.load }

    /// Seconds from the signal to the SIGKILL'd process's death.
    public var killedAfterSeconds: Double? { observation.killedAfterSeconds }
}
