import CProcfs

#if canImport(Glibc)
import Glibc
#endif

/// The pipe between sigscope and a helper process it forks to act on its death (the cleanup guardian of a
/// started service, the watchdog of a container): the helper holds the read end, sigscope the only write end, so
/// the kernel closes it when sigscope exits for any reason and the helper sees end of file. Messages are one
/// `Int32` each (a pid, or a code the helper knows).
struct HelperPipe: Sendable {
    /// The helper's pid, a child of sigscope until sigscope exits.
    let pid: Int32
    private let writeEnd: Int32

    /// Creates the pipe (`pipe2` with `O_CLOEXEC`) and forks the helper through `fork`, which gets the read end
    /// and returns the helper's pid (or a value <= 0, with the errno in its second argument). `helper` names it
    /// in the error.
    static func spawn(_ helper: String, _ fork: (_ readEnd: Int32, _ failure: inout Int32) -> Int32)
        throws(SigscopeError) -> HelperPipe {
        var fds: [Int32] = [-1, -1]
        guard cprocfs_pipe2(&fds, O_CLOEXEC) == 0 else {
            let code = errno
            throw SigscopeError(.systemCall, "cannot create a pipe: \(SigscopeError.describe(errno: code))", errno: code)
        }
        var failure: Int32 = 0
        let pid = fork(fds[0], &failure)
        close(fds[0])
        guard pid > 0 else {
            close(fds[1])
            throw SigscopeError(.systemCall, "cannot fork the \(helper): " + SigscopeError.describe(errno: failure),
                                errno: failure)
        }
        return HelperPipe(pid: pid, writeEnd: fds[1])
    }

    private init(pid: Int32, writeEnd: Int32) {
        self.pid = pid
        self.writeEnd = writeEnd
    }

    /// Writes one message (a pipe write of 4 bytes is atomic).
    func send(_ value: Int32) {
        var message = value
        _ = withUnsafeBytes(of: &message) { write(writeEnd, $0.baseAddress, $0.count) }
    }

    /// Closes sigscope's end, which the helper takes as the signal to finish, and reaps the helper, waiting up to
    /// `timeout` for it.
    func closeAndReap(timeout: Duration) {
        close(writeEnd)
        let deadline = Clocks.monotonicNanoseconds() + UInt64(timeout.seconds * 1e9)
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno != EINTR) { return }
            if Clocks.monotonicNanoseconds() >= deadline { return }
            Clocks.sleep(for: .milliseconds(1))
        }
    }
}
