/// Turns the kernel's signal records into `SignalEvent`s: a `generated` event per `signal_generate` (sender,
/// code, the kernel's result) and a `signal` event per `signal_deliver` (the handler it went to), each delivery
/// paired with the generation it came from so it carries its sender.
///
/// Records from different CPUs arrive out of order, so they are held for a short while and released sorted by
/// time; the /proc facts about the tasks they name are read as soon as they arrive, while those tasks exist.
/// Used on the kernel backend's assembling thread only.
///
/// A flood passes through here at hundreds of thousands of records a second, and on a small machine this
/// thread's CPU is taken from the traced program: a record costs no clock read of its own (one per batch), no
/// String, and, for the task and handler a flood names again and again, no hash lookup.
final class KernelEventAssembler {
    struct Options {
        /// Report only these signals.
        var signals: SignalSet?
        /// Report only these processes (thread-group ids); nil: every process.
        var processes: Set<Int32>?
        /// Read senders' comm and command line.
        var readSenders = true
        /// Name handler addresses from the receiver's ELF images.
        var resolveHandlers = true
    }

    /// A record with what /proc said about its tasks when it arrived.
    private struct Held {
        enum Kind: UInt8 {
            case generate, deliver, oomVictim
        }

        var timestamp: UInt64
        var kind: Kind
        /// The process the record is about (for `oomVictim`, the victim).
        var tgid: Int32
        /// The target thread of a generation, or the thread a signal is delivered to.
        var tid: Int32
        var signal: Int32
        /// A process-directed generation.
        var group: Bool
        var delivery: SignalDelivery?
    }

    /// A generated signal waiting for its delivery.
    private struct Pending {
        var signal: Int32
        var targetTid: Int32
        var group: Bool
        var delivery: SignalDelivery
    }

    var options: Options { didSet { lastWatched = -1 } }
    /// A process last found in `options.processes`: a flood's records name one again and again.
    private var lastWatched: Int32 = -1
    private let tasks: KernelTasks
    private let symbols = HandlerSymbols()
    private var held: [Held] = []
    /// Held records before this index have been released; they are dropped in one go once they are the larger
    /// part (removing each released prefix would move every record still held, at each release).
    private var releasedCount = 0
    private var pending: [Int32: [Pending]] = [:]
    private var victims: [Int32: UInt64] = [:]
    /// The SIGKILL each process was killed by, for the deliveries to its other threads.
    private var killedBy: [Int32: (sent: SignalDelivery, at: UInt64)] = [:]
    /// Generations per result (`SignalResult.allCases` order), for the summary.
    private var resultCounts = [Int](repeating: 0, count: SignalResult.allCases.count)
    /// The last handler named: a flood's deliveries go to one handler.
    private var lastHandler: (pid: Int32, address: UInt64, symbol: String?, image: String?)?

    init(options: Options, tasks: KernelTasks) {
        self.options = options
        self.tasks = tasks
    }

    /// Generations per result, for the summary.
    var results: [SignalResult: Int] {
        var counts: [SignalResult: Int] = [:]
        for (index, result) in SignalResult.allCases.enumerated() where resultCounts[index] > 0 {
            counts[result] = resultCounts[index]
        }
        return counts
    }

    /// The position of `result` in `SignalResult.allCases` (which is an array made anew at each use).
    private static func index(of result: SignalResult) -> Int {
        switch result {
        case .delivered: 0
        case .ignored: 1
        case .droppedByInit: 2
        case .merged: 3
        case .overflow: 4
        case .infoLost: 5
        }
    }

