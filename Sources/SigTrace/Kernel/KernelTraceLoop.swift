import CProcfs
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The kernel backend's assembling thread: takes the readers' records, names their tasks, releases events in
/// time order, follows the watched processes' threads (the filters name them) and exits, and on the way out
/// turns the events off, drains the buffers, counts what the kernel lost and removes the instance.
final class KernelTraceLoop: @unchecked Sendable {
    // @unchecked Sendable: handed to its pthread once; after that only that thread touches the mutable state.
    // Other threads share `stopRequested` and `statistics`, which are synchronized.

    let statistics = Mutex(KernelTraceStatistics())
    private let stopRequested = Atomic<Bool>(false)
    private let instance: TraceInstance
    private let readers: [RingBufferReader]
    private let sink: KernelRecordSink
    private let configuration: KernelSignalTracer.Configuration
    private let target: KernelSignalTracer.Target
    private let launched: SpawnedProcess?
    private let continuation: AsyncStream<[SignalEvent]>.Continuation
    private let assembler: KernelEventAssembler
    /// Watched processes still running, with a pidfd for each attached one.
    private var running: [Int32: Int32] = [:]
    private var threads: [Int32: Set<Int32>] = [:]
    private var filter: KernelTraceFilter?
    private var exits: [SignalEvent] = []

    /// A margin under the readers' watermark for a record stamped just before a drain began but committed
    /// just after.
    static let margin: UInt64 = 2_000_000

