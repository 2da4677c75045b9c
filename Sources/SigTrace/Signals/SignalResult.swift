/// What the kernel did with a signal when it was generated: the `result` of the `signal:signal_generate`
/// tracepoint (include/trace/events/signal.h, set in kernel/signal.c `__send_signal_locked`), with the
/// "ignored" case split by its cause where sigscope can tell.
public enum SignalResult: String, Sendable, Hashable, CaseIterable {
    /// TRACE_SIGNAL_DELIVERED (0): queued for the target. A blocked signal is "delivered" too: it stays pending.
    case delivered
    /// TRACE_SIGNAL_IGNORED (1): dropped at once, because the disposition ignores it (SIG_IGN, or SIG_DFL of a
    /// signal whose default is to ignore) or the target is already exiting.
    case ignored
    /// TRACE_SIGNAL_IGNORED (1) for the init of a PID namespace (a container's PID 1) with no handler: the kernel
    /// drops every signal such a process has no handler for, except SIGKILL/SIGSTOP from an ancestor namespace.
    case droppedByInit = "dropped-by-init"
    /// TRACE_SIGNAL_ALREADY_PENDING (2): a standard signal already pending was not queued again; merged into it.
    case merged
    /// TRACE_SIGNAL_OVERFLOW_FAIL (3): a real-time signal with a value could not be queued (RLIMIT_SIGPENDING);
    /// the sender got EAGAIN and the signal is lost.
    case overflow
    /// TRACE_SIGNAL_LOSE_INFO (4): the queue was full, the signal was set but its siginfo (sender, value) lost.
    case infoLost = "info-lost"

    /// Decodes the tracepoint's number; `targetIsNamespaceInit` splits result 1.
    public init?(tracepointValue value: Int, targetIsNamespaceInit: Bool) {
        switch value {
        case 0: self = .delivered
        case 1: self = targetIsNamespaceInit ? .droppedByInit : .ignored
        case 2: self = .merged
        case 3: self = .overflow
        case 4: self = .infoLost
        default: return nil
        }
    }

    /// True when the target will never see the signal.
    public var isLost: Bool { self == .ignored || self == .droppedByInit || self == .overflow }

    /// A short meaning for people.
    public var meaning: String {
        switch self {
        case .delivered: "queued for the process"
        case .ignored: "dropped: ignored by the process, or it is already exiting"
        case .droppedByInit: "dropped: PID 1 of its namespace has no handler"
        case .merged: "merged into the same signal already pending"
        case .overflow: "lost: the real-time signal queue is full (RLIMIT_SIGPENDING)"
        case .infoLost: "set, but its sender and value were lost: the signal queue is full"
        }
    }
}
