#if canImport(Glibc)
import Glibc
#endif

/// Decides, before and after PTRACE_SEIZE, whether a process can be traced, and words the one-line error when
/// it cannot: no such process, a kernel thread, a zombie, sigscope itself, already traced, permission denied.
public struct TraceAttachment: Sendable {
    public let files: ProcFiles

    public init(files: ProcFiles = ProcFiles()) { self.files = files }

    /// Checks `pid` from its /proc status and returns that status (whose `tgid` is the process to trace when
    /// `pid` names a thread).
    public func check(_ pid: Int32) throws(SigscopeError) -> ProcStatus {
        guard pid > 0 else { throw SigscopeError(.badInput, "not a process id: \(pid)") }
        let text: String
        do {
            text = try files.read(files.path(pid, "status"))
        } catch {
            throw ProcReader.error(error, pid: pid, what: "status")
        }
        let status = try ProcStatus(parsing: text, source: "/proc/\(pid)/status")
        if status.tgid == getpid() {
            throw SigscopeError(.badInput, "pid \(pid) is sigscope itself: a tracer cannot trace its own process")
        }
        try ProcReader(files: files).requireUserProcess(status)
        if status.tracerPid != 0 { throw alreadyTraced(pid, status: status, tracer: status.tracerPid) }
        return status
    }

    /// The error for a process that another tracer holds, naming the tracer and its comm.
    /// TracerPid names the tracing thread; the message names its process.
    func alreadyTraced(_ pid: Int32, status: ProcStatus, tracer: Int32) -> SigscopeError {
        let tracerStatus = (try? files.read(files.path(tracer, "status"))).flatMap { try? ProcStatus(parsing: $0) }
        let process = tracerStatus?.tgid ?? tracer
        let comm = (try? files.read(files.path(process, "comm")))?.trimmingWhitespace() ?? "gone"
        let thread = process != tracer ? ", thread \(tracer)" : ""
        return SigscopeError(
            .alreadyTraced,
            "pid \(pid) (\(status.name)) is already traced by pid \(process) (\(comm)\(thread)): only one tracer "
                + "at a time; stop or detach that tracer first",
            errno: EPERM)
    }

    /// Explains a PTRACE_SEIZE failure with `code` (errno) on `pid`.
    public func seizeError(_ pid: Int32, errno code: Int32) -> SigscopeError {
        let status = (try? files.read(files.path(pid, "status"))).flatMap { try? ProcStatus(parsing: $0) }
        let name = status.map { " (\($0.name))" } ?? ""
        switch code {
        case ESRCH:
            return SigscopeError(.noSuchProcess, "no such process: \(pid)", errno: ESRCH)
        case EPERM, EACCES:
            if let status, status.tracerPid != 0, !isOwnThread(status.tracerPid) {
                return alreadyTraced(pid, status: status, tracer: status.tracerPid)
            }
            return SigscopeError(.permissionDenied, "cannot trace pid \(pid)\(name): " + permissionReason(status),
                                 errno: code)
        default:
            return SigscopeError(.systemCall, "cannot trace pid \(pid)\(name): PTRACE_SEIZE failed: "
                                    + SigscopeError.describe(errno: code), errno: code)
        }
    }

    /// True if `tid` is a thread of sigscope itself.
    func isOwnThread(_ tid: Int32) -> Bool { access("\(files.root)/self/task/\(tid)", F_OK) == 0 }

    /// Why the kernel said EPERM: Yama's ptrace_scope, a missing CAP_SYS_PTRACE, or another user's process.
    func permissionReason(_ status: ProcStatus?) -> String {
        let scope = (try? files.read("/proc/sys/kernel/yama/ptrace_scope")).flatMap { Int($0.trimmingWhitespace()) }
        let capable = hasSysPtrace()
        if scope == 3 {
            return "kernel.yama.ptrace_scope is 3, which forbids ptrace to everyone until reboot"
        }
        if !capable, let status, status.uid != geteuid() {
            return "it belongs to uid \(status.uid) and sigscope runs as uid \(geteuid()) without CAP_SYS_PTRACE; "
                + "run as root or as that user"
        }
        if !capable, let scope, scope >= 1 {
            return "kernel.yama.ptrace_scope is \(scope), which lets only descendants be traced without "
                + "CAP_SYS_PTRACE; run as root, grant CAP_SYS_PTRACE, or start it with `sigscope watch -- CMD`"
        }
        if !capable {
            return "permission denied without CAP_SYS_PTRACE (it may be setuid or not dumpable); run as root"
        }
        return "permission denied although sigscope has CAP_SYS_PTRACE (a security module such as SELinux or "
            + "AppArmor, or a seccomp filter, forbids ptrace)"
    }

    /// Whether sigscope's effective capabilities include CAP_SYS_PTRACE (bit 19 of CapEff).
    func hasSysPtrace() -> Bool {
        guard let text = try? files.read("\(files.root)/self/status") else { return geteuid() == 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("CapEff:") {
            guard let mask = UInt64(line.dropFirst("CapEff:".count).trimmingWhitespaceSubstring(), radix: 16) else {
                break
            }
            return mask & (1 << 19) != 0
        }
        return geteuid() == 0
    }
}
