/// Waits, before check's forecast and signal, until the process's dispositions have settled. A server installs its handlers some
/// time after it starts (uWSGI ignores TERM for about 25 ms, supervisord's Python startup takes longer), and a
/// signal sent in that window meets dispositions that are about to change; the check waits them out, as a real
/// stop usually comes long after start. The wait ends early when two readings in a row find every thread asleep
/// in an `IndefiniteWait` with the same dispositions: such a process changes nothing until something from outside
/// wakes it, so waiting longer shows nothing new.
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

    /// Waits until the dispositions held still for `quiet`, or the process rests in indefinite waits; the number
    /// of readings it took, nil when the process cannot be read (it exited). Each reading is the cheap one of
    /// `inspect --all` (status files, no descriptor table unless every thread blocks a signal that matters): a host
    /// with tens of thousands of sockets must not make each reading parse its whole TCP table.
    func settle(_ pid: Int32, reader: ProcReader = ProcReader(), stop: () -> Bool = { false }) -> Int? {
        settleReading(pid, reader: reader, stop: stop)?.readings
    }

    /// What `settle` saw: how many readings, and whether it ended because the process was at rest.
    struct Settled {
        var readings: Int
        /// The waits of the last two readings when they ended the wait early.
        var atRest: [IndefiniteWait]?
    }

    func settleReading(_ pid: Int32, reader: ProcReader = ProcReader(), stop: () -> Bool = { false }) -> Settled? {
        func read() -> Dispositions? {
            (try? reader.snapshot(pid, depth: .table)).map { Dispositions(ProcessMasks($0)) }
        }
        guard var last = read() else { return nil }
        var readings = 1
        var resting = IndefiniteWait.allThreads(of: pid) != nil
        let quietNanos = UInt64(quiet.seconds * 1e9)
        let deadline = Clocks.monotonicNanoseconds() + UInt64(limit.seconds * 1e9)
        var stableSince = Clocks.monotonicNanoseconds()
        while Clocks.monotonicNanoseconds() - stableSince < quietNanos && Clocks.monotonicNanoseconds() < deadline {
            if stop() { break }
            Clocks.sleep(for: interval)
            guard let next = read() else { break }
            readings += 1
            if next != last { stableSince = Clocks.monotonicNanoseconds() }
            let waits = next == last ? IndefiniteWait.allThreads(of: pid) : nil
            last = next
            if let waits, resting { return Settled(readings: readings, atRest: waits) }
            resting = waits != nil
        }
        return Settled(readings: readings, atRest: nil)
    }
}
