import Foundation

/// One moment of a check, for the text report's timeline: what kind of moment it is (for programs) and the text
/// (for people).
public struct TimelineEvent: Sendable, Equatable {
    /// What happened, as the JSON's `kind` names it (docs/json.md lists them).
    public enum Kind: String, Sendable, CaseIterable {
        case started, attached, container, ready, notReady = "not-ready", load, preStop = "pre-stop", settled
        case requestsSent = "requests-sent", forecast, tracing, signal, exit, sigkill, leftovers, request, probe
        case kernel, trace, connections, recordedExit = "recorded-exit", forecastWrong = "forecast-wrong"
    }

    /// Seconds since the check started the service (or attached to it).
    public var seconds: Double
    public var kind: Kind
    public var text: String

    public init(seconds: Double, kind: Kind, text: String) {
        self.seconds = seconds
        self.kind = kind
        self.text = text
    }
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
    /// Forecast findings the clean shutdown proved wrong; left out of `findings`.
    public var contradictedForecast: [Finding] = []
    /// When the stop signal went out (`Clocks.monotonicNanoseconds`), to line the check up with another clock.
    public var signalMonotonicNanoseconds: UInt64? = nil
    /// The wall clock (seconds since the epoch) at the timeline's second 0, for its ISO 8601 times.
    public var startedWallSeconds: Double? = nil

    /// With `--load`: the traffic through the shutdown.
    public var load: LoadReport? { observation.load }

    /// Seconds from the signal to the SIGKILL'd process's death.
    public var killedAfterSeconds: Double? { observation.killedAfterSeconds }
}
