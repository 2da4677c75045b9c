/// inspect's forecast taken once the process's dispositions have settled. A server installs its handlers some
/// time after it starts (uWSGI ignores TERM for about 25 ms, supervisord's Python startup takes longer), and a
/// signal sent in that window meets dispositions that are about to change; the check waits them out, as a real
/// stop usually comes long after start.
struct StableForecast {
    /// How long the dispositions must stay the same.
    var quiet: Duration = .milliseconds(150)
    /// The longest wait; a process whose masks never settle gets the last reading.
    var limit: Duration = .seconds(3)
    var interval: Duration = .milliseconds(10)

    /// What decides the fate of a signal, without the pending bits that come and go.
    struct Dispositions: Equatable {
        var caught, ignored, blocked, signalfd, sigwaited: SignalSet
        var namespaceInit: Bool

        init(_ masks: ProcessMasks) {
            caught = masks.caught
            ignored = masks.ignored
            blocked = masks.blockedEverywhere
            signalfd = masks.signalfd
            sigwaited = masks.sigwaited
            namespaceInit = masks.namespaceInit
        }
    }

    /// The forecast once the dispositions held still for `quiet`, and how many readings that took; nil when the
    /// process cannot be read (it exited).
    func take(_ pid: Int32, inspector: Inspector = Inspector(), stop: () -> Bool = { false })
        -> (report: ProcessReport, readings: Int)?
    {
        guard var report = try? inspector.inspect(pid) else { return nil }
        var readings = 1
        let quietNanos = UInt64(quiet.seconds * 1e9)
        let deadline = Clocks.monotonicNanoseconds() + UInt64(limit.seconds * 1e9)
        var stableSince = Clocks.monotonicNanoseconds()
        while Clocks.monotonicNanoseconds() - stableSince < quietNanos && Clocks.monotonicNanoseconds() < deadline {
            if stop() { break }
            Clocks.sleep(for: interval)
            guard let next = try? inspector.inspect(pid) else { break }
            readings += 1
            if Dispositions(next.masks) != Dispositions(report.masks) { stableSince = Clocks.monotonicNanoseconds() }
            report = next
        }
        return (report, readings)
    }
}
