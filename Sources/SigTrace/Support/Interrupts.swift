#if canImport(Glibc)
import Glibc
#endif

/// Calls a system call until it fails with anything but EINTR: the one retry loop for calls a signal may cut
/// short (sigscope installs handlers for SIGINT, SIGTERM and SIGHUP, and the tracer kicks its own thread).
/// `body` returns the call's result, -1 with `errno` set on failure, as the C functions do. Three loops keep their
/// own handling on purpose: `poll` with a deadline recomputes its timeout after EINTR, `nanosleep` resumes with the
/// time remaining, and the tracer thread's `waitpid` takes EINTR as its wake-up call.
@inline(__always)
func retryOnInterrupt<Result: BinaryInteger>(_ body: () -> Result) -> Result {
    while true {
        let result = body()
        if result != -1 || errno != EINTR { return result }
    }
}
