import Dispatch
import Synchronization

/// `check` through the kernel backend: what the kernel did with the stop signal (delivered to a handler, to the
/// default action, ignored, dropped because PID 1 of a namespace has no handler, merged) and who sent SIGKILL,
/// stated as facts from the `signal:*` tracepoints rather than forecast from /proc. Runs only where the kernel
/// backend can (root, tracefs); never stops the service.
public final class StopSignalFate: Sendable {
    private let tracer: KernelSignalTracer
    private let store = EventStore()
    private let ended = DispatchSemaphore(value: 0)
    private let pid: Int32
    private let signal: Signal

    private init(tracer: KernelSignalTracer, pid: Int32, signal: Signal) {
        self.tracer = tracer
        self.pid = pid
        self.signal = signal
        let batches = tracer.batches
        let store = store
        let ended = ended
        Task.detached {
            for await batch in batches { store.events.withLock { $0.append(contentsOf: batch) } }
            ended.signal()
        }
    }

    /// The events so far, shared with the task that drains the stream.
    private final class EventStore: Sendable {
        let events = Mutex<[SignalEvent]>([])
    }

    /// Starts watching `pid` for `signal` and SIGKILL; nil when the kernel backend cannot run here.
    public static func start(pid: Int32, signal: Signal) -> StopSignalFate? {
        guard KernelSignalTracer.unavailableReason() == nil else { return nil }
        var configuration = KernelSignalTracer.Configuration()
        configuration.signals = [signal, .kill]
        guard let tracer = try? KernelSignalTracer.start(.attach([pid]), configuration: configuration) else {
            return nil
        }
        return StopSignalFate(tracer: tracer, pid: pid, signal: signal)
    }

    /// Ends the watch (the instance is removed) and returns what the kernel did, as timestamped sentences
    /// (CLOCK_MONOTONIC nanoseconds).
    public func finish() -> [(at: UInt64, text: String)] {
        tracer.stop()
        _ = ended.wait(timeout: .now() + .seconds(2))
        return Self.facts(store.events.withLock { $0 }, signal: signal, pid: pid)
    }

    /// Ends the watch without waiting (on the way out of an interrupted check).
    public func stop() { tracer.stop() }

    /// The sentences: one per generation of the stop signal (with its delivery) and of SIGKILL.
    public static func facts(_ events: [SignalEvent], signal: Signal, pid: Int32) -> [(at: UInt64, text: String)] {
        var facts: [(at: UInt64, text: String)] = []
        var deliveries = events.filter { if case .signal = $0.kind { true } else { false } }
        for event in events {
            guard case .generated(let sent) = event.kind, let result = sent.result else { continue }
            let sender = sent.senderPid.map { " from \($0) (\(sent.senderComm ?? "gone"))" } ?? ""
            if sent.signal == .kill && signal != .kill {
                facts.append((event.monotonicNanoseconds, "SIGKILL\(sender): \(result.rawValue)"))
                continue
            }
            let name = sent.signal.name
            switch result {
            case .droppedByInit:
                facts.append((event.monotonicNanoseconds, "\(name) dropped: PID 1 of its namespace has no handler"))
            case .ignored:
                facts.append((event.monotonicNanoseconds,
                              "\(name) dropped: the process ignores it (SIG_IGN), or was already exiting"))
            case .merged:
                facts.append((event.monotonicNanoseconds, "\(name) merged into the same signal already pending"))
            case .overflow, .infoLost:
                facts.append((event.monotonicNanoseconds, "\(name)\(sender): \(result.meaning)"))
            case .delivered:
                guard let index = deliveries.firstIndex(where: { $0.signal == sent.signal }),
                      case .signal(let delivery) = deliveries[index].kind else {
                    facts.append((event.monotonicNanoseconds,
                                  "\(name) queued but never delivered while watched: blocked in every thread"))
                    continue
                }
                let at = deliveries.remove(at: index).monotonicNanoseconds
                facts.append((at, "\(name) delivered " + describe(delivery.handler)))
            }
        }
        return facts
    }

    /// `to its handler on_term (app)`, `to the default action`, `to SIG_IGN`.
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
}
