import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The signal that interrupted sigscope (0: none). A signal handler may only touch lock-free state, so it is an
/// atomic that the check's wait loops read.
private let interruptingSignal = Atomic<Int32>(0)

/// SIGINT, SIGTERM and SIGHUP sent to sigscope itself. The command line installs the handler first thing, so a
/// signal in sigscope's first milliseconds is recorded rather than killing it by the default action. The handler
/// only records the signal; the check's loops, which never block longer than a few milliseconds, see it and stop
/// the service, its group and its descendants before sigscope exits, so nothing sigscope started is left running;
/// watch's tracer, which installs its own handler later, also ends on one recorded before that.
public enum Interruption {
    /// The signals that interrupt a check.
    public static let signals: [Signal] = [.int, .term, .hup]

    /// Installs the recording handler for `signals`. The corresponding C function is `sigaction`.
    public static func install() {
        var action = sigaction()
        action.__sigaction_handler = .init(sa_handler: { signal in
            interruptingSignal.store(signal, ordering: .relaxed)
        })
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        for signal in signals { sigaction(signal.rawValue, &action, nil) }
    }

    /// The signal that interrupted sigscope, if one has.
    public static var requested: Signal? {
        let value = interruptingSignal.load(ordering: .relaxed)
        return value == 0 ? nil : Signal(rawValue: value)
    }

    /// The error a check throws once it has cleaned up after an interruption.
    static func error(_ signal: Signal, pid: Int32) -> SigscopeError {
        SigscopeError(.interrupted, "interrupted by \(signal.name): stopped pid \(pid) and everything it started")
    }
}
