import CProcfs

#if canImport(Glibc)
import Glibc
#endif

/// How a process that is not sigscope's child ended. Its parent reaps it, so waitpid cannot tell; the kernel
/// says it in two places: /proc/PID/stat's `exit_code` (field 52) while it is a zombie, and the pidfd's
/// PIDFD_GET_INFO exit status once it has been reaped (Linux 6.15+). One of the two holds it, whichever way the
/// race with the parent's wait goes.
public enum ProcessEnd {
    /// The exit status of `pid`, whose `pidfd` polled readable (it has exited); nil if neither source has it
    /// within `timeout` (an older kernel whose parent reaped it at once).
    public static func status(pid: Int32, pidfd: Int32, timeout: Duration) -> ExitStatus? {
        let deadline = Clocks.monotonicNanoseconds() + UInt64(max(0, timeout.seconds) * 1e9)
        repeat {
            if let text = try? ProcFiles().read("/proc/\(pid)/stat", shortReadIsEnd: true),
               let (state, code) = parseStat(text), state == "Z" || state == "X" {
                return ExitStatus(waitStatus: code)
            }
            var status: Int32 = 0
            let answer = cprocfs_pidfd_exit_status(pidfd, &status)
            if answer == 0 { return ExitStatus(waitStatus: status) }
            Clocks.sleep(for: .milliseconds(2))
        } while Clocks.monotonicNanoseconds() < deadline
        return nil
    }

    /// The state letter (field 3) and exit_code (field 52) of /proc/PID/stat; the comm in field 2 may hold
    /// spaces and parentheses, so fields are counted from the last ')'.
    static func parseStat(_ text: String) -> (state: Character, exitCode: Int32)? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ", omittingEmptySubsequences: true)
        // fields[0] is field 3 (state), so field 52 is fields[49].
        guard fields.count > 49, let state = fields[0].first,
              let code = Int32(fields[49].trimmingWhitespaceSubstring()) else { return nil }
        return (state, code)
    }
}