    /// Takes records as the readers hand them over, reading /proc for the tasks they name now.
    func ingest(_ records: [KernelSignalRecord]) {
        guard !records.isEmpty else { return }
        // No reserveCapacity(count + batch): an exact reservation copies every held record at each batch;
        // appends grow the array geometrically.
        // One clock read for the batch: /proc readings stay current for 100 ms.
        let now = Clocks.monotonicNanoseconds()
        for record in records {
            switch record {
            case .generate(let g):
                guard let signal = Signal(rawValue: g.signal) else { continue }
                let target = tasks.task(g.targetTid, now: now)
                let tgid = target?.tgid ?? g.targetTid
                guard watched(tgid), options.signals?.contains(signal) ?? true else {
                    continue
                }
                var delivery = SignalDelivery(signal: signal, code: SiginfoCode(signal: signal, code: g.code))
                delivery.errno = g.errno
                name(sender: g.senderTid, of: &delivery, now: now)
                let initDrop = g.result == 1 && (target?.namespaceInit ?? false)
                    && !(target?.ignored.contains(signal) ?? false)
                delivery.result = SignalResult(tracepointValue: Int(g.result), targetIsNamespaceInit: initDrop)
                held.append(Held(timestamp: g.timestamp, kind: .generate, tgid: tgid, tid: g.targetTid,
                                 signal: g.signal, group: g.group, delivery: delivery))
            case .deliver(let d):
                guard let signal = Signal(rawValue: d.signal) else { continue }
                let tgid = tasks.task(d.tid, now: now)?.tgid ?? d.tid
                guard watched(tgid), options.signals?.contains(signal) ?? true else {
                    continue
                }
                var delivery = SignalDelivery(signal: signal, code: SiginfoCode(signal: signal, code: d.code))
                delivery.errno = d.errno
                var handler = DeliveryHandler(address: d.handler, flags: d.flags)
                if options.resolveHandlers && d.handler > 1 {
                    (handler.symbol, handler.image) = resolve(pid: tgid, address: d.handler)
                }
                delivery.handler = handler
                held.append(Held(timestamp: d.timestamp, kind: .deliver, tgid: tgid, tid: d.tid, signal: d.signal,
                                 group: false, delivery: delivery))
            case .oomVictim(let timestamp, let pid):
                held.append(Held(timestamp: timestamp, kind: .oomVictim, tgid: pid, tid: pid, signal: 0, group: false,
                                 delivery: nil))
            }
        }
    }

    /// Whether the records of process `tgid` are reported.
    private func watched(_ tgid: Int32) -> Bool {
        guard let processes = options.processes, tgid != lastWatched else { return true }
        guard processes.contains(tgid) else { return false }
        lastWatched = tgid
        return true
    }

    /// The handler's function and image, remembered for the last one asked.
    private func resolve(pid: Int32, address: UInt64) -> (String?, String?) {
        if let last = lastHandler, last.pid == pid, last.address == address { return (last.symbol, last.image) }
        let (symbol, image) = symbols.resolve(pid: pid, address: address)
        lastHandler = (pid, address, symbol, image)
        return (symbol, image)
    }

    /// Fills the sender (a process's kill, sigqueue, tgkill; a child for SIGCHLD) or, for a signal the kernel
    /// raised itself, the task it was raised in.
    private func name(sender tid: Int32, of delivery: inout SignalDelivery, now: UInt64) {
        let task = tasks.task(tid, now: now)
        if delivery.code.carriesSender {
            delivery.senderPid = task?.tgid ?? tid
            delivery.senderUid = task?.uid
            guard options.readSenders else { return }
            delivery.senderComm = task?.comm
            delivery.senderCmdline = tasks.cmdline(task?.tgid ?? tid, now: now)
        } else {
            // tid 0 is the idle task: a timer or an interrupt raised the signal on an idle CPU.
            delivery.contextPid = tid == 0 ? 0 : (task?.tgid ?? tid)
            delivery.contextComm = tid == 0 ? "idle" : task?.comm
        }
    }

    /// Releases, in time order, the events of records older than `cutoff` (trace-clock nanoseconds; `.max` for
    /// all), stamped on the wall clock through `wallOffset` (wall seconds minus monotonic seconds).
    func release(olderThan cutoff: UInt64, wallOffset: Double) -> [SignalEvent] {
        guard releasedCount < held.count else { return [] }
        let waiting = releasedCount..<held.count
        // Each reader hands over its CPU's records in order, so the held records are often sorted already.
        if !waiting.dropFirst().allSatisfy({ held[$0 - 1].timestamp <= held[$0].timestamp }) {
            held[waiting].sort { $0.timestamp < $1.timestamp }
        }
        let end = held[held.count - 1].timestamp <= cutoff
            ? held.count : held[waiting].firstIndex(where: { $0.timestamp > cutoff }) ?? held.count
        guard end > releasedCount else { return [] }
        var events: [SignalEvent] = []
        events.reserveCapacity(end - releasedCount)
        for index in releasedCount..<end {
            let item = held[index]
            if let kind = kind(of: item) {
                events.append(SignalEvent(kind, pid: item.tgid, tid: item.tid, monotonicNanoseconds: item.timestamp,
                                          wallSeconds: Double(item.timestamp) / 1e9 + wallOffset))
            }
        }
        if end == held.count {
            held.removeAll(keepingCapacity: true)
            releasedCount = 0
        } else {
            releasedCount = end
            if releasedCount >= 4096 && releasedCount * 2 >= held.count {
                held.removeFirst(releasedCount)
                releasedCount = 0
            }
        }
        return events
    }

