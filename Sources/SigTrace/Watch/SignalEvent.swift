/// One thing the tracer saw happen to a traced process. Independent of ptrace: a backend reading the kernel's
/// signal tracepoints can produce the same events.
public struct SignalEvent: Sendable {
    /// What happened.
    public var kind: Kind
    /// CLOCK_MONOTONIC nanoseconds when the tracer saw it, for intervals.
    public var monotonicNanoseconds: UInt64
    /// Seconds since the epoch when the tracer saw it, for people.
    public var wallSeconds: Double
    /// The process (thread group) id.
    public var pid: Int32
    /// The thread the event happened in.
    public var tid: Int32

    /// Stamps an event with both clocks now.
    public init(_ kind: Kind, pid: Int32, tid: Int32) {
        self.kind = kind
        self.pid = pid
        self.tid = tid
        monotonicNanoseconds = Clocks.monotonicNanoseconds()
        wallSeconds = Clocks.wallSeconds()
    }

    /// The kinds of event, with what each carries.
    public enum Kind: Sendable {
        /// A signal is being delivered to `tid` (a signal-delivery-stop, re-injected unchanged).
        case signal(SignalDelivery)
        /// The process entered a group-stop because of `Signal` (SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU).
        case stopped(Signal)
        /// A group-stop ended (SIGCONT).
        case continued
        /// The process executed a new program; `formerTid` is the thread that called execve when it was not
        /// the leader.
        case exec(path: String?, formerTid: Int32?)
        /// A new thread `tid` appeared in the process.
        case thread(parentTid: Int32)
        /// The process forked (or vforked) child `childPid`, now traced too.
        case fork(childPid: Int32)
        /// The process exited with a code.
        case exit(code: Int32)
        /// The process was killed by a signal.
        case killed(Signal, coreDumped: Bool)
        /// The tracer let go of the process; it runs on (or stays stopped) as it was.
        case detached(stopped: Bool)
    }

    /// The event's name in output: `signal`, `stopped`, `exit` ...
    public var name: String {
        switch kind {
        case .signal: "signal"
        case .stopped: "stopped"
        case .continued: "continued"
        case .exec: "exec"
        case .thread: "thread"
        case .fork: "fork"
        case .exit: "exit"
        case .killed: "killed"
        case .detached: "detached"
        }
    }

    /// The signal the event is about, for filtering: the delivered, stopping or killing signal.
    public var signal: Signal? {
        switch kind {
        case .signal(let delivery): delivery.signal
        case .stopped(let signal): signal
        case .killed(let signal, _): signal
        default: nil
        }
    }

    /// How the process ended, for `exit` and `killed` events.
    public var exitStatus: ExitStatus? {
        switch kind {
        case .exit(let code): .exited(code)
        case .killed(let signal, let core): .signaled(signal, coreDumped: core)
        default: nil
        }
    }
}

/// A signal on its way into a thread, with everything its siginfo says about where it came from.
public struct SignalDelivery: Sendable {
    /// The signal.
    public var signal: Signal
    /// si_code, decoded for the signal.
    public var code: SiginfoCode
    /// si_errno, rarely non-zero.
    public var errno: Int32
    /// The sending process (or, for SIGCHLD, the child), when the code carries one; 0 means the kernel or a
    /// process outside the receiver's PID namespace.
    public var senderPid: Int32?
    /// For a receiver in a nested PID namespace (a container): the sender's pid as that namespace numbers it,
    /// which is what the kernel reported; `senderPid` is then the same process in sigscope's namespace, or nil if
    /// it had exited.
    public var senderNamespacePid: Int32?
    /// The sender's real uid, when the code carries one.
    public var senderUid: UInt32?
    /// The sender's comm and command line, read from /proc when the signal arrived; nil if it had gone.
    public var senderComm: String?
    public var senderCmdline: [String]?
    /// si_value for sigqueue, timers and message queues: as an int and as a pointer.
    public var valueInt: Int32?
    public var valuePointer: UInt64?
    /// SIGCHLD: the child's exit code or signal number (si_status).
    public var childStatus: Int32?
    /// SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP: the faulting address.
    public var faultAddress: UInt64?
    /// SI_TIMER: the timer id and overrun count.
    public var timerId: Int32?
    public var timerOverrun: Int32?
    /// SIGSYS from seccomp: the refused system call number.
    public var syscall: Int32?
    /// SIGPOLL: the descriptor and band.
    public var pollDescriptor: Int32?
    public var pollBand: Int?

    /// A delivery with only the signal and code; the backend fills what the code carries.
    public init(signal: Signal, code: SiginfoCode) {
        self.signal = signal
        self.code = code
        self.errno = 0
    }

    /// True if the kernel, rather than a process, sent it (si_pid 0 for a user code means an ancestor PID
    /// namespace, which the receiver cannot name).
    public var isFromKernel: Bool { !code.carriesSender }
}
