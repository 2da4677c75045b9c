import CProcfs

/// SIGINT, SIGTERM and SIGHUP sent to sigscope itself. The sigscope executable records them from its first
/// instruction (CProcfs installs the handler from `.preinit_array`, before the Swift runtime and the argument
/// parser start), so a signal in its first milliseconds is recorded rather than killing it by the default action.
/// The handler only records the signal; the check's loops, which never block longer than a few milliseconds, see
/// it and stop the service, its group and its descendants before sigscope exits, so nothing sigscope started is
/// left running; watch's tracer, which installs its own handler later, also ends on one recorded before that.
public enum Interruption {
    /// The signals that interrupt a check.
    public static let signals: [Signal] = [.int, .term, .hup]

    /// Installs the recording handler for `signals` (again, in sigscope; for the first time in another program
    /// using SigTrace, such as the tests). The corresponding C function is `sigaction`.
    public static func install() {
        cprocfs_interruption_install()
    }

    /// The signal that interrupted sigscope, if one has.
    public static var requested: Signal? {
        let value = cprocfs_interruption_signal()
        return value == 0 ? nil : Signal(rawValue: value)
    }

    /// The error a check throws once it has cleaned up after an interruption.
    static func error(_ signal: Signal, pid: Int32) -> SigscopeError {
        SigscopeError(.interrupted, "interrupted by \(signal.name): stopped pid \(pid) and everything it started")
    }
}
