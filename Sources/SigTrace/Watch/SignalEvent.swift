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

    /// An event stamped with times the caller has (the kernel backend's records carry their own).
    public init(_ kind: Kind, pid: Int32, tid: Int32, monotonicNanoseconds: UInt64, wallSeconds: Double) {
        self.kind = kind
        self.pid = pid
        self.tid = tid
        self.monotonicNanoseconds = monotonicNanoseconds
        self.wallSeconds = wallSeconds
    }

    /// The kinds of event, with what each carries.
    public enum Kind: Sendable {
        /// A signal is being delivered to `tid` (a signal-delivery-stop, re-injected unchanged; or the kernel
        /// backend's `signal_deliver`, with the handler it is delivered to).
        case signal(SignalDelivery)
        /// The kernel backend only: a signal was generated for the process (`signal_generate`), with the kernel's
        /// `result` (delivered, ignored, dropped by a namespace init, merged, overflow, info lost) and its sender.
        case generated(SignalDelivery)
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
    public var name: String { kind.outputName.description }

    /// The signal the event is about, for filtering: the delivered, stopping or killing signal.
    public var signal: Signal? {
        switch kind {
        case .signal(let delivery): delivery.signal
        case .generated(let delivery): delivery.signal
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
    /// Kernel backend: what the kernel did with the signal when it was generated.
    public var result: SignalResult?
    /// Kernel backend, at delivery: the handler the signal is delivered to.
    public var handler: DeliveryHandler?
    /// Kernel backend, for a signal the kernel generated (a fault, SIGPIPE, the OOM killer, a timer): the task
    /// that was running when it was generated (for the OOM killer, the one whose allocation failed).
    public var contextPid: Int32?
    public var contextComm: String?
    /// Kernel backend: this SIGKILL is the OOM killer's (the process was its `oom:mark_victim`).
    public var oomKiller = false

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

/// The disposition a signal met at delivery (the kernel backend's `signal_deliver`): the handler address and
/// sa_flags, with the function's name when the ELF image mapped there has a symbol for it.
public struct DeliveryHandler: Sendable, Hashable {
    /// sa_handler: 0 is SIG_DFL, 1 SIG_IGN, anything else a function's address in the receiver.
    public var address: UInt64
    /// sa_flags (SA_SIGINFO 0x4, SA_RESTART 0x10000000, SA_ONSTACK 0x8000000, SA_RESETHAND 0x80000000 ...).
    public var flags: UInt64
    /// The function's name (`on_term`, `g_unix_signal_handler+0x12`), when resolved.
    public var symbol: String?
    /// The file that maps the address (the executable or a shared library).
    public var image: String?

    public init(address: UInt64, flags: UInt64, symbol: String? = nil, image: String? = nil) {
        self.address = address
        self.flags = flags
        self.symbol = symbol
        self.image = image
    }

    /// `SIG_DFL`, `SIG_IGN` or `handler`.
    public var kind: String {
        switch address {
        case 0: "SIG_DFL"
        case 1: "SIG_IGN"
        default: "handler"
        }
    }

    /// The flags by name, as sigaction(2) spells them.
    public var flagNames: [String] {
        let names: [(UInt64, String)] = [
            (0x1, "SA_NOCLDSTOP"), (0x2, "SA_NOCLDWAIT"), (0x4, "SA_SIGINFO"), (0x0400_0000, "SA_RESTORER"),
            (0x0800_0000, "SA_ONSTACK"), (0x1000_0000, "SA_RESTART"), (0x4000_0000, "SA_NODEFER"),
            (0x8000_0000, "SA_RESETHAND"),
        ]
        return names.filter { flags & $0.0 != 0 && $0.1 != "SA_RESTORER" }.map(\.1)
    }
}

extension SignalEvent.Kind {
    /// The event's name in output, as the line writer copies it into a line without making a String.
    var outputName: StaticString {
        switch self {
        case .signal: "signal"
        case .generated: "generated"
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
}
