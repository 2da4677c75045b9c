#if canImport(Glibc)
import Glibc
#endif

/// Moments of one sigscope run for benchmarks: with `SIGSCOPE_TIMING` set in the environment, each `mark` writes
/// `sigscope-timing LABEL NANOSECONDS` to stderr, the moment on the wall clock (CLOCK_REALTIME, comparable with
/// `date +%s%N` in a script) however it was taken. Without it, `mark` does nothing. `bench/check-image.sh` turns
/// them into its per-phase breakdown.
public enum TimingMarks {
    /// Whether marks are written (read once).
    public static let enabled = getenv("SIGSCOPE_TIMING") != nil

    /// Writes the mark `label` for now, or for the CLOCK_MONOTONIC reading `monotonic` taken earlier.
    public static func mark(_ label: String, monotonic: UInt64? = nil) {
        guard enabled else { return }
        let wallNow = Clocks.wallNanoseconds()
        let now = Clocks.monotonicNanoseconds()
        let moment = wallNow &- (now &- min(monotonic ?? now, now))
        var line = "sigscope-timing \(label) \(moment)\n"
        _ = line.withUTF8 { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }
}
