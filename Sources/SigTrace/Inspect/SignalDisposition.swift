/// What happens to a process-directed signal (as `kill PID SIG` sends it) given the process's state.
public enum SignalOutcome: String, Sendable, Hashable {
    /// A handler, signalfd or sigwait takes it.
    case handled
    /// The default action terminates the process.
    case terminates
    /// The default action terminates the process with a core dump.
    case dumpsCore = "dumps-core"
    /// Ignored (SIG_IGN, or ignored by default): discarded.
    case ignored
    /// The process is the init of its PID namespace and has no handler: the kernel drops the signal.
    case dropped
    /// Blocked in every thread with nobody waiting for it: it stays pending forever.
    case staysPending = "stays-pending"
    /// Caught, but blocked in every thread right now: the handler runs when a thread unblocks it (mosquitto blocks
    /// its signals around each epoll_wait and unblocks them between waits).
    case deferred
    /// Caught by the language runtime's own handler, which re-raises it (the process dies of it) unless the program
    /// asked for the signal: Node without `process.on('SIGTERM')`, Go without `signal.Notify`, Ruby without a trap.
    case runtimeDecides = "runtime-decides"
    /// The default action stops the process.
    case stops
    /// The default action continues a stopped process.
    case continues
}

/// Who takes a handled signal.
public enum SignalHandler: String, Sendable, Hashable {
    /// An installed signal handler (sigaction).
    case handler
    /// A signalfd whose mask has the signal.
    case signalfd
    /// A thread waiting in sigwait/sigwaitinfo/sigtimedwait.
    case sigwait
    /// The Swift runtime's crash handler, which prints a backtrace and re-raises.
    case runtimeCrashHandler = "runtime-crash-handler"
    /// The language runtime's own handler (Go, Node, Ruby), which re-raises unless the program asked for the
    /// signal.
    case runtime
}

/// Whether a signal is blocked in all threads, some, or none.
public enum BlockedScope: String, Sendable, Hashable {
    case all, some, none
}

/// Where a signal is pending.
public enum PendingScope: String, Sendable, Hashable {
    case none, thread, shared, both
}

/// The masks of a process that decide every signal's outcome, combined over its threads once.
public struct ProcessMasks: Sendable, Hashable {
    public var blockedEverywhere: SignalSet
    public var blockedSomewhere: SignalSet
    public var ignored: SignalSet
    public var caught: SignalSet
    public var pendingThread: SignalSet
    public var pendingShared: SignalSet
    public var sigwaited: SignalSet
    public var signalfd: SignalSet
    public var namespaceInit: Bool
    /// The signals a Go program asked for with `signal.Notify`, from the runtime's own record (`GoSignalRecord`);
    /// nil when not a Go program or the record could not be read.
    public var runtimeWanted: SignalSet?

    public init(_ snapshot: ProcessSnapshot, runtimeWanted: SignalSet? = nil) {
        self.runtimeWanted = runtimeWanted
        blockedEverywhere = snapshot.blockedEverywhere
        blockedSomewhere = snapshot.blockedSomewhere
        ignored = snapshot.status.ignored
        caught = snapshot.status.caught
        pendingThread = snapshot.pendingThread
        pendingShared = snapshot.status.pendingShared
        sigwaited = snapshot.sigwaited
        signalfd = snapshot.signalfdMask
        namespaceInit = snapshot.status.isNamespaceInit
    }
}

/// The disposition of one signal in one process, and its effective outcome.
public struct SignalDisposition: Sendable, Hashable {
    public var signal: Signal
    public var blocked: BlockedScope
    public var ignored: Bool
    public var caught: Bool
    public var pending: PendingScope
    public var handledBy: SignalHandler?
    public var outcome: SignalOutcome

