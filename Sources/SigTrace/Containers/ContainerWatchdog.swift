import CProcfs

#if canImport(Glibc)
import Glibc
#endif

/// The promise that a container sigscope creates is removed even when sigscope is SIGKILLed mid-check and its own
/// `rm` never runs. A watchdog process (forked in C, its own session, deaf to INT/TERM/HUP) waits on a pipe whose
/// only write end sigscope holds; when the kernel closes it at sigscope's exit, the watchdog waits for the engine
/// call then in flight (a `run` still creating the container) to end and execs `rm -f` of the container's name.
/// After a normal run sigscope removes the container itself and `release()` tells the watchdog to do nothing.
public final class ContainerWatchdog: Sendable {
    /// The watchdog's pid, a child of sigscope until sigscope exits.
    public let pid: Int32
    private let writeEnd: Int32

    /// How long the watchdog waits for a `run` in flight before removing the container anyway.
    static let inFlightWaitMilliseconds: Int32 = 120_000

    /// Forks the watchdog for the container `name`. The corresponding C calls are `pipe2` and `fork`.
    public static func start(engine: ContainerEngine, name: String) throws(SigscopeError) -> ContainerWatchdog {
        var fds: [Int32] = [-1, -1]
        guard cprocfs_pipe2(&fds, O_CLOEXEC) == 0 else {
            let code = errno
            throw SigscopeError(.systemCall, "cannot create a pipe: \(SigscopeError.describe(errno: code))", errno: code)
        }
        var failure: Int32 = 0
        let argv = [engine.executable] + engine.removeArguments(name)
        let pid = withCStrings(argv) { argvPointer in
            withCStrings(SpawnedProcess.currentEnvironment()) { envp in
                cprocfs_spawn_watchdog(fds[0], engine.executable, argvPointer, envp, inFlightWaitMilliseconds,
                                       &failure)
            }
        }
        close(fds[0])
        guard pid > 0 else {
            close(fds[1])
            throw SigscopeError(.systemCall, "cannot fork the container watchdog: "
                                + SigscopeError.describe(errno: failure), errno: failure)
        }
        return ContainerWatchdog(pid: pid, writeEnd: fds[1])
    }

    private init(pid: Int32, writeEnd: Int32) {
        self.pid = pid
        self.writeEnd = writeEnd
    }

    /// An engine call that may create the container is running as `pid`; 0: it ended.
    public func inFlight(_ pid: Int32) { send(pid) }

    /// The container is gone (sigscope removed it): the watchdog exits without doing anything; it is reaped here.
    public func release() {
        send(-1)
        close(writeEnd)
        var status: Int32 = 0
        let deadline = Clocks.monotonicNanoseconds() + 2_000_000_000
        while true {
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid || (result < 0 && errno != EINTR) { return }
            if Clocks.monotonicNanoseconds() >= deadline { return }
            Clocks.sleep(for: .milliseconds(1))
        }
    }

    private func send(_ value: Int32) {
        var message = value
        _ = withUnsafeBytes(of: &message) { write(writeEnd, $0.baseAddress, $0.count) }
    }
}
