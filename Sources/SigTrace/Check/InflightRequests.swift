import CProcfs
import Foundation
import Synchronization

/// What became of the requests `check` put in flight before the stop signal.
public struct InflightSummary: Sendable, Equatable {
    /// Requests started.
    public var requests: Int
    /// Requests proven sent and waiting for their response when the signal went out.
    public var inFlightAtSignal: Int
    /// Requests that had already finished before the signal (too fast to test anything).
    public var finishedBeforeSignal: Int
    /// Requests that completed with their whole body.
    public var completed: Int
    /// Requests that failed: an error, a cut body, a 5xx, or no answer at all.
    public var failed: Int
    /// Each request's URL and outcome, in start order; nil outcome: no answer by the end of the check.
    public var results: [(url: String, outcome: HTTPOutcome?, seconds: Double?)]

    public static func == (lhs: InflightSummary, rhs: InflightSummary) -> Bool {
        lhs.requests == rhs.requests && lhs.inFlightAtSignal == rhs.inFlightAtSignal
            && lhs.completed == rhs.completed && lhs.failed == rhs.failed
    }
}

/// Requests put in flight before the stop signal, the way an orchestrator's traffic is still in flight when it
/// stops a pod. Each request gets its own connection (`Connection: close`) so the kernel can prove, per
/// connection, that the request was sent: a connection of ours to the target port, established, with more than a
/// request line of bytes acknowledged by the server's kernel and nothing left unsent or unacknowledged (TCP_INFO).
public final class InflightRequests: Sendable {
    public let urls: [URL]
    let client: HTTPExchange
    /// The TCP ports the requests go to.
    let ports: Set<Int>
    /// Socket inodes sigscope already had before the requests started: readiness and probe connections.
    let baseline: Set<String>
    /// Descriptors that are not the requests' own (the load generator's), though they go to the same port.
    let excluding: (@Sendable (Int32) -> Bool)?
    private let finished = Mutex<[Int: (HTTPOutcome, UInt64)]>([:])

    /// The smallest request that counts as sent: `GET / HTTP/1.1\r\nHost: h\r\n\r\n` is longer than this.
    static let minimumRequestBytes: UInt64 = 24

    /// Prepares `urls` (one request each); `timeout` bounds each request.
    public init(urls: [URL], timeout: Duration, excluding: (@Sendable (Int32) -> Bool)? = nil) {
        self.urls = urls
        self.excluding = excluding
        client = HTTPExchange(connections: urls.count + 2, timeout: timeout)
        ports = Set(urls.map(HTTPExchange.port(of:)))
        baseline = Self.socketInodes()
    }

    /// Starts every request.
    public func start() {
        for (index, url) in urls.enumerated() {
            client.start(url) { [self] outcome in
                let now = Clocks.monotonicNanoseconds()
                finished.withLock { $0[index] = (outcome, now) }
            }
        }
    }

    /// How many requests have finished.
    public var finishedCount: Int { finished.withLock { $0.count } }

    /// Waits until every unfinished request is proven sent and waiting, or `timeout` passes, or `stop` says so.
    /// Returns the number of requests in flight.
    public func waitUntilSent(timeout: Duration, stop: () -> Bool) -> Int {
        let deadline = Clocks.monotonicNanoseconds() + UInt64(timeout.seconds * 1e9)
        while true {
            let pending = urls.count - finishedCount
            let sent = sentConnections()
            if sent >= pending || Clocks.monotonicNanoseconds() >= deadline || stop() { return min(sent, pending) }
            Clocks.sleep(for: .milliseconds(1))
        }
    }

    /// Waits until every request has finished, or `timeout` passes.
    public func waitForAll(timeout: Duration) {
        let deadline = Clocks.monotonicNanoseconds() + UInt64(timeout.seconds * 1e9)
        while finishedCount < urls.count && Clocks.monotonicNanoseconds() < deadline {
            Clocks.sleep(for: .milliseconds(2))
        }
    }

    /// The summary; `signalAt` is the monotonic time of the signal, `inFlight` what `waitUntilSent` returned. A
    /// request proven sent that was answered before the signal went out was not in flight at it.
    public func summary(signalAt: UInt64, inFlight: Int) -> InflightSummary {
        let done = finished.withLock { $0 }
        var results: [(url: String, outcome: HTTPOutcome?, seconds: Double?)] = []
        var before = 0, completed = 0, failed = 0
        for (index, url) in urls.enumerated() {
            guard let (outcome, at) = done[index] else {
                results.append((url.absoluteString, nil, nil))
                failed += 1
                continue
            }
            let seconds = (Double(at) - Double(signalAt)) / 1e9
            results.append((url.absoluteString, outcome, seconds))
            if at < signalAt { before += 1 }
            if outcome.isComplete { completed += 1 } else { failed += 1 }
        }
        return InflightSummary(requests: urls.count, inFlightAtSignal: max(0, min(inFlight, urls.count - before)),
                               finishedBeforeSignal: before,
                               completed: completed, failed: failed, results: results)
    }

    /// Our connections to the target ports that carry a whole request acknowledged by the server's kernel.
    func sentConnections() -> Int {
        let files = ProcFiles()
        guard let fds = try? files.listNumbers("/proc/self/fd") else { return 0 }
        var count = 0
        for fd in fds {
            guard excluding?(Int32(fd)) != true, let link = try? files.readLink("/proc/self/fd/\(fd)"),
                  link.hasPrefix("socket:"), !baseline.contains(link) else { continue }
            var progress = cprocfs_tcp_progress()
            guard cprocfs_tcp_progress(fd, &progress) == 0, ports.contains(Int(progress.peer_port)) else { continue }
            // 1 = TCP_ESTABLISHED. bytes_acked counts the SYN as one byte, hence the request-sized minimum.
            if progress.state == 1 && progress.bytes_acked > Self.minimumRequestBytes && progress.notsent_bytes == 0
                && progress.unacked_segments == 0 {
                count += 1
            }
        }
        return count
    }

    /// The socket links (`socket:[INODE]`) open in sigscope now.
    static func socketInodes() -> Set<String> {
        let files = ProcFiles()
        guard let fds = try? files.listNumbers("/proc/self/fd") else { return [] }
        return Set(fds.compactMap { try? files.readLink("/proc/self/fd/\($0)") }.filter { $0.hasPrefix("socket:") })
    }
}

