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
        var results = [U?](repeating: nil, count: items.count)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = Slots(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                for index in stride(from: lane, to: items.count, by: lanes) {
                    slots.buffer[index] = transform(items[index])
                }
            }
        }
        return results.map { $0! }
    }

    /// `body` applied to consecutive slices of `0..<total`, one slice per lane, results in slice order: for work
    /// whose results are concatenated (rendered output), each lane fills one buffer of its own.
    static func mapSlices<U: Sendable>(_ total: Int, _ body: @Sendable (Range<Int>) -> U) -> [U] {
        let lanes = total > 64 ? count : 1
        guard lanes > 1 else { return [body(0..<total)] }
        var results = [U?](repeating: nil, count: lanes)
        results.withUnsafeMutableBufferPointer { buffer in
            let slots = Slots(buffer: buffer)
            DispatchQueue.concurrentPerform(iterations: lanes) { lane in
                slots.buffer[lane] = body(total * lane / lanes..<total * (lane + 1) / lanes)
            }
        }
        return results.map { $0! }
    }

    /// The results buffer shared by the lanes. Unchecked: each index is written by exactly one lane, and the
    /// buffer is read only after `concurrentPerform` has returned.
    private struct Slots<U>: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<U?>
    }
}