    /// Judges one signal. The kernel's rules (kernel/signal.c): an ignored signal is discarded unless it is
    /// blocked; a caught one runs its handler; otherwise a thread that does not block it takes the default
    /// action (for a namespace init the default is to drop it); if every thread blocks it, a sigwait thread or
    /// a signalfd reads it, or it stays pending.
    public init(_ signal: Signal, in masks: ProcessMasks, runtime: Runtime) {
        self.signal = signal
        let everywhere = masks.blockedEverywhere.contains(signal)
        blocked = everywhere ? .all : masks.blockedSomewhere.contains(signal) ? .some : .none
        ignored = masks.ignored.contains(signal)
        caught = masks.caught.contains(signal)
        let onThread = masks.pendingThread.contains(signal)
        let shared = masks.pendingShared.contains(signal)
        pending = onThread && shared ? .both : onThread ? .thread : shared ? .shared : .none
        let namespaceInit = masks.namespaceInit

        if signal == .kill {
            handledBy = nil
            outcome = .terminates
            return
        }
        if signal == .stop {
            handledBy = nil
            outcome = namespaceInit ? .dropped : .stops
            return
        }
        // A thread in sigwait has the signal unblocked while it waits, so the kernel delivers to it: that
        // counts as blocked-with-a-taker, not as a default action.
        let sigwaited = masks.sigwaited.contains(signal)
        let readers: SignalHandler? = sigwaited ? .sigwait : masks.signalfd.contains(signal) ? .signalfd : nil
        if ignored {
            // The kernel keeps blocked signals even when ignored (sig_ignored), so a signalfd still reads them.
            if everywhere, let readers {
                handledBy = readers
                outcome = .handled
            } else {
                handledBy = nil
                outcome = .ignored
            }
            return
        }
        // Blocked in every thread: no handler runs until something unblocks it; only a signalfd or a sigwait
        // thread takes it at once. A caught one waits for the program to unblock it, which it does if it blocks
        // only around its waits. (SIGCONT continues a stopped process when sent, blocked or not.)
        if everywhere && signal != .cont {
            handledBy = readers ?? (caught ? .handler : nil)
            outcome = readers != nil ? .handled : signal.defaultAction == .ignore ? .ignored
                : caught ? .deferred : .staysPending
            return
        }
        if caught {
            if runtime == .swift, Signal.swiftRuntimeCrashSignals.contains(signal) {
                handledBy = .runtimeCrashHandler
                outcome = .dumpsCore
            } else if Self.runtimeReraises(signal, runtime: runtime) {
                // The runtime's handler took it: the program's own wish decides, when the runtime's record says.
                // (As PID 1 the re-raised signal is dropped and Go exits with status 2: it ends all the same.)
                if let wanted = masks.runtimeWanted {
                    handledBy = wanted.contains(signal) ? .handler : .runtime
                    outcome = wanted.contains(signal) ? .handled : .terminates
                } else {
                    handledBy = .runtime
                    outcome = .runtimeDecides
                }
            } else {
                handledBy = .handler
                outcome = .handled
            }
            return
        }
        handledBy = nil
        switch signal.defaultAction {
        case .ignore: outcome = .ignored
        case .continue: outcome = .continues
        case .terminate: outcome = namespaceInit ? .dropped : .terminates
        case .core: outcome = namespaceInit ? .dropped : .dumpsCore
        case .stop: outcome = namespaceInit ? .dropped : .stops
        }
    }

    /// True when the runtime catches `signal` itself and re-raises it unless the program asked for it, as the
    /// knowledge base says of Go's, Node's and Ruby's TERM and INT.
    static func runtimeReraises(_ signal: Signal, runtime: Runtime) -> Bool {
        guard let entry = ProgramKnowledge.program(runtime: runtime) else { return false }
        return entry.meaning(of: signal)?.effect == .reraised
    }

    /// The disposition as JSON with the stable keys of `inspect --format json`.
    public var json: JSONValue {
        .object([
            ("signal", .string(signal.name)), ("number", .int(Int(signal.rawValue))),
            ("default_action", .string(signal.defaultAction.rawValue)), ("blocked", .string(blocked.rawValue)),
            ("ignored", .bool(ignored)), ("caught", .bool(caught)), ("pending", .string(pending.rawValue)),
            ("handled_by", .string(handledBy?.rawValue)), ("outcome", .string(outcome.rawValue)),
        ])
    }
}
