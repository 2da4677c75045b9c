/// What `check --load` asks for: the traffic and the window in which it keeps arriving after termination begins.
public struct LoadSettings: Sendable {
    public var generator: LoadGenerator.Configuration
    /// How long the load runs before termination begins, so the before-signal phase has a baseline.
    public var leadIn: Duration = .milliseconds(500)
    /// How long new traffic keeps arriving after termination begins (`--deregistration-delay`).
    public var deregistrationDelay: Duration = .zero

    public init(generator: LoadGenerator.Configuration) { self.generator = generator }
}

/// check's load, from readiness until the process is gone and the deregistration window has passed: the
/// generator and the moments its report is read against.
struct CheckLoad {
    let settings: LoadSettings
    let generator: LoadGenerator
    let start: UInt64

    /// Starts the generator.
    init(settings: LoadSettings) throws(SigscopeError) {
        self.settings = settings
        generator = try LoadGenerator(configuration: settings.generator)
        start = Clocks.monotonicNanoseconds()
        generator.start()
    }

    /// When the load may stop: the exit, or the end of the deregistration window if that is later (traffic keeps
    /// arriving whether or not anything still listens).
    func end(terminationStart: UInt64, exit: UInt64) -> UInt64 {
        max(exit, terminationStart + UInt64(settings.deregistrationDelay.seconds * 1e9))
    }

    /// Stops the generator and reads its requests against the shutdown's moments. `probeClosed` is when
    /// `--probe` was first refused, if it was.
    func finish(terminationStart: UInt64, signal: UInt64, exit: UInt64?, graceEnd: UInt64, probeClosed: UInt64?)
        -> LoadReport
    {
        let outcome = generator.finish()
        let loadEnd = Clocks.monotonicNanoseconds()
        let refused = outcome.records.filter { $0.outcome == .refused && $0.start >= signal }.map(\.start).min()
        let closed = [refused, probeClosed].compactMap { $0 }.min()
        let moments = ShutdownMoments(loadStart: start, terminationStart: terminationStart, signal: signal,
                                      listenerClosed: closed, exit: exit, graceEnd: graceEnd,
                                      deregistrationDelay: settings.deregistrationDelay, loadEnd: loadEnd)
        return LoadReport(url: settings.generator.url.absoluteString, rate: settings.generator.rate,
                          keepAlive: settings.generator.keepAlive, moments: moments, outcome: outcome)
    }
}

extension CheckRun {
    /// Starts `--load` once the service is ready and runs it for the lead-in; a reason if the service exits.
    mutating func startLoad() throws(SigscopeError) -> NotReady? {
        guard let settings = config.load else { return nil }
        load = try CheckLoad(settings: settings)
        note(.load, "load: \(settings.generator.rate) to \(settings.generator.url.absoluteString)"
             + (settings.generator.keepAlive > 0 ? ", \(settings.generator.keepAlive) kept-alive" : ""))
        let end = now + UInt64(settings.leadIn.seconds * 1e9)
        while now < end {
            try checkInterrupted()
            if watch.waitForExit(timeout: .nanoseconds(Int64(min(end - min(now, end), 10_000_000)))) {
                return .exitedBeforeSignal
            }
        }
        return nil
    }

    /// When termination began: the start of the pre-stop, or the signal when there was none.
    var terminationStart: UInt64 { preStopStartedAt.map { min($0, signalAt) } ?? signalAt }

    /// When the service was gone, from how the shutdown ended.
    func exitMoment(_ end: ShutdownEnd) -> UInt64? {
        switch end {
        case .exited(let seconds, _): signalAt + UInt64(max(0, seconds) * 1e9)
        case .killed(let after, _): after.map { signalAt + UInt64(max(0, $0) * 1e9) }
        case .notReady: nil
        }
    }

    /// Traffic keeps arriving until the deregistration window closes, whether anything listens or not.
    mutating func keepLoadThroughWindow(_ end: ShutdownEnd) throws(SigscopeError) {
        guard let load else { return }
        let until = load.end(terminationStart: terminationStart, exit: exitMoment(end) ?? now)
        while now < until {
            try checkInterrupted()
            Clocks.sleep(for: .nanoseconds(Int64(min(until - min(now, until), 10_000_000))))
        }
    }

    /// Without `--load`, `--probe` keeps opening new connections until the preset's deregistration window closes
    /// or the listener refuses one: traffic still routed to the service arrives then, and a service that exited
    /// (or closed its listener) inside the window refuses it. Bounded by the window; at once when the probe has
    /// already seen a refusal or the window has passed.
    mutating func keepProbingThroughWindow(_ end: ShutdownEnd) throws(SigscopeError) {
        guard load == nil, let probe, config.platformWindow > .zero else { return }
        let until = terminationStart + UInt64(config.platformWindow.seconds * 1e9)
        while now < until && !probe.sawRefusal {
            try checkInterrupted()
            Clocks.sleep(for: .nanoseconds(Int64(min(until - min(now, until), 5_000_000))))
        }
    }

    /// Stops the load and puts its report in the observation, its moments on the timeline. Without `--load`, a
    /// preset's window is said to be untested.
    mutating func finishLoad(_ observation: inout ShutdownObservation) {
        guard let load else {
            let window = config.platformWindow
            guard window > .zero else { return }
            observation.untestedWindow = window
            observation.platform = config.platform
            note(.load, UntestedWindow.timelineText(window: window, platform: config.platform)
                 + "; --load RATE does", at: terminationStart)
            note(.load, "deregistration window ends (\(ShutdownVerdict.format(window.seconds)) s, untested)",
                 at: terminationStart + UInt64(window.seconds * 1e9))
            return
        }
        let probeClosed = observation.probe?.listenerClosedSeconds.map { signalAt + UInt64(max(0, $0) * 1e9) }
        let report = load.finish(terminationStart: terminationStart, signal: signalAt,
                                 exit: exitMoment(observation.end), graceEnd: terminationStart
                                     + UInt64(config.grace.seconds * 1e9), probeClosed: probeClosed)
        observation.load = report
        observation.platform = config.platform
        let m = report.moments
        if m.deregistrationDelay > .zero {
            note(.load, "load: deregistration window ends (\(ShutdownVerdict.format(m.deregistrationDelay.seconds)) s)",
                 at: m.deregistrationEnd)
        }
        let failures = report.records.filter { $0.outcome.failed && $0.start >= m.terminationStart }
        if let first = failures.first {
            note(.load, "load: first failure after termination began (\(first.outcome.label))", at: first.start)
        }
        if let last = failures.last, failures.count > 1 {
            note(.load, "load: last failure (\(last.outcome.label)), \(failures.count) in all", at: last.start)
        }
        let total = report.total
        note(.load, "load: \(total.requests) requests, \(total.counts[.ok] ?? 0) ok, \(total.failed) failed",
             at: m.loadEnd)
    }
}
