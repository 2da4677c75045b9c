#if canImport(Glibc)
import Glibc
#endif

/// A thread asleep in a system call that only something from outside the process ends: `sigwaitinfo` with no
/// timeout, `pause`, `accept`, a blocking `read`, `epoll_wait(-1)`, a futex wait with no timeout. A process whose
/// every thread sleeps so cannot change its signal dispositions by itself; only a signal, a connection or input
/// wakes it. `StableForecast` ends its wait on that event instead of a fixed quiet period.
///
/// Not indefinite: anything with a timeout (a startup `sleep`, Go's sysmon, an event loop with timers), and
/// `wait4`/`waitid`, whose end comes from a child (a shell entrypoint waiting for a step before it `exec`s).
public struct IndefiniteWait: Sendable, Hashable {
    public var tid: Int32
    /// The system call's name: `rt_sigtimedwait`, `epoll_wait`, `futex`.
    public var call: String

    public init(tid: Int32, call: String) {
        self.tid = tid
        self.call = call
    }

    /// How a call's arguments say "no timeout".
    enum NoTimeout {
        /// Never times out.
        case always
        /// The int argument at this index (0-based) is negative.
        case negativeInt(Int)
        /// The pointer argument at this index is NULL.
        case nullPointer(Int)
        /// A futex wait (FUTEX_WAIT or FUTEX_WAIT_BITSET in argument 1) with a NULL timeout (argument 3).
        case futexWait
    }

    /// The calls, by syscall number. x86_64 only; elsewhere nothing is indefinite and the fixed wait applies.
    static let calls: [Int: (name: String, noTimeout: NoTimeout)] = {
        #if arch(x86_64)
        return [
            0: ("read", .always), 7: ("poll", .negativeInt(2)), 23: ("select", .nullPointer(4)),
            34: ("pause", .always), 43: ("accept", .always), 45: ("recvfrom", .always),
            47: ("recvmsg", .always), 128: ("rt_sigtimedwait", .nullPointer(2)), 130: ("rt_sigsuspend", .always),
            202: ("futex", .futexWait), 232: ("epoll_wait", .negativeInt(3)), 270: ("pselect6", .nullPointer(4)),
            271: ("ppoll", .nullPointer(2)), 281: ("epoll_pwait", .negativeInt(3)), 288: ("accept4", .always),
            441: ("epoll_pwait2", .nullPointer(3)),
        ]
        #else
        return [:]
        #endif
    }()

    /// The indefinite wait a /proc/PID/task/TID/syscall text shows (`128 0x7ffd... 0x0 0x0 0x8 ...`); nil for a
    /// call with a timeout or another call, `running`, or a thread outside any system call (`-1 ...`). Pure.
    public static func parse(_ text: String, tid: Int32) -> IndefiniteWait? {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard let first = fields.first, let number = Int(first), let call = calls[number] else { return nil }
        func argument(_ index: Int) -> UInt64? {
            guard fields.count > index + 1 else { return nil }
            let raw = fields[index + 1]
            guard raw.hasPrefix("0x") else { return nil }
            return UInt64(raw.dropFirst(2), radix: 16)
        }
        let indefinite: Bool
        switch call.noTimeout {
        case .always:
            indefinite = true
        case .negativeInt(let index):
            // The kernel prints registers as unsigned longs; the timeout is a C int.
            indefinite = argument(index).map { Int32(truncatingIfNeeded: $0) < 0 } ?? false
        case .nullPointer(let index):
            indefinite = argument(index) == 0
        case .futexWait:
            // FUTEX_PRIVATE_FLAG (128) and FUTEX_CLOCK_REALTIME (256) do not change what the call waits for.
            let op = argument(1).map { $0 & ~UInt64(128 | 256) }
            indefinite = (op == 0 || op == 9) && argument(3) == 0
        }
        return indefinite ? IndefiniteWait(tid: tid, call: call.name) : nil
    }

    /// Every thread of `pid` asleep (state S) in an indefinite wait, or nil when one is not (or the process cannot
    /// be read: it exited, or sigscope may not read its system calls).
    public static func allThreads(of pid: Int32, files: ProcFiles = ProcFiles()) -> [IndefiniteWait]? {
        guard let tids = try? files.listNumbers(files.path(pid, "task")), !tids.isEmpty else { return nil }
        var waits: [IndefiniteWait] = []
        for tid in tids {
            guard let stat = try? files.read(files.path(pid, thread: tid, "stat")), sleeping(stat: stat),
                  let text = try? files.read(files.path(pid, thread: tid, "syscall")),
                  let wait = parse(text, tid: tid)
            else { return nil }
            waits.append(wait)
        }
        return waits
    }

    /// True when a /proc stat text's state (the field after the command's closing parenthesis) is S. Pure.
    static func sleeping(stat: String) -> Bool {
        guard let close = stat.lastIndex(of: ")") else { return false }
        return stat[stat.index(after: close)...].drop { $0 == " " }.first == "S"
    }
}