    private func kind(of item: Held) -> SignalEvent.Kind? {
        switch item.kind {
        case .oomVictim:
            victims[item.tgid] = item.timestamp
            if victims.count > 1024 { victims.removeAll() }
            return nil
        case .generate:
            guard var delivery = item.delivery, let result = delivery.result else { return nil }
            resultCounts[Self.index(of: result)] += 1
            if delivery.signal == .kill && delivery.code.rawValue == 0x80 && victims[item.tgid] != nil {
                delivery.oomKiller = true
            }
            if result == .delivered || result == .infoLost {
                enqueue(Pending(signal: item.signal, targetTid: item.tid, group: item.group, delivery: delivery),
                        in: item.tgid)
            }
            return .generated(delivery)
        case .deliver:
            guard var delivery = item.delivery else { return nil }
            if let sent = takePending(signal: item.signal, tid: item.tid, in: item.tgid) {
                Self.attribute(sent, to: &delivery)
                if item.signal == Signal.kill.rawValue {
                    if killedBy.count >= 1024 { killedBy.removeAll() }
                    killedBy[item.tgid] = (sent, item.timestamp)
                }
            } else if item.signal == Signal.kill.rawValue, let killed = killedBy[item.tgid],
                      item.timestamp &- killed.at < 1_000_000_000 {
                // The process's other threads: the kernel puts SIGKILL on each (zap_other_threads) with no
                // generation of its own; they die of the SIGKILL that was sent (within a second: not a later
                // process that reused the pid).
                Self.attribute(killed.sent, to: &delivery)
            }
            return .signal(delivery)
        }
    }

    /// Gives a delivery the sender and result of the generation it came from.
    private static func attribute(_ sent: SignalDelivery, to delivery: inout SignalDelivery) {
        delivery.senderPid = sent.senderPid
        delivery.senderUid = sent.senderUid
        delivery.senderComm = sent.senderComm
        delivery.senderCmdline = sent.senderCmdline
        delivery.contextPid = sent.contextPid
        delivery.contextComm = sent.contextComm
        delivery.oomKiller = sent.oomKiller
        delivery.result = sent.result
    }

    /// Queues a generation for its delivery, in place (a copy of the queue per signal would cost a flood dearly).
    /// An emptied queue stays, for the process's next signal, until there are many.
    private func enqueue(_ generation: Pending, in tgid: Int32) {
        if let index = pending.index(forKey: tgid) {
            pending.values[index].append(generation)
            if pending.values[index].count > 4096 { pending.values[index].removeFirst(1024) }
            return
        }
        if pending.count >= 1024 { pending = pending.filter { !$0.value.isEmpty } }
        pending[tgid] = [generation]
    }

    /// The generation that a delivery of `signal` to thread `tid` came from, taken off its queue: the first of
    /// that signal for the process or for that thread.
    private func takePending(signal: Int32, tid: Int32, in tgid: Int32) -> SignalDelivery? {
        guard let index = pending.index(forKey: tgid),
              let position = pending.values[index].firstIndex(where: {
                  $0.signal == signal && ($0.group || $0.targetTid == tid)
              }) else { return nil }
        return pending.values[index].remove(at: position).delivery
    }

    /// Keeps the current mappings of a watched process for naming its handlers after it is gone.
    func rememberMappings(of pid: Int32) {
        if options.resolveHandlers { symbols.remember(pid) }
    }

    /// Forgets what waits for a process that has ended.
    func forget(process pid: Int32) {
        pending[pid] = nil
        killedBy[pid] = nil
    }
}
