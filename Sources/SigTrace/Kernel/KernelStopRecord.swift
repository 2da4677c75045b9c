/// What the kernel did with a check's stop signal and with every SIGKILL, as its `signal:*` tracepoints recorded
/// them: facts, not a forecast. Built from the kernel backend's events by `StopSignalFate`; pure, so it is judged
/// on captured events in tests.
public struct KernelStopRecord: Sendable, Equatable {
    /// One generation of a signal to a watched process, with where it went.
    public struct Fact: Sendable, Equatable {
        /// Where a generated signal ended up.
        public enum Destination: String, Sendable, Equatable {
            /// Delivered to a handler the program installed.
            case handler
            /// Taken by its default action (for a fatal one, the kernel ended the process).
            case defaultAction = "default-action"
            /// Delivered while ignored (SIG_IGN).
            case ignored
            /// Queued but never delivered while watched: blocked (sigwait, a signalfd) or left pending.
            case pending
        }

        public var signal: Signal
        /// The process it was generated for.
        public var pid: Int32
        /// The kernel's result at generation.
        public var result: SignalResult
        /// Where it went, for a signal the kernel queued (`delivered`, `info-lost`); nil for one it never queued.
        public var destination: Destination?
        public var handlerSymbol: String?
        public var handlerImage: String?
        public var senderPid: Int32?
        public var senderComm: String?
        /// The OOM killer's SIGKILL.
        public var oomKiller = false
        /// When it was generated, or delivered when it was (CLOCK_MONOTONIC nanoseconds).
        public var monotonicNanoseconds: UInt64
        /// The sentence for people: `SIGTERM dropped: PID 1 of its namespace has no handler`.
        public var text: String
    }

    /// The stop signal sent to the service, the first generation when there were several; nil when the kernel
    /// recorded none (its events were lost, or the service was gone before the signal).
    public var stopSignal: Fact?
    /// Further generations of the stop signal (a second SIGTERM from the runtime, ...).
    public var repeatedStopSignals: [Fact] = []
    /// Every SIGKILL to a watched process, with its sender.
    public var kills: [Fact] = []
    /// The kernel's SIGKILL generations as watch events, for `check --trace`.
    public var killEvents: [SignalEvent] = []
    /// Events the kernel lost while watched (0: the record is complete).
    public var lostEvents = 0

    public init() {}

    public static func == (a: KernelStopRecord, b: KernelStopRecord) -> Bool {
        a.stopSignal == b.stopSignal && a.repeatedStopSignals == b.repeatedStopSignals && a.kills == b.kills
            && a.lostEvents == b.lostEvents
    }

    /// Every fact in time order, for the check's timeline.
    public var facts: [Fact] {
        ((stopSignal.map { [$0] } ?? []) + repeatedStopSignals + kills).sorted {
            $0.monotonicNanoseconds < $1.monotonicNanoseconds
        }
    }

    /// The sentence a verdict states: what happened to the stop signal, or that the kernel recorded none.
    public func verdictText(signal: Signal, pid: Int32) -> String {
        if let stopSignal { return stopSignal.text }
        return lostEvents > 0 ? "\(signal.name) to pid \(pid): not in the kernel's record (it lost \(lostEvents) events)"
            : "\(signal.name) to pid \(pid): the kernel recorded no generation"
    }

    /// Judges the kernel backend's events of a check on `pids` (the service first). `exit` is how the service
    /// ended, when known: a fatal signal taken by its default action has no delivery event (complete_signal()
    /// turns it into a group exit on the sender's side).
    public static func judge(_ events: [SignalEvent], signal: Signal, pids: [Int32], exit: ExitStatus? = nil,
                             lostEvents: Int = 0) -> KernelStopRecord {
        var record = KernelStopRecord()
        record.lostEvents = lostEvents
        let service = pids.first ?? 0
        var deliveries = events.filter { if case .signal = $0.kind { true } else { false } }
        for event in events {
            guard case .generated(let sent) = event.kind, let result = sent.result else { continue }
            var fact = Fact(signal: sent.signal, pid: event.pid, result: result, senderPid: sent.senderPid,
                            senderComm: sent.senderComm, oomKiller: sent.oomKiller,
                            monotonicNanoseconds: event.monotonicNanoseconds, text: "")
            let target = event.pid == service ? "" : " to pid \(event.pid)"
            if sent.signal == .kill && signal != .kill {
                let sender = sent.oomKiller ? " from the kernel's OOM killer" : sender(of: sent)
                fact.destination = result == .delivered ? .defaultAction : nil
                fact.text = "SIGKILL\(target)\(sender): \(result == .delivered ? "delivered" : result.meaning)"
                record.kills.append(fact)
                record.killEvents.append(event)
                continue
            }
            guard sent.signal == signal else { continue }
            let name = sent.signal.name + target
            switch result {
            case .droppedByInit, .ignored, .merged, .overflow:
                fact.text = "\(name) \(result.meaning)"
            case .delivered, .infoLost:
                let lostInfo = result == .infoLost ? " (its sender and value lost: the signal queue was full)" : ""
                if let index = deliveries.firstIndex(where: { $0.pid == event.pid && $0.signal == sent.signal }),
                   case .signal(let delivery) = deliveries[index].kind {
                    fact.monotonicNanoseconds = deliveries.remove(at: index).monotonicNanoseconds
                    let handler = delivery.handler
                    switch handler?.address {
                    case 0?: fact.destination = .defaultAction
                    case 1?: fact.destination = .ignored
                    case nil: fact.destination = nil
                    default:
                        fact.destination = .handler
                        fact.handlerSymbol = handler?.symbol
                        fact.handlerImage = handler?.image
                    }
                    fact.text = "\(name) delivered " + describe(handler) + lostInfo
                } else if event.pid == service, let exit, exit == .signaled(sent.signal, coreDumped: false)
                            || exit == .signaled(sent.signal, coreDumped: true) {
                    fact.destination = .defaultAction
                    fact.text = "\(name) taken by its default action: the kernel ended the process (no handler)"
                        + lostInfo
                } else {
                    fact.destination = .pending
                    fact.text = "\(name) queued, never delivered to a handler or default action: blocked, so taken "
                        + "by sigwait or a signalfd, or left pending" + lostInfo
                }
            }
            if record.stopSignal == nil && event.pid == service {
                record.stopSignal = fact
            } else {
                record.repeatedStopSignals.append(fact)
            }
        }
        return record
    }

