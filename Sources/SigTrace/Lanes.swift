import Dispatch

/// Work spread over the cores: `inspect --all` reads, judges and renders thousands of processes, each
/// independent of the others.
enum Lanes {
    /// How many lanes: one per core, at most four.
    static var count: Int { max(1, min(4, System.processorCount)) }

    /// `items.map(transform)`, computed on every core, results in the order of `items`.
    static func map<T: Sendable, U: Sendable>(_ items: [T], _ transform: @Sendable (T) -> U) -> [U] {
        let lanes = count
        guard lanes > 1, items.count > 64 else { return items.map(transform) }
        // Each lane initializes its own indices of the result in place: no optional buffer copied afterwards.
        return [U](unsafeUninitializedCapacity: items.count) { buffer, initialized in
            let slots = Slots(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                for index in stride(from: lane, to: items.count, by: lanes) {
                    (slots.buffer.baseAddress! + index).initialize(to: transform(items[index]))
                }
            }
            initialized = items.count
        }
    }

    /// `body` applied to consecutive slices of `0..<total`, one slice per lane, results in slice order: for work
    /// whose results are concatenated (rendered output), each lane fills one buffer of its own.
    static func mapSlices<U: Sendable>(_ total: Int, _ body: @Sendable (Range<Int>) -> U) -> [U] {
        let lanes = total > 64 ? count : 1
        guard lanes > 1 else { return [body(0..<total)] }
        return [U](unsafeUninitializedCapacity: lanes) { buffer, initialized in
            let slots = Slots(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                (slots.buffer.baseAddress! + lane).initialize(to: body(total * lane / lanes..<total * (lane + 1) / lanes))
            }
            initialized = lanes
        }
    }

    /// The results buffer shared by the lanes. Unchecked: each index is initialized by exactly one lane, and the
    /// buffer is read only after `concurrentPerform` has returned.
    private struct Slots<U>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<U>
    }
}
