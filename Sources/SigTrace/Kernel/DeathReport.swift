/// `sigscope why PID`: how a process ended, the signal that killed it, who sent that signal (a process, the
/// process itself, or the kernel and why), and every signal it got in its last seconds. Judged from the kernel
/// backend's events, which see SIGKILL and the kernel's own signals that ptrace never sees.
public struct DeathReport: Sendable {
    /// Who or what sent the killing signal.
    public enum Cause: String, Sendable, Hashable {
        /// Another process (kill, sigqueue, tgkill).
        case process
        /// The process itself (raise, abort, kill of its own pid).
        case itself
        /// The OOM killer (SIGKILL, SI_KERNEL, the process marked as the OOM victim or the cgroup's oom_kill up).
        case oomKiller = "oom-killer"
        /// SIGPIPE from a write to a pipe or socket with no reader (the kernel sends it as SI_USER from the writer).
        case brokenPipe = "broken-pipe"
        /// A fault of one of its threads (SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP with a fault code).
        case fault
        /// A timer: a POSIX timer (SI_TIMER), alarm(2) or setitimer(2).
        case timer
        /// seccomp refused a system call (SIGSYS, SYS_SECCOMP).
        case seccomp
        /// A resource limit: RLIMIT_CPU (SIGXCPU, then SIGKILL), RLIMIT_FSIZE (SIGXFSZ).
        case resourceLimit = "resource-limit"
        /// The kernel, for another reason (its code says SI_KERNEL).
        case kernel
        /// No signal: the process exited by itself.
        case exited
        /// Killed, but the signal's generation was not seen.
        case unknown
    }

    public var pid: Int32
    public var comm: String?
    public var cmdline: [String]
    /// How it ended; nil when the kernel kept no status sigscope could read.
    public var status: ExitStatus?
    /// The generation of the killing signal, with its sender and code.
    public var killer: SignalEvent?
    public var cause: Cause
    /// One line saying why, for people.
    public var explanation: String
    /// The memory cgroup before the watch and after the death, when the process had one.
    public var memoryBefore: MemoryCgroup?
    public var memoryAfter: MemoryCgroup?
    /// Signal events in the last `window` before the death, oldest first.
    public var recent: [SignalEvent]
    /// Events the kernel lost while watching.
    public var lostEvents: Int

    /// The shell's view of the end: 128+N for a signal, else the exit code.
    public var exitCode: Int32 { status?.shellCode ?? 1 }

    /// OOM kills in the memory cgroup during the watch.
    public var oomKillsDuringWatch: Int? {
        guard let before = memoryBefore?.oomKills, let after = memoryAfter?.oomKills else { return nil }
        return after - before
    }

    /// Judges the end of `pid` from its status and the kernel backend's events.
    public static func judge(pid: Int32, comm: String?, cmdline: [String], status: ExitStatus?, events: [SignalEvent],
                             memoryBefore: MemoryCgroup?, memoryAfter: MemoryCgroup?, window: Duration,
                             lostEvents: Int) -> DeathReport {
        var report = DeathReport(pid: pid, comm: comm, cmdline: cmdline, status: status, killer: nil, cause: .unknown,
                                 explanation: "", memoryBefore: memoryBefore, memoryAfter: memoryAfter, recent: [],
                                 lostEvents: lostEvents)
        let end = events.last { $0.exitStatus != nil }?.monotonicNanoseconds ?? events.last?.monotonicNanoseconds ?? 0
        let span = UInt64(max(0, window.seconds) * 1e9)
        report.recent = events.filter {
            $0.exitStatus == nil && $0.monotonicNanoseconds + span >= end
        }
        guard case .signaled(let signal, _)? = status else {
            if case .exited(let code)? = status {
                report.cause = .exited
                report.explanation = "it exited with code \(code); no signal killed it"
            } else {
                report.explanation = "the kernel kept no exit status sigscope could read"
                if let last = lastGeneration(of: nil, in: events) { report.killer = last }
            }
            return report
        }
        let oomKills = report.oomKillsDuringWatch ?? 0
        guard let killer = lastGeneration(of: signal, in: events), case .generated(let sent) = killer.kind else {
            if signal == .kill && oomKills > 0 {
                report.cause = .oomKiller
                report.explanation = "the OOM killer (its memory cgroup counted \(oomKills) OOM kill"
                    + (oomKills == 1 ? ")" : "s)")
            } else {
                report.explanation = "the generation of \(signal.name) was not seen (lost, or before the watch)"
            }
            return report
        }
        report.killer = killer
        (report.cause, report.explanation) = cause(of: sent, to: pid, oomKills: oomKills)
        return report
    }

    /// The last generation of `signal` (any signal when nil) that reached the process.
    static func lastGeneration(of signal: Signal?, in events: [SignalEvent]) -> SignalEvent? {
        events.last { event in
            guard case .generated(let sent) = event.kind else { return false }
            guard signal == nil || sent.signal == signal else { return false }
            return sent.result == .delivered || sent.result == .infoLost || sent.result == .merged
        }
    }

    /// Who sent `sent`, and a sentence saying so.
    static func cause(of sent: SignalDelivery, to pid: Int32, oomKills: Int) -> (Cause, String) {
        let code = sent.code
        let signal = sent.signal
        if sent.oomKiller || (signal == .kill && code.rawValue == 0x80 && oomKills > 0) {
            let trigger = sent.contextPid.map { " (the allocation that failed was made by \($0) "
                + "\(sent.contextComm ?? "gone"))" } ?? ""
            return (.oomKiller, "the kernel: the OOM killer chose it\(trigger)")
        }
        if code.origin == .fault {
            return (.fault, "the kernel: a fault in the process, \(code.name) (\(code.meaning))")
        }
        if code.name == "SYS_SECCOMP" { return (.seccomp, "the kernel: seccomp refused one of its system calls") }
        if code.origin == .timer { return (.timer, "the kernel: a POSIX timer expired (timer_create)") }
        if [Signal.alrm, Signal(rawValue: 26)!, Signal(rawValue: 27)!].contains(signal), code.rawValue == 0x80 {
            return (.timer, "the kernel: a timer of alarm(2) or setitimer(2) expired")
        }
        if signal.rawValue == 24 || signal.rawValue == 25 || (signal == .kill && code.rawValue == 0x80) {
            let which = signal.rawValue == 25 ? "its file size limit (RLIMIT_FSIZE)" : "its CPU time limit (RLIMIT_CPU)"
            return (.resourceLimit, "the kernel: the process exceeded \(which)")
        }
        if signal == .pipe, code.rawValue == 0, sent.senderPid == pid {
            return (.brokenPipe, "the kernel: it wrote to a pipe or socket whose reader had gone (EPIPE)")
        }
        if code.carriesSender, let sender = sent.senderPid {
            if sender == pid { return (.itself, "the process itself (\(code.meaning))") }
            return (.process, "process \(sender) (\(sent.senderComm ?? "gone"))")
        }
        return (.kernel, "the kernel (\(code.name))")
    }
}
