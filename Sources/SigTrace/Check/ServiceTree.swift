import CProcfs
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One process of a service's tree as /proc/PID/stat shows it.
public struct TreeProcess: Sendable, Equatable {
    public var pid: Int32
    public var ppid: Int32
    public var processGroup: Int32
    /// The state letter: `R`, `S`, `Z`, ...
    public var state: Character
    /// The start time in clock ticks since boot: with the pid, it names one process even after pid reuse.
    public var startTime: UInt64
    /// The command line, or `[comm]` for a zombie or a process whose cmdline is empty.
    public var command: String
    /// The name the kernel keeps (`comm`), and the arguments (empty for a zombie or a kernel thread).
    public var comm: String = ""
    public var cmdline: [String] = []

    /// True for a zombie: exited, not yet reaped.
    public var isZombie: Bool { state == "Z" }

    /// Parses /proc/PID/stat. The comm field is in parentheses and may hold spaces and parentheses itself, so the
    /// fields are counted from the last `)`.
    public init?(stat text: String, cmdline: [String] = []) {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"),
              let pid = Int32(String(text[..<open]).trimmingWhitespace()) else { return nil }
        let comm = String(text[text.index(after: open)..<close])
        let fields = text[text.index(after: close)...].split(separator: " ")
        // After the comm: state(0) ppid(1) pgrp(2) session(3) ... starttime(19).
        guard fields.count > 19, let state = fields[0].first, let ppid = Int32(fields[1]),
              let group = Int32(fields[2]), let start = UInt64(fields[19]) else { return nil }
        self.pid = pid
        self.ppid = ppid
        processGroup = group
        self.state = state
        startTime = start
        command = cmdline.isEmpty ? "[\(comm)]" : cmdline.joined(separator: " ")
        self.comm = comm
        self.cmdline = cmdline
    }
}

/// The processes a checked service started: found through /proc, collected as a child subreaper, killed and
/// reaped at the end so that nothing sigscope started is left running.
public struct ServiceTree: Sendable {
    public let files: ProcFiles

    public init(files: ProcFiles = ProcFiles()) { self.files = files }

    /// Makes sigscope a child subreaper: descendants orphaned by the service re-parent to sigscope, which can
    /// then report, kill and reap them. The corresponding C call is `prctl(PR_SET_CHILD_SUBREAPER)`.
    public static func becomeSubreaper() throws(SigscopeError) {
        guard cprocfs_set_child_subreaper(1) == 0 else {
            let code = errno
            throw SigscopeError(.systemCall, "cannot become a child subreaper: \(SigscopeError.describe(errno: code))",
                                errno: code)
        }
    }

    /// Every process on the host, read from /proc/PID/stat (cmdline only for `withCommands`). Slow on a busy
    /// host: the check itself walks children lists instead; tests use this to prove nothing is left.
    public func scan(withCommands: Bool = false) -> [TreeProcess] {
        guard let pids = try? files.listNumbers(files.root) else { return [] }
        return pids.compactMap { read($0, withCommand: withCommands) }
    }

    /// One process, or nil once it is gone.
    public func read(_ pid: Int32, withCommand: Bool = true) -> TreeProcess? {
        guard let text = try? files.read(files.path(pid, "stat")) else { return nil }
        return TreeProcess(stat: text, cmdline: withCommand ? ProcReader(files: files).readCmdline(pid) : [])
    }

    /// The children of `pid`, from every thread's /proc/PID/task/TID/children (a child belongs to the thread
    /// that forked it).
    public func childPids(of pid: Int32) -> [Int32] {
        guard let tids = try? files.listNumbers(files.path(pid, "task")) else { return [] }
        var result: [Int32] = []
        for tid in tids {
            guard let text = try? files.read(files.path(pid, thread: tid, "children")) else { continue }
            result += text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
        }
        return result
    }

    /// The descendants of `roots` (not the roots themselves), parents before children, read from /proc.
    public func descendants(of roots: Set<Int32>) -> [TreeProcess] {
        var result: [TreeProcess] = []
        var queue = Array(roots)
        var seen = roots
        while !queue.isEmpty {
            let pid = queue.removeFirst()
            for child in childPids(of: pid) where !seen.contains(child) {
                seen.insert(child)
                guard let process = read(child) else { continue }
                result.append(process)
                queue.append(child)
            }
        }
        return result
    }

    /// The descendants of `roots` in `table` (not the roots themselves), parents before children.
    public static func descendants(of roots: Set<Int32>, in table: [TreeProcess]) -> [TreeProcess] {
        var children: [Int32: [TreeProcess]] = [:]
        for process in table { children[process.ppid, default: []].append(process) }
        var result: [TreeProcess] = []
        var queue = Array(roots)
        var seen = roots
        while let pid = queue.popLast() {
            for child in children[pid] ?? [] where !seen.contains(child.pid) {
                seen.insert(child.pid)
                result.append(child)
                queue.append(child.pid)
            }
        }
        return result
    }

    /// The current state of one process, if it is still the same process (same start time).
    public func current(_ process: TreeProcess) -> TreeProcess? {
        guard let now = read(process.pid), now.startTime == process.startTime else { return nil }
        return now
    }

    /// The children of sigscope not in `known`, with their commands: after the service's main process exits
    /// these are the descendants it left behind (re-parented to us as subreaper), alive or zombie.
    public func adoptedChildren(excluding known: Set<Int32>) -> [TreeProcess] {
        childPids(of: getpid()).filter { !known.contains($0) }.compactMap { read($0) }
    }

    /// SIGKILLs the process group `group` (if any), every process in `processes` that is still the same process,
    /// sigscope's children not in `keep`, and all their descendants, then reaps, until none is left or `timeout`
    /// passes. Returns the pids still present at the end (empty on success).
    @discardableResult
    public func killAndReap(group: Int32?, processes: [TreeProcess], keep: Set<Int32>,
                            timeout: Duration = .seconds(3)) -> [Int32] {
        let me = getpid()
        let deadline = Clocks.monotonicNanoseconds() + UInt64(timeout.seconds * 1e9)
        var targets = processes
        while true {
            if let group, group > 1 { kill(-group, SIGKILL) }
            var roots = Set(targets.compactMap { current($0)?.pid })
            roots.formUnion(childPids(of: me).filter { !keep.contains($0) })
            roots.remove(me)
            let everything = roots.compactMap { read($0, withCommand: false) } + descendants(of: roots)
            for process in everything where !process.isZombie { kill(process.pid, SIGKILL) }
            reapChildren(keep: keep)
            targets = everything
            if everything.isEmpty || Clocks.monotonicNanoseconds() >= deadline { return everything.map(\.pid) }
            Clocks.sleep(for: .milliseconds(2))
        }
    }

    /// Reaps every exited child of sigscope except those in `keep`, without blocking.
    public func reapChildren(keep: Set<Int32>) {
        for pid in childPids(of: getpid()) where !keep.contains(pid) {
            var status: Int32 = 0
            _ = waitpid(pid, &status, WNOHANG | __WALL)
        }
    }
}