    /// ` from 4711 (kubelet)`, ` from 4711 (gone)`, or nothing when the kernel raised it.
    static func sender(of sent: SignalDelivery) -> String {
        sent.senderPid.map { " from \($0) (\(sent.senderComm ?? "gone"))" } ?? ""
    }

    /// `to its handler on_term (app)`, `to the default action`, `while ignored (SIG_IGN)`.
    static func describe(_ handler: DeliveryHandler?) -> String {
        guard let handler else { return "" }
        switch handler.address {
        case 0: return "to the default action"
        case 1: return "while ignored (SIG_IGN)"
        default:
            let image = handler.image.map { " (" + ($0.split(separator: "/").last.map(String.init) ?? $0) + ")" } ?? ""
            return "to its handler " + (handler.symbol ?? "0x" + String(handler.address, radix: 16)) + image
        }
    }

    /// `  kernel: TEXT` within 80 columns, continued under the text (`kernel: ` starts it).
    public static func wrapped(_ text: String, width: Int = 80) -> [String] {
        var lines: [String] = []
        var line = "  "
        let hang = String(repeating: " ", count: 10)
        for word in text.split(separator: " ") {
            if line.count > hang.count && line.count + 1 + word.count > width {
                lines.append(line)
                line = hang
            }
            line += (line.hasSuffix(" ") ? "" : " ") + word
        }
        lines.append(line)
        return lines
    }

    /// `check --format json`'s `stop_signal_fate` object (docs/json.md): the stop signal's fate and every SIGKILL,
    /// with seconds after the stop signal when `signalAt` (CLOCK_MONOTONIC ns) is known.
    public func json(signal: Signal, pid: Int32, signalAt: UInt64?) -> JSONValue {
        func seconds(_ at: UInt64) -> JSONValue {
            guard let signalAt, signalAt > 0 else { return .null }
            let value = (Double(Int64(bitPattern: at &- signalAt)) / 1e9 * 1e6).rounded() / 1e6
            return .double(value)
        }
        func object(_ fact: Fact) -> [(String, JSONValue)] {
            [
                ("pid", .int(Int(fact.pid))),
                ("result", .string(fact.result.rawValue)),
                ("delivered_to", .string(fact.destination?.rawValue)),
                ("handler_symbol", .string(fact.handlerSymbol)),
                ("handler_image", .string(fact.handlerImage)),
                ("sender_pid", fact.senderPid.map { .int(Int($0)) } ?? .null),
                ("sender_comm", .string(fact.senderComm)),
                ("oom_killer", .bool(fact.oomKiller)),
                ("seconds_after_signal", seconds(fact.monotonicNanoseconds)),
                ("fact", .string(fact.text)),
            ]
        }
        var fields: [(String, JSONValue)] = [("signal", .string(signal.name))]
        if let stopSignal {
            fields += object(stopSignal)
        } else {
            fields += [("pid", .int(Int(pid))), ("result", .null), ("delivered_to", .null), ("handler_symbol", .null),
                       ("handler_image", .null), ("sender_pid", .null), ("sender_comm", .null),
                       ("oom_killer", .bool(false)), ("seconds_after_signal", .null),
                       ("fact", .string(verdictText(signal: signal, pid: pid)))]
        }
        fields.append(("repeated", .array(repeatedStopSignals.map { .object(object($0)) })))
        fields.append(("sigkill", .array(kills.map { .object(object($0)) })))
        fields.append(("lost_events", .int(lostEvents)))
        return .object(fields)
    }
}