    init(instance: TraceInstance, readers: [RingBufferReader], sink: KernelRecordSink,
         configuration: KernelSignalTracer.Configuration, target: KernelSignalTracer.Target, pids: [Int32],
         launched: SpawnedProcess?, continuation: AsyncStream<[SignalEvent]>.Continuation) {
        self.instance = instance
        self.readers = readers
        self.sink = sink
        self.configuration = configuration
        self.target = target
        self.launched = launched
        self.continuation = continuation
        var options = KernelEventAssembler.Options()
        options.signals = configuration.signals
        options.readSenders = configuration.readSenders
        options.resolveHandlers = configuration.resolveHandlers
        if case .all = target {} else { options.processes = Set(pids) }
        assembler = KernelEventAssembler(options: options, tasks: KernelTasks(tracefs: instance.tracefs))
        for pid in pids {
            running[pid] = launched?.pid == pid ? -1 : cprocfs_pidfd_open(pid, 0)
            threads[pid] = Set(KernelTasks.threads(of: pid))
            // Before the start returns: a caller may signal at once, and the handler's process end at once.
            if launched?.pid != pid { assembler.rememberMappings(of: pid) }
        }
        if case .all = target {} else {
            filter = KernelTraceFilter(configuration: configuration, target: target, pids: pids)
        }
    }

    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        sem_post(sink.arrived)
    }

    /// Starts the pthread. The corresponding C function is `pthread_create`.
    func start() throws(SigscopeError) {
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let loop = Unmanaged<KernelTraceLoop>.fromOpaque(argument!).takeRetainedValue()
            loop.run()
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<KernelTraceLoop>.fromOpaque(box).release()
            throw SigscopeError(.systemCall, "cannot start the kernel trace thread: "
                                    + SigscopeError.describe(errno: result), errno: result)
        }
        pthread_detach(thread)
    }

    private func run() {
        _ = cprocfs_thread_set_name("sigscope-events")
        let deadline = configuration.duration.map { Clocks.monotonicNanoseconds() + UInt64(max(0, $0.seconds) * 1e9) }
        var lastRefresh: UInt64 = 0
        var records: [KernelSignalRecord] = []
        let started = Clocks.monotonicNanoseconds()
        while true {
            let now = Clocks.monotonicNanoseconds()
            // Often at first (a launched command execs just after the start, and check signals at once), then
            // four times a second.
            if now &- lastRefresh > (now &- started < 300_000_000 ? 5_000_000 : 250_000_000) {
                lastRefresh = now
                refreshThreads()
            }
            waitForRecords(milliseconds: 10)
            let drained = sink.collect(into: &records)
            assembler.ingest(records)
            let mark = Self.watermark(drained)
            publish(assembler.release(olderThan: mark, wallOffset: wallOffset()))
            // An exit goes out once every signal before it has.
            if let first = exits.first, first.monotonicNanoseconds <= mark {
                let ready = exits.filter { $0.monotonicNanoseconds <= mark }
                exits.removeAll { $0.monotonicNanoseconds <= mark }
                publish(ready)
            }
            collectExits()
            if shouldEnd(deadline: deadline) { break }
        }
        finish()
    }

    /// How far events can be released in time order, from the earliest reader's mark (`KernelRecordSink`): every
    /// CPU's reader has handed over all records stamped before its last drain began, less `margin` for one being
    /// committed just then (a busy machine may delay one reader for tens of milliseconds; a fixed hold would then
    /// pair a delivery with no generation).
    static func watermark(_ drainedUpTo: UInt64) -> UInt64 {
        drainedUpTo > margin ? drainedUpTo - margin : 0
    }

    private func waitForRecords(milliseconds: Int) {
        var deadline = timespec()
        clock_gettime(CLOCK_REALTIME, &deadline)
        deadline.tv_nsec += milliseconds * 1_000_000
        if deadline.tv_nsec >= 1_000_000_000 {
            deadline.tv_sec += 1
            deadline.tv_nsec -= 1_000_000_000
        }
        _ = sem_timedwait(sink.arrived, &deadline)
    }

    private func shouldEnd(deadline: UInt64?) -> Bool {
        if stopRequested.load(ordering: .acquiring) { return true }
        if configuration.stopOnInterruption, Interruption.requested != nil { return true }
        if let deadline, Clocks.monotonicNanoseconds() >= deadline { return true }
        if case .all = target { return false }
        return running.isEmpty
    }

    /// Wall-clock seconds minus monotonic seconds now, to stamp records taken on the monotonic trace clock.
    private func wallOffset() -> Double {
        Clocks.wallSeconds() - Double(Clocks.monotonicNanoseconds()) / 1e9
    }

    private func publish(_ events: [SignalEvent]) {
        guard !events.isEmpty else { return }
        continuation.yield(events)
    }

    /// New threads of a watched process must be named in the filters before they receive a signal of their own.
    private func refreshThreads() {
        guard filter != nil else { return }
        var changed = false
        for pid in running.keys {
            assembler.rememberMappings(of: pid)
            let now = Set(KernelTasks.threads(of: pid))
            if !now.isEmpty && now != threads[pid] {
                threads[pid] = now
                changed = true
            }
        }
        guard changed else { return }
        let all = running.keys.sorted().flatMap { (threads[$0] ?? [$0]).sorted() }
        let next = KernelTraceFilter.make(threads: all, signals: configuration.signals, comms: configuration.comms)
        if next != filter {
            try? next.apply(to: instance)
            filter = next
        }
    }

    /// Notes watched processes that have ended, with how they ended.
    private func collectExits() {
        for (pid, pidfd) in running {
            var status: ExitStatus?
            if let launched, launched.pid == pid {
                guard let ended = launched.poll() else { continue }
                status = ended
            } else {
                guard pidfd >= 0 else {
                    if kill(pid, 0) != 0 && errno == ESRCH { running[pid] = nil }
                    continue
                }
                var descriptor = pollfd(fd: pidfd, events: Int16(POLLIN), revents: 0)
                guard poll(&descriptor, 1, 0) == 1 else { continue }
                status = ProcessEnd.status(pid: pid, pidfd: pidfd, timeout: .milliseconds(300))
                close(pidfd)
            }
            running[pid] = nil
            var event: SignalEvent
            switch status {
            case .exited(let code): event = SignalEvent(.exit(code: code), pid: pid, tid: pid)
            case .signaled(let signal, let core): event = SignalEvent(.killed(signal, coreDumped: core), pid: pid, tid: pid)
            case nil: event = SignalEvent(.exit(code: -1), pid: pid, tid: pid)
            }
            exits.append(event)
        }
    }

    /// Turns the recording off, drains every buffer, releases the rest in order, then the exits, reads the loss
    /// counters, removes the instance and ends the stream. `tracing_on` stops the recording at once; writing 0 to
    /// `events/enable` would unregister the probes first, which waited 118 ms for the kernel (RCU, text patching)
    /// while another instance was being torn down: the instance's removal unregisters them anyway.
    private func finish() {
        try? instance.write("tracing_on", "0")
        for reader in readers { reader.finish() }
        assembler.ingest(sink.collect().records)
        publish(assembler.release(olderThan: .max, wallOffset: wallOffset()))
        publish(exits)
        var lost = 0
        for reader in readers {
            guard let text = try? instance.read("per_cpu/cpu\(reader.cpu)/stats") else { continue }
            lost += Self.lostEvents(inStats: text)
        }
        let results = assembler.results
        statistics.withLock {
            $0.pages = sink.pages.load(ordering: .relaxed)
            $0.records = sink.decoded.load(ordering: .relaxed)
            $0.pagesAfterLoss = sink.missedPages.load(ordering: .relaxed)
            $0.lost = max(lost, sink.missedEvents.load(ordering: .relaxed))
            $0.results = results
        }
        for (_, pidfd) in running where pidfd >= 0 { close(pidfd) }
        // Every descriptor of the instance is closed: the kernel's tear-down need not hold up the stream's end.
        instance.removeInBackground()
        continuation.finish()
    }

    /// `overrun` plus `dropped events` of a CPU's `stats` file.
    static func lostEvents(inStats text: String) -> Int {
        var lost = 0
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2 else { continue }
            let key = parts[0].trimmingWhitespaceSubstring()
            if key == "overrun" || key == "dropped events" {
                lost += Int(parts[1].trimmingWhitespaceSubstring()) ?? 0
            }
        }
        return lost
    }
}
