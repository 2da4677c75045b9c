#if canImport(Glibc)
import Glibc
#endif

/// Time as sigscope measures it: the monotonic clock for intervals, the wall clock for event stamps.
public enum Clocks {
    /// Nanoseconds on CLOCK_MONOTONIC.
    public static func monotonicNanoseconds() -> UInt64 { nanoseconds(CLOCK_MONOTONIC) }

    /// Nanoseconds since the epoch on CLOCK_REALTIME, comparable with `date +%s%N` in a script.
    public static func wallNanoseconds() -> UInt64 { nanoseconds(CLOCK_REALTIME) }

    private static func nanoseconds(_ clock: clockid_t) -> UInt64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Seconds since the epoch on CLOCK_REALTIME, with nanosecond resolution.
    public static func wallSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    /// Blocks the calling thread for `duration`, resuming after EINTR. Not for use inside a Swift `Task`.
    public static func sleep(for duration: Duration) {
        let parts = duration.components
        var request = timespec(tv_sec: Int(parts.seconds), tv_nsec: Int(parts.attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}
