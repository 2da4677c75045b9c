/// A siginfo `si_code` decoded for its signal: the same number means SI_USER for any signal at 0, but
/// CLD_EXITED for SIGCHLD and SEGV_MAPERR for SIGSEGV at 1 (sigaction(2), "The si_code field").
public struct SiginfoCode: Sendable, Hashable, CustomStringConvertible {
    /// The signal the code belongs to.
    public let signal: Signal
    /// The raw si_code.
    public let rawValue: Int32

    /// Decodes `code` as the kernel meant it for `signal`.
    public init(signal: Signal, code: Int32) {
        self.signal = signal
        self.rawValue = code
    }

    /// Where a signal with this code came from, which decides the siginfo fields that mean something.
    public enum Origin: String, Sendable, Hashable {
        /// kill, sigqueue, tgkill, a message queue: si_pid and si_uid name the sender.
        case process
        /// A POSIX timer (SI_TIMER): si_value, timer id and overrun.
        case timer
        /// The kernel itself (SI_KERNEL, SIGIO, asynchronous I/O).
        case kernel
        /// A fault of the receiving thread (SEGV_*, BUS_*, ILL_*, FPE_*, TRAP_*): si_addr.
        case fault
        /// A child changed state (CLD_*): si_pid, si_uid and si_status describe the child.
        case child
        /// A descriptor became ready (POLL_*): si_band and si_fd.
        case poll
        /// seccomp or syscall user dispatch (SYS_*): the system call number.
        case syscall
    }

    /// The generic codes any signal may carry (values <= 0, and SI_KERNEL).
    private static let generic: [Int32: String] = [
        0: "SI_USER", 0x80: "SI_KERNEL", -1: "SI_QUEUE", -2: "SI_TIMER", -3: "SI_MESGQ", -4: "SI_ASYNCIO",
        -5: "SI_SIGIO", -6: "SI_TKILL", -7: "SI_DETHREAD", -60: "SI_ASYNCNL",
    ]

    /// The codes of each signal family, from 1 up, as the kernel's uapi siginfo.h numbers them.
    private static let families: [Int32: [String]] = [
        Signal.ill.rawValue: ["ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP", "ILL_PRVOPC", "ILL_PRVREG",
                              "ILL_COPROC", "ILL_BADSTK", "ILL_BADIADDR"],
        Signal.fpe.rawValue: ["FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF", "FPE_FLTUND", "FPE_FLTRES",
                              "FPE_FLTINV", "FPE_FLTSUB", "FPE_DECOVF", "FPE_DECDIV", "FPE_DECERR", "FPE_INVASC",
                              "FPE_INVDEC", "FPE_FLTUNK", "FPE_CONDTRAP"],
        Signal.segv.rawValue: ["SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR", "SEGV_ACCADI",
                               "SEGV_ADIDERR", "SEGV_ADIPERR", "SEGV_MTEAERR", "SEGV_MTESERR", "SEGV_CPERR"],
        Signal.bus.rawValue: ["BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR", "BUS_MCEERR_AO"],
        Signal.trap.rawValue: ["TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT", "TRAP_UNK", "TRAP_PERF"],
        Signal.chld.rawValue: ["CLD_EXITED", "CLD_KILLED", "CLD_DUMPED", "CLD_TRAPPED", "CLD_STOPPED",
                               "CLD_CONTINUED"],
        29: ["POLL_IN", "POLL_OUT", "POLL_MSG", "POLL_ERR", "POLL_PRI", "POLL_HUP"],
        31: ["SYS_SECCOMP", "SYS_USER_DISPATCH"],
    ]

    /// True for codes a process can set (kill, sigqueue, tgkill): <= 0 per the kernel's SI_FROMUSER.
    public var isFromUser: Bool { rawValue <= 0 }

    /// The symbolic name: `SI_USER`, `CLD_EXITED`, `SEGV_MAPERR`; `code N` for one the kernel does not define.
    public var name: String {
        if isFromUser || rawValue == 0x80 { return Self.generic[rawValue] ?? "code \(rawValue)" }
        if let names = Self.families[signal.rawValue], rawValue >= 1, Int(rawValue) <= names.count {
            return names[Int(rawValue) - 1]
        }
        return "code \(rawValue)"
    }

    public var description: String { name }

    /// Where the signal came from.
    public var origin: Origin {
        switch rawValue {
        case 0, -1, -3, -6: return .process
        case -2: return .timer
        case let code where code <= 0 || code == 0x80: return .kernel
        default: break
        }
        switch signal {
        case .ill, .fpe, .segv, .bus, .trap: return .fault
        case .chld: return .child
        case _ where signal.rawValue == 29: return .poll
        case _ where signal.rawValue == 31: return .syscall
        default: return .kernel
        }
    }

    /// True when si_pid and si_uid name a sending process (or, for SIGCHLD, the child).
    public var carriesSender: Bool { origin == .process || origin == .child }

    /// True when si_value was set by the sender: sigqueue, a POSIX timer, a message queue.
    public var carriesValue: Bool { rawValue == -1 || rawValue == -2 || rawValue == -3 }

    /// True when si_addr holds the faulting address.
    public var carriesAddress: Bool { origin == .fault }

    /// A short meaning for people: "sent by kill(2)", "child exited".
    public var meaning: String {
        switch name {
        case "SI_USER": return "sent by kill(2) or raise(3)"
        case "SI_QUEUE": return "sent by sigqueue(3) with a value"
        case "SI_TKILL": return "sent to one thread by tgkill(2) or tkill(2)"
        case "SI_KERNEL": return "sent by the kernel"
        case "SI_TIMER": return "a POSIX timer expired"
        case "SI_MESGQ": return "a message arrived on an empty POSIX message queue"
        case "SI_ASYNCIO": return "asynchronous I/O completed"
        case "SI_SIGIO": return "queued SIGIO"
        case "SI_DETHREAD": return "sent by the kernel while a thread execs"
        case "CLD_EXITED": return "child exited"
        case "CLD_KILLED": return "child was killed"
        case "CLD_DUMPED": return "child was killed and dumped core"
        case "CLD_TRAPPED": return "traced child stopped"
        case "CLD_STOPPED": return "child stopped"
        case "CLD_CONTINUED": return "stopped child continued"
        case "SEGV_MAPERR": return "address not mapped"
        case "SEGV_ACCERR": return "no permission for the mapped address"
        case "BUS_ADRALN": return "misaligned address"
        case "BUS_ADRERR": return "address beyond the object (e.g. past the end of a mapped file)"
        case "BUS_OBJERR": return "hardware error on the object"
        case "FPE_INTDIV": return "integer divide by zero"
        case "ILL_ILLOPC": return "illegal opcode"
        case "TRAP_BRKPT": return "breakpoint"
        case "SYS_SECCOMP": return "system call refused by seccomp"
        default: return name
        }
    }
}
