#if canImport(Glibc)
import Glibc
#endif

/// What the kernel backend needs to know about a task (a thread) that a record names: its process, comm, uid,
/// whether it is the init of a PID namespace, and its process's command line. The tracepoints carry only thread
/// ids, so these come from /proc, read as soon as a record arrives (a `kill` command lives for a millisecond)
/// and kept for a short while; a task already gone is named from tracefs's own pid-to-comm table.
///
/// Used on the kernel backend's assembling thread only.
final class KernelTasks {
    /// One task as /proc/TID/status showed it.
    struct Task: Equatable {
        var tgid: Int32
        var comm: String
        var uid: UInt32
        /// The last NSpid value is 1: the init of its PID namespace (or of the host).
        var namespaceInit: Bool
        /// SigIgn: the signals the process ignores.
        var ignored: SignalSet = []
        var readAt: UInt64
    }

    private var tasks: [Int32: Task] = [:]
    private var cmdlines: [Int32: (cmdline: [String], readAt: UInt64)] = [:]
    private let tracefs: TraceFS?
    /// How long a reading stays current.
    static let freshness: UInt64 = 100_000_000

    init(tracefs: TraceFS?) { self.tracefs = tracefs }

    /// The task `tid` now (or as read less than `freshness` before `now`, CLOCK_MONOTONIC nanoseconds); nil
    /// once it is gone and unread before.
    func task(_ tid: Int32, now: UInt64 = Clocks.monotonicNanoseconds()) -> Task? {
        guard tid > 0 else { return nil }
        // A flood names one task again and again: the last one answers without a hash lookup.
        if let recent, recent.tid == tid, now &- recent.task.readAt < Self.freshness { return recent.task }
        if let known = tasks[tid], now &- known.readAt < Self.freshness {
            recent = (tid, known)
            return known
        }
        guard let text = try? ProcFiles().read("/proc/\(tid)/status", shortReadIsEnd: true),
              var task = Self.parseStatus(text) else {
            return tasks[tid] ?? savedTask(tid)
        }
        task.readAt = now
        if tasks.count > 8192 { tasks.removeAll() }
        tasks[tid] = task
        recent = (tid, task)
        return task
    }

    private var recent: (tid: Int32, task: Task)?

    /// The process of `tid`, or `tid` itself when unknown.
    func tgid(_ tid: Int32) -> Int32 { task(tid)?.tgid ?? tid }

    /// The command line of process `pid`, nil when gone (or a kernel thread's empty one).
    func cmdline(_ pid: Int32, now: UInt64 = Clocks.monotonicNanoseconds()) -> [String]? {
        if let recentCmdline, recentCmdline.pid == pid, now &- recentCmdline.readAt < Self.freshness {
            return recentCmdline.cmdline
        }
        if let known = cmdlines[pid], now &- known.readAt < Self.freshness {
            recentCmdline = (pid, known.cmdline, known.readAt)
            return known.cmdline
        }
        guard let text = try? ProcFiles().read("/proc/\(pid)/cmdline", shortReadIsEnd: true), !text.isEmpty else {
            return cmdlines[pid]?.cmdline
        }
        let cmdline = ProcReader.splitCmdline(text)
        if cmdlines.count > 8192 { cmdlines.removeAll() }
        cmdlines[pid] = (cmdline, now)
        recentCmdline = (pid, cmdline, now)
        return cmdline
    }

    private var recentCmdline: (pid: Int32, cmdline: [String], readAt: UInt64)?

    /// A task that exited before /proc could be read: tracefs remembers the comm (and, with record-tgid, the
    /// process) of every task its events named.
    private func savedTask(_ tid: Int32) -> Task? {
        guard let tracefs, let comms = try? tracefs.read("saved_cmdlines") else { return nil }
        guard let comm = Self.savedValue(tid, in: comms) else { return nil }
        let tgid = (try? tracefs.read("saved_tgids")).flatMap { Self.savedValue(tid, in: $0) }.flatMap { Int32($0) }
        let task = Task(tgid: tgid ?? tid, comm: comm, uid: 0, namespaceInit: false, readAt: Clocks.monotonicNanoseconds())
        tasks[tid] = task
        return task
    }

    /// The value after `tid` in `saved_cmdlines` / `saved_tgids` (`4711 kill` lines).
    static func savedValue(_ tid: Int32, in text: String) -> String? {
        let prefix = String(tid) + " "
        for line in text.split(separator: "\n") where line.hasPrefix(prefix) {
            let value = line.dropFirst(prefix.count).trimmingWhitespaceSubstring()
            return value.isEmpty || value == "<...>" ? nil : String(value)
        }
        return nil
    }

    /// Name, Tgid, Uid (real) and NSpid from /proc/TID/status.
    static func parseStatus(_ text: String) -> Task? {
        var comm: String?
        var tgid: Int32?
        var uid: UInt32 = 0
        var namespaceInit = false
        var ignored: SignalSet = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("Name:") {
                comm = String(line.dropFirst(5).trimmingWhitespaceSubstring())
            } else if line.hasPrefix("Tgid:") {
                tgid = Int32(line.dropFirst(5).trimmingWhitespaceSubstring())
            } else if line.hasPrefix("Uid:") {
                uid = line.dropFirst(4).split(whereSeparator: { $0 == "\t" || $0 == " " }).first
                    .flatMap { UInt32($0) } ?? 0
            } else if line.hasPrefix("NSpid:") {
                namespaceInit = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).last == "1"
            } else if line.hasPrefix("SigIgn:") {
                ignored = SignalSet(rawValue: UInt64(line.dropFirst(7).trimmingWhitespaceSubstring(), radix: 16) ?? 0)
                break
            }
        }
        guard let comm, let tgid else { return nil }
        return Task(tgid: tgid, comm: comm, uid: uid, namespaceInit: namespaceInit, ignored: ignored, readAt: 0)
    }

    /// The threads of process `pid` now.
    static func threads(of pid: Int32) -> [Int32] {
        (try? ProcFiles().listNumbers("/proc/\(pid)/task")) ?? []
    }
}
