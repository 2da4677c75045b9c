/// How long before a moment due at a fixed time a reading of the service's tree (its processes and sockets) starts,
/// so that it ends before that moment even on a busy machine: twice the longest such reading so far, within bounds.
///
/// Two moments use it. The connections held at the signal are counted in a pre-stop's last moments, and the signal
/// follows the pre-stop's end at once; what the tree is still doing is read before the grace period's end, and
/// SIGKILL goes out at the end however long that reading takes (tens of milliseconds under load).
struct ReadingLead {
    /// The longest reading timed so far, in nanoseconds.
    private(set) var longest: UInt64 = 0

    /// Remembers how long a reading that began at `start` (a monotonic reading) took.
    mutating func ended(startedAt start: UInt64) {
        let end = Clocks.monotonicNanoseconds()
        longest = max(longest, end - min(start, end))
    }

    /// The lead: twice the longest reading, at least `minimum` and at most `maximum` nanoseconds.
    func lead(atLeast minimum: UInt64, atMost maximum: UInt64) -> UInt64 {
        min(maximum, max(minimum, 2 * longest))
    }
}
