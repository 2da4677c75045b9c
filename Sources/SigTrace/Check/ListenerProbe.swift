import CProcfs
import Foundation
import Synchronization

/// What `--probe` saw after the signal: how long the service kept serving new connections and when its listener
/// closed (connection refused).
public struct ProbeReport: Sendable, Equatable {
    public var url: String
    public var attempts: Int
    public var served: Int
    public var failed: Int
    /// Seconds from the signal to the last probe served in full.
    public var lastServedSeconds: Double?
    /// Seconds from the signal to the first refused connection.
    public var listenerClosedSeconds: Double?
}

/// Opens a new connection to a URL again and again after the signal, on its own thread, until the listener
/// refuses or `stop` is called.
public final class ListenerProbe: Sendable {
    public let url: URL
    let client = HTTPExchange(connections: 2, timeout: .seconds(1))
    private let state = Mutex<(stopped: Bool, attempts: Int, served: Int, failed: Int, lastServed: UInt64?,
                               refused: UInt64?)>((false, 0, 0, 0, nil, nil))
    /// The pause between probes.
    let interval: Duration = .milliseconds(10)

    public init(url: URL) { self.url = url }

    /// Starts probing on a new thread.
    public func start() {
        let thread = Thread { [self] in
            while !state.withLock({ $0.stopped }) {
                let outcome = client.fetch(url, timeout: .seconds(1))
                let now = Clocks.monotonicNanoseconds()
                let closed = state.withLock { state -> Bool in
                    state.attempts += 1
                    if outcome.isComplete {
                        state.served += 1
                        state.lastServed = now
                    } else {
                        state.failed += 1
                    }
                    if outcome.refused && state.refused == nil { state.refused = now }
                    return state.refused != nil
                }
                if closed { break }
                Clocks.sleep(for: interval)
            }
        }
        thread.start()
    }

    /// Waits until the probe has tried at least once (a service that exits within milliseconds of the signal may
    /// be gone before the probe's thread first ran: its refusal still says the listener closed), or `timeout`.
    public func awaitFirstAttempt(timeout: Duration) {
        let deadline = Clocks.monotonicNanoseconds() + UInt64(timeout.seconds * 1e9)
        while state.withLock({ $0.attempts == 0 }) && Clocks.monotonicNanoseconds() < deadline {
            Clocks.sleep(for: .milliseconds(2))
        }
    }

    /// True once a new connection was refused (the probe has then stopped).
    public var sawRefusal: Bool { state.withLock { $0.refused != nil } }

    /// Stops probing (an exchange under way finishes on its own).
    public func stop() { state.withLock { $0.stopped = true } }

    /// The report, with times relative to `signalAt`.
    public func report(signalAt: UInt64) -> ProbeReport {
        let s = state.withLock { $0 }
        func seconds(_ at: UInt64?) -> Double? { at.map { (Double($0) - Double(signalAt)) / 1e9 } }
        return ProbeReport(url: url.absoluteString, attempts: s.attempts, served: s.served, failed: s.failed,
                           lastServedSeconds: seconds(s.lastServed), listenerClosedSeconds: seconds(s.refused))
    }
}
