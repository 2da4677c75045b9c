import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

@testable import SigTrace

/// The kernel backend's release order: a delivery read from one CPU's buffer is released only once the
/// generation behind it, from another CPU's buffer, has been taken, so it carries its sender.
@Suite struct KernelOrdering {
    /// Readers that have finished, shared with the collecting task.
    final class Counter: Sendable {
        let value = Atomic<Int>(0)
    }

    static func generate(at timestamp: UInt64, signal: Int32 = SIGUSR1) -> KernelSignalRecord {
        .generate(.init(timestamp: timestamp, senderTid: getpid(), signal: signal, errno: 0, code: 0,
                        targetComm: "sigscope", targetTid: getpid(), group: true, result: 0))
    }

    static func deliver(at timestamp: UInt64, signal: Int32 = SIGUSR1) -> KernelSignalRecord {
        .deliver(.init(timestamp: timestamp, tid: getpid(), signal: signal, errno: 0, code: 0, handler: 0x1000,
                       flags: 0))
    }

    static func assembler() -> KernelEventAssembler {
        var options = KernelEventAssembler.Options()
        options.resolveHandlers = false
        options.readSenders = false
        return KernelEventAssembler(options: options, tasks: KernelTasks(tracefs: nil))
    }

    /// The interleaving that printed deliveries without senders: CPU 1's reader hands over the delivery, the
    /// assembler takes it, and only then does CPU 0's reader hand over the generation (its mark already past both).
    @Test func aDeliveryWaitsForItsGenerationFromAnotherCPU() {
        let sink = KernelRecordSink()
        let cpu0 = sink.addReader()
        let cpu1 = sink.addReader()
        let assembler = Self.assembler()
        var batch = [Self.deliver(at: 10_030_000)]
        sink.handOver(&batch, from: cpu1, drainedUpTo: 20_000_000)
        #expect(batch.isEmpty)
        var taken = sink.collect()
        #expect(taken.records.count == 1)
        #expect(taken.drainedUpTo == 0, "CPU 0 has not been read yet")
        assembler.ingest(taken.records)
        #expect(assembler.release(olderThan: KernelTraceLoop.watermark(taken.drainedUpTo), wallOffset: 0).isEmpty)

        batch = [Self.generate(at: 10_000_000)]
        sink.handOver(&batch, from: cpu0, drainedUpTo: 25_000_000)
        taken = sink.collect()
        #expect(taken.drainedUpTo == 20_000_000)
        assembler.ingest(taken.records)
        let events = assembler.release(olderThan: KernelTraceLoop.watermark(taken.drainedUpTo), wallOffset: 0)
        guard events.count == 2, case .generated = events[0].kind, case .signal(let delivery) = events[1].kind else {
            Issue.record("expected the generation, then the delivery: \(events)")
            return
        }
        #expect(delivery.senderPid == getpid())
        #expect(delivery.result == .delivered)
    }

    /// Readers hand over records and advance their marks while the assembler collects: a mark never runs ahead
    /// of the records it covers (taken apart, a mark could cover a batch handed over after the take).
    @Test func aCollectedMarkNeverCoversRecordsNotYetTaken() async {
        let sink = KernelRecordSink()
        let slots = [sink.addReader(), sink.addReader()]
        let rounds: UInt64 = 20_000
        let done = Counter()
        await withTaskGroup(of: Void.self) { group in
            for slot in slots {
                group.addTask {
                    var batch: [KernelSignalRecord] = []
                    // Record t on this CPU, then the mark t + 1: everything before t + 1 is handed over.
                    for t in 1...rounds {
                        batch.append(slot == 0 ? Self.generate(at: t) : Self.deliver(at: t))
                        sink.handOver(&batch, from: slot, drainedUpTo: t + 1)
                    }
                    done.value.add(1, ordering: .releasing)
                }
            }
            group.addTask {
                var newest: [UInt64] = [0, 0]
                var violations = 0
                while true {
                    let finished = done.value.load(ordering: .acquiring) == 2
                    let (records, mark) = sink.collect()
                    for record in records {
                        if case .generate = record { newest[0] = max(newest[0], record.timestamp) }
                        else { newest[1] = max(newest[1], record.timestamp) }
                    }
                    if mark > 0, newest.contains(where: { $0 < mark - 1 }) { violations += 1 }
                    if finished { break }
                }
                #expect(violations == 0)
                #expect(newest == [rounds, rounds])
            }
        }
    }
}
