import CProcfs
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reads one CPU's ring buffer of sigscope's tracing instance, `per_cpu/cpuN/trace_pipe_raw`, a binary page at a
/// time, on a thread of its own: sleeps in poll until the kernel has filled `buffer_percent` of the buffer (a few
/// pages) or `idleWake` has passed, reads every page there is, decodes them, and hands the records to the sink.
///
/// A wake-up costs the traced program's CPU an irq_work and a scheduler wake-up: with a non-zero `buffer_percent`
/// the kernel checks the watermark only when a page fills (rb_wakeups), so a flood wakes the reader once per few
/// pages (hundreds of records), never per record, and a quiet CPU's records wait at most `idleWake`.
final class RingBufferReader: @unchecked Sendable {
    // @unchecked Sendable: created on the starting thread and then used only by its own pthread; `state` is the
    // shared part.

    let cpu: Int
    private let fd: Int32
    private let pageSize: Int
    private let layout: RingBufferPageLayout
    private let tracepoints: SignalTracepoints
    private let sink: KernelRecordSink
    /// This reader's place in the sink's watermarks.
    private let slot: Int
    /// 0 running, 1 drain what is left and end.
    let state = Atomic<Int>(0)
    let finished = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
    /// Milliseconds a reader sleeps when its buffer stays under the watermark: how late a lone signal is seen.
    static let idleWake: Int32 = 20
    /// The instance's `buffer_percent`: how full a CPU's buffer gets before its reader is woken. 1% of the default
    /// 1.4 MiB is four pages, about 300 records; a smaller buffer still wakes it per filled page.
    static let wakePercent = 1

    /// Opens the CPU's `trace_pipe_raw` now, so a failure is reported before any thread starts.
    init(cpu: Int, instance: TraceInstance, pageSize: Int, layout: RingBufferPageLayout,
         tracepoints: SignalTracepoints, sink: KernelRecordSink) throws(SigscopeError) {
        let path = instance.path("per_cpu/cpu\(cpu)/trace_pipe_raw")
        let fd = path.withCString { open($0, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else {
            let code = errno
            throw SigscopeError(.systemCall, "cannot open \(path): \(SigscopeError.describe(errno: code))", errno: code)
        }
        self.cpu = cpu
        self.fd = fd
        self.pageSize = pageSize
        self.layout = layout
        self.tracepoints = tracepoints
        self.sink = sink
        slot = sink.addReader()
        sem_init(finished, 0, 0)
    }

    deinit {
        sem_destroy(finished)
        finished.deallocate()
    }

    /// Starts the reader's pthread. The corresponding C function is `pthread_create`.
    func start() throws(SigscopeError) {
        let box = Unmanaged.passRetained(self).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let reader = Unmanaged<RingBufferReader>.fromOpaque(argument!).takeRetainedValue()
            reader.run()
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<RingBufferReader>.fromOpaque(box).release()
            close(fd)
            throw SigscopeError(.systemCall, "cannot start a ring-buffer reader: "
                                    + SigscopeError.describe(errno: result), errno: result)
        }
        pthread_detach(thread)
    }

    /// Asks the reader to read what is left and end, then waits until it has closed its descriptor.
    func finish() {
        state.store(1, ordering: .releasing)
        _ = retryOnInterrupt { sem_wait(finished) }
    }

    private func run() {
        // Off the CPU it reads: the records there are written by the programs running there, and this thread's
        // wake-ups come from there (irq_work), so the scheduler would often place it beside the writer and take
        // its time from the traced program (measured: 0.1-0.2 us per signal in a flood, in the program's waits).
        _ = cprocfs_thread_avoid_cpu(Int32(cpu))
        _ = cprocfs_thread_set_name("sigscope-cpu\(cpu)")
        let page = UnsafeMutableRawBufferPointer.allocate(byteCount: pageSize, alignment: 8)
        defer {
            page.deallocate()
            close(fd)
            sem_post(finished)
        }
        var batch: [KernelSignalRecord] = []
        while true {
            let ending = state.load(ordering: .acquiring) == 1
            // Every record stamped before the drain begins is handed over with it (give or take one being
            // committed as it begins: the assembler keeps a margin).
            let began = Clocks.monotonicNanoseconds()
            drain(into: page, batch: &batch)
            sink.handOver(&batch, from: slot, drainedUpTo: began)
            if ending { return }
            var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            // A quiet CPU's reader still wakes now and then: its few records go out, and its watermark keeps up
            // with the clock.
            _ = poll(&descriptor, 1, Self.idleWake)
        }
    }

    /// Reads and decodes every page the kernel has now.
    private func drain(into page: UnsafeMutableRawBufferPointer, batch: inout [KernelSignalRecord]) {
        while true {
            let count = retryOnInterrupt { read(fd, page.baseAddress, pageSize) }
            guard count > 0 else { break }
            let summary = RingBufferPage.forEachRecord(in: UnsafeRawBufferPointer(rebasing: page[0..<count]),
                                                       layout: layout) { timestamp, bytes in
                if let record = tracepoints.decode(timestamp: timestamp, bytes) { batch.append(record) }
            }
            sink.pages.add(1, ordering: .relaxed)
            if summary.missed {
                sink.missedPages.add(1, ordering: .relaxed)
                sink.missedEvents.add(summary.missedCount ?? 0, ordering: .relaxed)
            }
        }
    }
}
