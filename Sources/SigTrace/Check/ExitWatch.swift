import CProcfs

#if canImport(Glibc)
import Glibc
#endif

/// A process watched through a pidfd: signals go to exactly that process (never a recycled pid) and its exit is
/// seen by poll(2) the moment the kernel marks it dead, which gives `check` millisecond-accurate shutdown times.
public final class ExitWatch: Sendable {
    /// The watched process.
    public let pid: Int32
    /// The pidfd; owned by this object and closed when it goes away.
    let descriptor: Int32

    /// Opens a pidfd for `pid`. The corresponding system call is `pidfd_open`.
    public init(pid: Int32) throws(SigscopeError) {
        let fd = cprocfs_pidfd_open(pid, 0)
        guard fd >= 0 else {
            let code = errno
            if code == ESRCH {
                throw SigscopeError(.noSuchProcess, "no process with pid \(pid)", errno: code)
            }
            throw SigscopeError(.systemCall, "pidfd_open(\(pid)) failed: \(SigscopeError.describe(errno: code))",
                                errno: code)
        }
        self.pid = pid
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Sends `signal` to the process itself, not its group. The corresponding system call is `pidfd_send_signal`.
    /// Returns the errno on failure (ESRCH once the process has exited), nil on success.
    @discardableResult
    public func send(_ signal: Signal) -> Int32? {
        cprocfs_pidfd_send_signal(descriptor, signal.rawValue) == 0 ? nil : errno
    }

    /// Waits up to `timeout` for the process to exit; returns true once it has (also when it is a zombie not yet
    /// reaped). A zero timeout only checks.
    public func waitForExit(timeout: Duration) -> Bool {
        let deadline = Clocks.monotonicNanoseconds() + UInt64(max(0, timeout.seconds) * 1e9)
        while true {
            let now = Clocks.monotonicNanoseconds()
            let remaining = now >= deadline ? 0 : Int32(min(Double(deadline - now) / 1e6, 1e9).rounded(.up))
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let result = poll(&entry, 1, remaining)
            if result > 0 { return true }
            if result == 0 { return false }
            if errno != EINTR { return false }
            if Clocks.monotonicNanoseconds() >= deadline { return false }
        }
    }

    /// True once the process has exited.
    public var hasExited: Bool { waitForExit(timeout: .zero) }
}
