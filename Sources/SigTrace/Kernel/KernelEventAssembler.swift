/// Turns the kernel's signal records into `SignalEvent`s: a `generated` event per `signal_generate` (sender,
/// code, the kernel's result) and a `signal` event per `signal_deliver` (the handler it went to), each delivery
/// paired with the generation it came from so it carries its sender.
///
/// Records from different CPUs arrive out of order, so they are held for a short while and released sorted by
/// time; the /proc facts about the tasks they name are read as soon as they arrive, while those tasks exist.
/// Used on the kernel backend's assembling thread only.
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
        var record: KernelSignalRecord
        var tgid: Int32
        var delivery: SignalDelivery?
    }

    /// A generated signal waiting for its delivery.
    private struct Pending {
        var signal: Int32
        var targetTid: Int32
        var group: Bool
        var delivery: SignalDelivery
    }

    var options: Options
    private let tasks: KernelTasks
    private let symbols = HandlerSymbols()
    private var held: [Held] = []
    private var pending: [Int32: [Pending]] = [:]
    private var victims: [Int32: UInt64] = [:]
    /// Generations per result, for the summary.
    private(set) var results: [SignalResult: Int] = [:]

    init(options: Options, tasks: KernelTasks) {
        self.options = options
        self.tasks = tasks
    }

    /// Takes records as the readers hand them over, reading /proc for the tasks they name now.
    func ingest(_ records: [KernelSignalRecord]) {
        held.reserveCapacity(held.count + records.count)
        for record in records {
            switch record {
            case .generate(let g):
                guard let signal = Signal(rawValue: g.signal) else { continue }
                let target = tasks.task(g.targetTid)
                let tgid = target?.tgid ?? g.targetTid
                guard options.processes?.contains(tgid) ?? true, options.signals?.contains(signal) ?? true else {
                    continue
                }
                var delivery = SignalDelivery(signal: signal, code: SiginfoCode(signal: signal, code: g.code))
                delivery.errno = g.errno
                name(sender: g.senderTid, of: &delivery)
                let initDrop = g.result == 1 && (target?.namespaceInit ?? false)
                    && !(target?.ignored.contains(signal) ?? false)
                delivery.result = SignalResult(tracepointValue: Int(g.result), targetIsNamespaceInit: initDrop)
                held.append(Held(record: record, tgid: tgid, delivery: delivery))
            case .deliver(let d):
                guard let signal = Signal(rawValue: d.signal) else { continue }
                let tgid = tasks.tgid(d.tid)
                guard options.processes?.contains(tgid) ?? true, options.signals?.contains(signal) ?? true else {
                    continue
                }
                var delivery = SignalDelivery(signal: signal, code: SiginfoCode(signal: signal, code: d.code))
                delivery.errno = d.errno
                var handler = DeliveryHandler(address: d.handler, flags: d.flags)
                if options.resolveHandlers && d.handler > 1 {
                    (handler.symbol, handler.image) = symbols.resolve(pid: tgid, address: d.handler)
                }
                delivery.handler = handler
                held.append(Held(record: record, tgid: tgid, delivery: delivery))
            case .oomVictim(_, let pid):
                held.append(Held(record: record, tgid: pid, delivery: nil))
            }
        }
    }

    /// Fills the sender (a process's kill, sigqueue, tgkill; a child for SIGCHLD) or, for a signal the kernel
    /// raised itself, the task it was raised in.
    private func name(sender tid: Int32, of delivery: inout SignalDelivery) {
        let task = tasks.task(tid)
        if delivery.code.carriesSender {
            delivery.senderPid = task?.tgid ?? tid
            delivery.senderUid = task?.uid
            guard options.readSenders else { return }
            delivery.senderComm = task?.comm
            delivery.senderCmdline = tasks.cmdline(task?.tgid ?? tid)
        } else {
            // tid 0 is the idle task: a timer or an interrupt raised the signal on an idle CPU.
            delivery.contextPid = tid == 0 ? 0 : (task?.tgid ?? tid)
            delivery.contextComm = tid == 0 ? "idle" : task?.comm
        }
    }

    /// Releases, in time order, the events of records older than `cutoff` (trace-clock nanoseconds; `.max` for
    /// all), stamped on the wall clock through `wallOffset` (wall seconds minus monotonic seconds).
    func release(olderThan cutoff: UInt64, wallOffset: Double) -> [SignalEvent] {
        guard !held.isEmpty else { return [] }
        held.sort { $0.record.timestamp < $1.record.timestamp }
        let count = held.firstIndex { $0.record.timestamp > cutoff } ?? held.count
        guard count > 0 else { return [] }
        var events: [SignalEvent] = []
        events.reserveCapacity(count)
        for item in held[0..<count] {
            if let event = event(for: item) {
                var stamped = event
                stamped.monotonicNanoseconds = item.record.timestamp
                stamped.wallSeconds = Double(item.record.timestamp) / 1e9 + wallOffset
                events.append(stamped)
            }
        }
        held.removeFirst(count)
        return events
    }

    private func event(for item: Held) -> SignalEvent? {
        switch item.record {
        case .oomVictim(let timestamp, let pid):
            victims[pid] = timestamp
            if victims.count > 1024 { victims.removeAll() }
            return nil
        case .generate(let g):
            guard var delivery = item.delivery, let result = delivery.result else { return nil }
            results[result, default: 0] += 1
            if delivery.signal == .kill && delivery.code.rawValue == 0x80 && victims[item.tgid] != nil {
                delivery.oomKiller = true
            }
            if result == .delivered || result == .infoLost {
                // Mutated in place: a copy out and back would copy the queue for every signal of a flood.
                pending[item.tgid, default: []].append(
                    Pending(signal: g.signal, targetTid: g.targetTid, group: g.group, delivery: delivery))
                if let count = pending[item.tgid]?.count, count > 4096 {
                    pending[item.tgid]?.removeFirst(count - 4096)
                }
            }
            return SignalEvent(.generated(delivery), pid: item.tgid, tid: g.targetTid)
        case .deliver(let d):
            guard var delivery = item.delivery else { return nil }
            if let index = pending[item.tgid]?.firstIndex(where: {
                   $0.signal == d.signal && ($0.group || $0.targetTid == d.tid)
               }), let sent = pending[item.tgid]?.remove(at: index).delivery {
                if pending[item.tgid]?.isEmpty == true { pending[item.tgid] = nil }
                delivery.senderPid = sent.senderPid
                delivery.senderUid = sent.senderUid
                delivery.senderComm = sent.senderComm
                delivery.senderCmdline = sent.senderCmdline
                delivery.contextPid = sent.contextPid
                delivery.contextComm = sent.contextComm
                delivery.oomKiller = sent.oomKiller
                delivery.result = sent.result
            }
            return SignalEvent(.signal(delivery), pid: item.tgid, tid: d.tid)
        }
    }

    /// Keeps the current mappings of a watched process for naming its handlers after it is gone.
    func rememberMappings(of pid: Int32) {
        if options.resolveHandlers { symbols.remember(pid) }
    }

    /// Forgets what waits for a process that has ended.
    func forget(process pid: Int32) { pending[pid] = nil }
}
