import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Work spread over the cores: `inspect --all` reads, judges and renders thousands of processes, each
/// independent of the others. Lanes take the work in small batches from a shared counter rather than a fixed
/// share each, so a lane whose core is busy with something else leaves more of the work to the others.
enum Lanes {
    /// How many lanes: one per core, at most four.
    static var count: Int { max(1, min(4, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }

    /// How many items a lane takes at a time.
    static let batch = 32

    /// `items.map(transform)`, computed on every core, results in the order of `items`.
    static func map<T: Sendable, U: Sendable>(_ items: [T], _ transform: @Sendable (T) -> U) -> [U] {
        let lanes = count
        guard lanes > 1, items.count > 64 else { return items.map(transform) }
        // Each result is initialized in place by the lane that computed it: no optional buffer copied afterwards.
        return [U](unsafeUninitializedCapacity: items.count) { buffer, initialized in
            let slots = Slots(buffer: buffer)
            forEachBatch(of: items.count, batch: batch, lanes: lanes) { range in
                for index in range { (slots.buffer.baseAddress! + index).initialize(to: transform(items[index])) }
            }
            initialized = items.count
        }
    }

    /// `body` applied to consecutive slices of `0..<total` on every core, each result handed to `deliver` in
    /// slice order as soon as it and every slice before it are done: rendered output goes out while the rest is
    /// still being rendered, and is not all held in memory. Calls to `deliver` are serialized.
    static func forEachSlice<U: Sendable>(_ total: Int, _ body: @Sendable (Range<Int>) -> U,
                                          deliver: @Sendable (U) -> Void) {
        let size = 4 * batch
        let slices = (total + size - 1) / size
        let lanes = slices > 1 ? count : 1
        guard lanes > 1 else {
            if total > 0 { deliver(body(0..<total)) }
            return
        }
        let order = Mutex<(next: Int, done: [Int: U])>((0, [:]))
        forEachBatch(of: slices, batch: 1, lanes: lanes) { range in
            for slice in range {
                let result = body(slice * size..<min(total, (slice + 1) * size))
                order.withLock { order in
                    order.done[slice] = result
                    while let ready = order.done.removeValue(forKey: order.next) {
                        deliver(ready)
                        order.next += 1
                    }
                }
            }
        }
    }

    /// Calls `body` with consecutive ranges of `0..<total`, `batch` long, each taken by whichever lane is free.
    private static func forEachBatch(of total: Int, batch: Int, lanes: Int, _ body: @Sendable (Range<Int>) -> Void) {
        let next = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: lanes) { _ in
            while true {
                let start = next.add(batch, ordering: .relaxed).oldValue
                if start >= total { return }
                body(start..<min(total, start + batch))
            }
        }
    }

    /// The results buffer shared by the lanes. Unchecked: each index is initialized by exactly one lane, and the
    /// buffer is read only after `concurrentPerform` has returned.
    private struct Slots<U>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<U>
    }
}
