/// What the kernel does with a signal when nobody has installed a handler (signal(7)).
public enum DefaultAction: String, Sendable, Hashable, CaseIterable {
    /// The process is terminated.
    case terminate
    /// The process is terminated and dumps core.
    case core
    /// The signal is discarded.
    case ignore
    /// The process is stopped (group-stop).
    case stop
    /// A stopped process is continued.
    case `continue`
}

/// A Linux signal number, 1...64, named the way `kill -l` names it.
///
/// Realtime signals 34...64 are `SIGRTMIN`, `SIGRTMIN+1` ... `SIGRTMAX-1`, `SIGRTMAX`, as `kill -l` prints
/// them; 32 and 33 are reserved by glibc (thread cancellation and setxid broadcast) and carry the names
/// glibc uses for them internally rather than a bare number.
public struct Signal: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The signal number.
    public let rawValue: Int32

    /// Creates a signal from its number, or nil outside 1...64.
    public init?(rawValue: Int32) {
        guard (1...64).contains(rawValue) else { return nil }
        self.rawValue = rawValue
    }

    /// Creates a signal from a number known to be valid.
    init(_ number: Int32) {
        precondition((1...64).contains(number), "signal number out of range")
        self.rawValue = number
    }

    public static func < (lhs: Signal, rhs: Signal) -> Bool { lhs.rawValue < rhs.rawValue }

    /// Every signal, 1...64.
    public static let all: [Signal] = (1...64).map { Signal($0) }

    public static let hup = Signal(1)
    public static let int = Signal(2)
    public static let quit = Signal(3)
    public static let ill = Signal(4)
    public static let trap = Signal(5)
    public static let abrt = Signal(6)
    public static let bus = Signal(7)
    public static let fpe = Signal(8)
    public static let kill = Signal(9)
    public static let usr1 = Signal(10)
    public static let segv = Signal(11)
    public static let usr2 = Signal(12)
    public static let pipe = Signal(13)
    public static let alrm = Signal(14)
    public static let term = Signal(15)
    public static let chld = Signal(17)
    public static let cont = Signal(18)
    public static let stop = Signal(19)
    public static let tstp = Signal(20)
    public static let winch = Signal(28)

    /// The signals that decide how a service shuts down or reacts to its environment; the default rows of
    /// `inspect`.
    public static let thatMatter: [Signal] = [.hup, .int, .quit, .usr1, .usr2, .pipe, .term, .chld]

    /// The same signals as a set.
    public static let thatMatterSet = SignalSet(thatMatter)

    /// The crash handlers the Swift runtime installs in every Swift program: they say nothing about the app.
    public static let swiftRuntimeCrashSignals: SignalSet = [.ill, .trap, .abrt, .bus, .fpe, .segv]

    private static let classicNames: [String] = [
        "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE",
        "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ",
        "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
    ]

    /// The name without the `SIG` prefix, as `kill -l` prints it: `TERM`, `RTMIN+3`, `RTMAX`.
    public var shortName: String {
        switch rawValue {
        case 1...31: return Signal.classicNames[Int(rawValue) - 1]
        case 32: return "CANCEL"
        case 33: return "SETXID"
        case 34: return "RTMIN"
        case 35...49: return "RTMIN+\(rawValue - 34)"
        case 50...63: return "RTMAX-\(64 - rawValue)"
        default: return "RTMAX"
        }
    }

    /// The full name: `SIGTERM`, `SIGRTMIN+3`.
    public var name: String { "SIG" + shortName }

    public var description: String { name }

    /// True for 32 and 33, which glibc keeps for itself; applications never see them.
    public var isGlibcInternal: Bool { rawValue == 32 || rawValue == 33 }

    /// True for the realtime range 32...64 (queued, carrying values).
    public var isRealtime: Bool { rawValue >= 32 }

    /// True for SIGKILL and SIGSTOP, which can be neither caught, blocked nor ignored.
    public var isUncatchable: Bool { self == .kill || self == .stop }

    /// The kernel's action when no handler is installed.
    public var defaultAction: DefaultAction {
        switch rawValue {
        case 3, 4, 5, 6, 7, 8, 11, 24, 25, 31: return .core
        case 17, 23, 28: return .ignore
        case 18: return .continue
        case 19, 20, 21, 22: return .stop
        default: return .terminate
        }
    }

    /// A one-line meaning, as a man page would put it.
    public var meaning: String {
        switch rawValue {
        case 1: return "hangup: controlling terminal closed; daemons reload configuration"
        case 2: return "interrupt from keyboard (Ctrl-C)"
        case 3: return "quit from keyboard (Ctrl-\\); nginx: graceful shutdown"
        case 4: return "illegal instruction"
        case 5: return "trace or breakpoint trap"
        case 6: return "abort(3)"
        case 7: return "bus error: bad memory access"
        case 8: return "floating-point exception"
        case 9: return "kill: cannot be caught, blocked or ignored"
        case 10: return "user-defined signal 1"
        case 11: return "segmentation fault: invalid memory reference"
        case 12: return "user-defined signal 2"
        case 13: return "broken pipe: write to a pipe or socket with no reader"
        case 14: return "timer from alarm(2)"
        case 15: return "termination request: what docker stop, systemd and the kubelet send first"
        case 16: return "stack fault on coprocessor (unused)"
        case 17: return "child stopped or terminated"
        case 18: return "continue if stopped"
        case 19: return "stop: cannot be caught, blocked or ignored"
        case 20: return "stop typed at terminal (Ctrl-Z)"
        case 21: return "terminal input for background process"
        case 22: return "terminal output for background process"
        case 23: return "urgent condition on socket"
        case 24: return "CPU time limit exceeded"
        case 25: return "file size limit exceeded"
        case 26: return "virtual alarm clock"
        case 27: return "profiling timer expired"
        case 28: return "window resize"
        case 29: return "I/O now possible"
        case 30: return "power failure"
        case 31: return "bad system call"
        case 32: return "glibc-internal: thread cancellation (never seen by applications)"
        case 33: return "glibc-internal: setxid broadcast to all threads (never seen by applications)"
        default: return "realtime signal, application-defined"
        }
    }

    private static let aliases: [String: Int32] = ["IOT": 6, "CLD": 17, "POLL": 29, "UNUSED": 31]

    /// Parses what a user types: `TERM`, `SIGTERM`, `term`, `15`, `RTMIN+3`, `SIGRTMAX-1`.
    /// The one signal-name parser of sigscope.
    public init(parsing text: String) throws(SigscopeError) {
        let trimmed = text.trimmingWhitespace()
        if trimmed.isEmpty { throw SigscopeError(.badInput, "empty signal name (try TERM, SIGTERM, 15 or RTMIN+3)") }
        if let number = Int32(trimmed) {
            guard let signal = Signal(rawValue: number) else {
                throw SigscopeError(.badInput, "signal number out of range 1-64: \(trimmed)")
            }
            self = signal
            return
        }
        var upper = trimmed.uppercased()
        if upper.hasPrefix("SIG") { upper.removeFirst(3) }
        if let index = Signal.classicNames.firstIndex(of: upper) {
            self = Signal(Int32(index + 1))
            return
        }
        if let number = Signal.aliases[upper] {
            self = Signal(number)
            return
        }
        if let realtime = Signal.parseRealtime(upper) {
            self = realtime
            return
        }
        if upper == "CANCEL" { self = Signal(32); return }
        if upper == "SETXID" { self = Signal(33); return }
        throw SigscopeError(.badInput, "unknown signal: \(trimmed) (try TERM, SIGTERM, 15 or RTMIN+3)")
    }

    private static func parseRealtime(_ upper: String) -> Signal? {
        for (base, origin) in [("RTMIN", Int32(34)), ("RTMAX", Int32(64))] where upper.hasPrefix(base) {
            let rest = upper.dropFirst(base.count)
            if rest.isEmpty { return Signal(origin) }
            guard let sign = rest.first, sign == "+" || sign == "-", let offset = Int32(rest.dropFirst()) else {
                return nil
            }
            let number = sign == "+" ? origin + offset : origin - offset
            guard (34...64).contains(number) else { return nil }
            return Signal(number)
        }
        return nil
    }

    /// Parses a comma-separated list: `TERM,INT,RTMIN+1`. An empty list or an empty name in it (`TERM,,INT`) is
    /// bad input, as an empty single signal name is: each name is parsed by `init(parsing:)`.
    public static func parseList(_ text: String) throws(SigscopeError) -> SignalSet {
        var set = SignalSet()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            set.insert(try Signal(parsing: String(part)))
        }
        return set
    }
}

extension String {
    /// The string without leading and trailing spaces, tabs and newlines.
    func trimmingWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
