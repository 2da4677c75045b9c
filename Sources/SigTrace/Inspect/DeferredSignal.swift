#if canImport(Glibc)
import Glibc
#endif

/// A thread sleeping in a system call that returns by itself: epoll_wait or poll with a finite timeout. When it
/// returns, a program that blocks its signals only around the wait unblocks them and a pending one is handled.
public struct BoundedWait: Sendable, Hashable {
    public var tid: Int32
    /// `epoll_wait`, `epoll_pwait`, `poll`.
    public var call: String
    public var timeoutMilliseconds: Int

    public init(tid: Int32, call: String, timeoutMilliseconds: Int) {
        self.tid = tid
        self.call = call
        self.timeoutMilliseconds = timeoutMilliseconds
    }

    /// The wait calls whose timeout is an int of milliseconds in a register, by syscall number, with the
    /// argument that holds the timeout (0-based).
    static let calls: [Int: (name: String, argument: Int)] = {
        #if arch(x86_64)
        return [232: ("epoll_wait", 3), 281: ("epoll_pwait", 3), 7: ("poll", 2)]
        #elseif arch(arm64)
        return [22: ("epoll_pwait", 3)]
        #else
        return [:]
        #endif
    }()

    /// The bounded wait a /proc/PID/task/TID/syscall text shows (`232 0x5 0x5591a8745f20 0x3e8 0x64 ...`); nil for
    /// another call, a wait without timeout (-1), `running`, or a thread outside any system call. Pure.
    public static func parse(_ text: String, tid: Int32) -> BoundedWait? {
        let fields = text.split(separator: " ")
        guard let first = fields.first, let number = Int(first), let call = calls[number],
              fields.count > call.argument + 1 else { return nil }
        let raw = fields[call.argument + 1]
        guard raw.hasPrefix("0x"), let value = UInt64(raw.dropFirst(2), radix: 16) else { return nil }
        // The kernel prints registers as unsigned longs; the timeout is a C int, -1 (or any negative) for none.
        let timeout = Int32(truncatingIfNeeded: value)
        guard timeout >= 0 else { return nil }
        return BoundedWait(tid: tid, call: call.name, timeoutMilliseconds: Int(timeout))
    }
}

/// What sigscope saw of a signal that is caught but blocked in every thread (`SignalOutcome.deferred`): whether a
/// thread sleeps in a wait that returns by itself, and whether any reading over a short window found it unblocked.
/// Either means the handler runs soon after the signal arrives; neither leaves the forecast uncertain.
public struct DeferredSignal: Sendable, Hashable {
    public var signal: Signal
    /// Threads waiting with a timeout when sigscope looked.
    public var boundedWaits: [BoundedWait]
    /// Readings of every thread's SigBlk, and how many found the signal unblocked in some thread.
    public var readings: Int
    public var unblockedReadings: Int
    /// How long the readings took.
    public var windowMilliseconds: Int

    /// True when sigscope saw the signal's blocking end or a wait that will end.
    public var bounded: Bool { !boundedWaits.isEmpty || unblockedReadings > 0 }

    /// The longest a pending signal waits, as far as the bounded waits say.
    public var longestWaitMilliseconds: Int? { boundedWaits.map(\.timeoutMilliseconds).max() }

    /// Looks at a process whose `signal` is caught and blocked everywhere: first every thread's system call (a
    /// bounded wait settles it at once), then, failing that, every thread's SigBlk every `interval` for `window`
    /// looking for a moment it is unblocked.
    public static func probe(_ pid: Int32, signal: Signal, threads: [Int32], files: ProcFiles = ProcFiles(),
                             window: Duration = .milliseconds(250),
                             interval: Duration = .milliseconds(2)) -> DeferredSignal {
        var waits: [BoundedWait] = []
        for tid in threads {
            let path = tid == pid ? files.path(pid, "syscall") : files.path(pid, thread: tid, "syscall")
            if let text = try? files.read(path), let wait = BoundedWait.parse(text, tid: tid) { waits.append(wait) }
        }
        var result = DeferredSignal(signal: signal, boundedWaits: waits, readings: 0, unblockedReadings: 0,
                                    windowMilliseconds: 0)
        guard waits.isEmpty else { return result }
        let start = Clocks.monotonicNanoseconds()
        let end = start + UInt64(window.seconds * 1e9)
        while Clocks.monotonicNanoseconds() < end {
            guard let tids = try? files.listNumbers(files.path(pid, "task")) else { break }
            var unblocked = false
            for tid in tids {
                guard let text = try? files.read(files.path(pid, thread: tid, "status")),
                      let status = try? ProcStatus(parsing: text) else { continue }
                if !status.blocked.contains(signal) { unblocked = true }
            }
            result.readings += 1
            if unblocked {
                result.unblockedReadings += 1
                break
            }
            Clocks.sleep(for: interval)
        }
        result.windowMilliseconds = Int((Clocks.monotonicNanoseconds() - start) / 1_000_000)
        return result
    }

    /// `blocked around epoll_wait (timeout 100 ms)`, or what the readings showed.
    public var evidence: String {
        if let wait = boundedWaits.first {
            return "it sleeps in \(wait.call) with a \(wait.timeoutMilliseconds) ms timeout (thread \(wait.tid))"
        }
        if unblockedReadings > 0 {
            return "\(unblockedReadings) of \(readings) readings over \(windowMilliseconds) ms found it unblocked"
        }
        return "none of \(readings) readings over \(windowMilliseconds) ms found it unblocked in any thread, and no "
            + "thread sleeps in a wait with a timeout"
    }

    /// The JSON object of `inspect --format json`'s `deferred` key.
    public var json: JSONValue {
        .object([
            ("signal", .string(signal.name)), ("bounded", .bool(bounded)),
            ("waits", .array(boundedWaits.map {
                .object([("tid", .int(Int($0.tid))), ("call", .string($0.call)),
                         ("timeout_ms", .int($0.timeoutMilliseconds))])
            })),
            ("readings", .int(readings)), ("unblocked_readings", .int(unblockedReadings)),
            ("window_ms", .int(windowMilliseconds)),
        ])
    }
}
