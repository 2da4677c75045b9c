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
    private let pipe: HelperPipe

    /// How long the watchdog waits for a `run` in flight before removing the container anyway.
    static let inFlightWaitMilliseconds: Int32 = 120_000

    /// Forks the watchdog for the container `name`. The corresponding C calls are `pipe2` and `fork`.
    public static func start(engine: ContainerEngine, name: String) throws(SigscopeError) -> ContainerWatchdog {
        let argv = [engine.executable] + engine.removeArguments(name)
        let pipe = try HelperPipe.spawn("container watchdog") { readEnd, failure in
            withCStrings(argv) { argvPointer in
                withCStrings(SpawnedProcess.currentEnvironment()) { envp in
                    cprocfs_spawn_watchdog(readEnd, engine.executable, argvPointer, envp, inFlightWaitMilliseconds,
                                           &failure)
                }
            }
        }
        return ContainerWatchdog(pipe: pipe)
    }

    private init(pipe: HelperPipe) {
        self.pipe = pipe
        self.pid = pipe.pid
    }

    /// An engine call that may create the container is running as `pid`; 0: it ended.
    public func inFlight(_ pid: Int32) { pipe.send(pid) }

    /// The container is gone (sigscope removed it): the watchdog exits without doing anything; it is reaped here.
    public func release() {
        pipe.send(-1)
        pipe.closeAndReap(timeout: .seconds(2))
    }
}
