import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Where the per-CPU readers hand decoded records to the assembling thread, each batch together with how far its
/// CPU has been read: the assembler may release events in time order only up to the earliest CPU's mark, and it
/// must never see a mark without the records read before it.
///
/// Records and marks therefore change under one lock. Read apart (records taken, then marks loaded), a reader
/// could hand over a generation and advance its mark in between, and the delivery it caused, from another CPU's
/// buffer, would be released without its sender.
final class KernelRecordSink: @unchecked Sendable {
    // @unchecked Sendable: every stored property is a Mutex, an Atomic, or a semaphore that is safe to post and
    // wait on from any thread.

    private struct Handover {
        var records: [KernelSignalRecord] = []
        /// Per reader: when its last complete drain began (the trace clock, CLOCK_MONOTONIC ns).
        var drainedUpTo: [UInt64] = []
    }

    private let handover = Mutex(Handover())
    /// Pages read, records decoded, pages that said events were lost before them, and the lost events the
    /// kernel counted on those pages.
    let pages = Atomic<Int>(0)
    let decoded = Atomic<Int>(0)
    let missedPages = Atomic<Int>(0)
    let missedEvents = Atomic<Int>(0)
    /// Posted when records arrive, so the assembler names a short-lived sender while it still exists.
    let arrived = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    init() { sem_init(arrived, 0, 0) }

    deinit {
        sem_destroy(arrived)
        arrived.deallocate()
    }

    /// Adds a reader, whose mark starts at 0 (nothing may be released before every reader has drained once);
    /// returns its slot.
    func addReader() -> Int {
        handover.withLock { state in
            state.drainedUpTo.append(0)
            return state.drainedUpTo.count - 1
        }
    }

    /// Takes a reader's `batch` (leaving it empty, its capacity kept) and advances its mark: every record its CPU
    /// stamped before `drainedUpTo` is in this batch or an earlier one.
    func handOver(_ batch: inout [KernelSignalRecord], from slot: Int, drainedUpTo: UInt64) {
        let count = batch.count
        handover.withLock { state in
            if count > 0 { state.records.append(contentsOf: batch) }
            state.drainedUpTo[slot] = max(state.drainedUpTo[slot], drainedUpTo)
        }
        guard count > 0 else { return }
        decoded.add(count, ordering: .relaxed)
        batch.removeAll(keepingCapacity: true)
        sem_post(arrived)
    }

    /// Takes every record handed over so far, with the earliest reader's mark: every record stamped before it (on
    /// any CPU) is among those taken now or before.
    func collect() -> (records: [KernelSignalRecord], drainedUpTo: UInt64) {
        var records: [KernelSignalRecord] = []
        let drained = collect(into: &records)
        return (records, drained)
    }

    /// `collect()` into `records` (emptied first, its capacity kept), swapped with the sink's own array: a flood's
    /// batches cost no new buffer, no copy and no page faults.
    func collect(into records: inout [KernelSignalRecord]) -> UInt64 {
        records.removeAll(keepingCapacity: true)
        return handover.withLock { state in
            swap(&records, &state.records)
            return state.drainedUpTo.min() ?? 0
        }
    }
}
