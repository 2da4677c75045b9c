import CProcfs
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The traffic of a rollout, reproduced: a steady stream of GETs to one URL, started before the stop signal and kept
/// up until told to stop, on one dedicated thread driving non-blocking sockets through epoll (never a Swift Task:
/// the cooperative pool must not block).
///
/// At a steady rate with `keepAlive` N > 0, every other request goes over one of N kept-alive connections in turn
/// (opened on first use, reused for every later request, as a client's connection pool does; reopened when the
/// service closed it) and the rest over a fresh connection each (`Connection: close`), as new clients arrive.
/// With `.max`, each of the N kept-alive connections (or one fresh connection at a time when N is 0) sends its next
/// request as soon as the last is answered, as wrk does.
public final class LoadGenerator: Sendable {
    /// What to send and how fast.
    public struct Configuration: Sendable {
        public var url: URL
        public var rate: LoadRate
        /// Kept-alive connections, reused across requests.
        public var keepAlive: Int
        /// The longest a request may take before it counts as timed out.
        public var requestTimeout: Duration

        public init(url: URL, rate: LoadRate, keepAlive: Int = 0, requestTimeout: Duration = .seconds(2)) {
            self.url = url
            self.rate = rate
            self.keepAlive = keepAlive
            self.requestTimeout = requestTimeout
        }
    }

    /// Everything the generator saw.
    public struct Outcome: Sendable {
        public var records: [LoadRecord]
        public var idleCloses: [IdleClose]
        /// Ticks that found no descriptor left to open a connection with (the client's limit, not the service).
        public var skipped: Int
    }

    public let configuration: Configuration
    let address: LoadAddress
    let freshRequest: [UInt8]
    let keptAliveRequest: [UInt8]
    private let stopRequested = Atomic<Bool>(false)
    private let done = Mutex<Outcome?>(nil)
    /// The sockets the generator has open now: `InflightRequests` must not count them as its own.
    private let openSockets = Mutex<Set<Int32>>([])

    /// Resolves the URL's host once; throws a one-line error if it cannot.
    public init(configuration: Configuration) throws(SigscopeError) {
        self.configuration = configuration
        guard let host = configuration.url.host, !host.isEmpty else {
            throw SigscopeError(.badInput, "--load-url: not an http:// URL: '\(configuration.url.absoluteString)'")
        }
        address = try LoadAddress(host: host, port: HTTPExchange.port(of: configuration.url))
        freshRequest = HTTPConnection.request(for: configuration.url, closeConnection: true)
        keptAliveRequest = HTTPConnection.request(for: configuration.url, closeConnection: false)
    }

    /// Starts sending on a new thread.
    public func start() {
        LoadAddress.raiseDescriptorLimit()
        let thread = Thread { [self] in
            var loop = LoadLoop(generator: self)
            let outcome = loop.run { stopRequested.load(ordering: .relaxed) }
            done.withLock { $0 = outcome }
        }
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Stops starting requests; those under way run to their outcome or deadline.
    public func stop() { stopRequested.store(true, ordering: .relaxed) }

    /// Stops and waits for the thread to finish (at most the request timeout and a second); what it saw.
    public func finish() -> Outcome {
        stop()
        let deadline = Clocks.monotonicNanoseconds() + UInt64((configuration.requestTimeout.seconds + 1) * 1e9)
        while Clocks.monotonicNanoseconds() < deadline {
            if let outcome = done.withLock({ $0 }) { return outcome }
            Clocks.sleep(for: .milliseconds(2))
        }
        return done.withLock { $0 } ?? Outcome(records: [], idleCloses: [], skipped: 0)
    }

    /// True if `fd` is one of the generator's sockets right now.
    public func owns(_ fd: Int32) -> Bool { openSockets.withLock { $0.contains(fd) } }

    func opened(_ fd: Int32) { openSockets.withLock { _ = $0.insert(fd) } }

    /// Called after the close, so a number reused at once is briefly still excluded, never wrongly included.
    func closed(_ fd: Int32) { openSockets.withLock { _ = $0.remove(fd) } }
}

/// A resolved socket address, kept as bytes so every connect reuses it without a lookup.
struct LoadAddress: Sendable {
    let family: Int32
    let bytes: [UInt8]

    init(host: String, port: Int) throws(SigscopeError) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host, String(port), &hints, &list)
        guard lookup == 0, let first = list, let address = first.pointee.ai_addr else {
            throw SigscopeError(.badInput, "--load-url: cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        family = first.pointee.ai_family
        bytes = Array(UnsafeRawBufferPointer(start: address, count: Int(first.pointee.ai_addrlen)))
    }

    /// Lifts the soft limit on open files to the hard one: a steady rate against a service that stopped answering
    /// keeps rate x timeout connections open.
    static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = min(limit.rlim_max, 1 << 16)
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}

/// One connection of the loop and the request on it.
final class LoadConnection {
    enum Phase { case connecting, sending(Int), reading, idle }

    let fd: Int32
    /// The kept-alive lane it serves, nil for a fresh connection.
    let lane: Int?
    var phase = Phase.connecting
    var reused = false
    var start: UInt64 = 0
    var deadline: UInt64 = 0
    var parser = HTTPResponseParser()
    /// The epoll events registered, 0 before the first registration.
    var events: UInt32 = 0
    var lastAnnouncedClose = false

    init(fd: Int32, lane: Int?) {
        self.fd = fd
        self.lane = lane
    }
}

/// The epoll loop, owned by the generator's thread.
struct LoadLoop {
    let generator: LoadGenerator
    let epoll: Int32
    let timeout: UInt64
    var connections: [Int32: LoadConnection] = [:]
    var lanes: [LoadConnection?]
    var laneCursor = 0
    var ticks = 0
    var records: [LoadRecord] = []
    var idleCloses: [IdleClose] = []
    var skipped = 0
    var scratch = [UInt8](repeating: 0, count: 64 * 1024)
    /// The most connections open at once: the descriptor limit, less a margin for the rest of sigscope.
    let connectionCeiling: Int

    init(generator: LoadGenerator) {
        self.generator = generator
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        timeout = UInt64(generator.configuration.requestTimeout.seconds * 1e9)
        lanes = Array(repeating: nil, count: generator.configuration.keepAlive)
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        connectionCeiling = max(16, Int(min(limit.rlim_cur, 1 << 20)) - 128)
        records.reserveCapacity(4096)
    }

    var now: UInt64 { Clocks.monotonicNanoseconds() }

    /// Sends until `stopped` says so, then waits for the requests under way (each bounded by its deadline).
    mutating func run(stopped: () -> Bool) -> LoadGenerator.Outcome {
        defer { close(epoll) }
        let config = generator.configuration
        let interval: UInt64? = if case .perSecond(let rate) = config.rate { UInt64(1e9 / rate) } else { nil }
        var nextTick = now
        var nextScan = now
        var stopping = false
        var stopDeadline = UInt64.max
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while true {
            var time = now
            if !stopping && stopped() {
                stopping = true
                stopDeadline = time + timeout + 100_000_000
            }
            if stopping && (busyCount == 0 || time >= stopDeadline) { break }
            if !stopping {
                if let interval {
                    // A loop that fell a second behind (a stalled machine) starts afresh instead of bursting.
                    if nextTick + 1_000_000_000 < time { nextTick = time }
                    while nextTick <= time {
                        issueTick(at: time)
                        nextTick += interval
                    }
                } else {
                    keepLanesBusy(at: time)
                }
            }
            if time >= nextScan {
                expire(at: time)
                nextScan = time + 5_000_000
            }
            time = now
            var wait: Int32 = 5
            if interval != nil, !stopping {
                wait = nextTick > time ? Int32(min((nextTick - time + 999_999) / 1_000_000, 5)) : 0
            }
            let ready = events.withUnsafeMutableBufferPointer { epoll_wait(epoll, $0.baseAddress, 256, wait) }
            if ready < 0 { continue }
            for index in 0..<Int(ready) {
                let event = events[index]
                guard let connection = connections[Int32(truncatingIfNeeded: event.data.u64)] else { continue }
                handle(connection, events: event.events)
            }
        }
        for connection in connections.values { closeConnection(connection) }
        return LoadGenerator.Outcome(records: records, idleCloses: idleCloses, skipped: skipped)
    }

    /// Connections with a request on them.
    var busyCount: Int {
        connections.values.reduce(0) { count, connection in
            if case .idle = connection.phase { return count }
            return count + 1
        }
    }

    /// One tick of a steady rate: every other one goes to the next kept-alive lane when there are lanes.
    mutating func issueTick(at time: UInt64) {
        ticks += 1
        if !lanes.isEmpty && ticks % 2 == 0 {
            let lane = laneCursor
            laneCursor = (laneCursor + 1) % lanes.count
            if let connection = lanes[lane] {
                if case .idle = connection.phase {
                    send(on: connection, at: time)
                    return
                }
                // Still busy with the last request: a pool would open another connection, so a fresh one goes.
            } else {
                open(lane: lane, at: time)
                return
            }
        }
        open(lane: nil, at: time)
    }

    /// `.max`: every lane idle or closed gets its next request.
    mutating func keepLanesBusy(at time: UInt64) {
        if lanes.isEmpty {
            if connections.isEmpty { open(lane: nil, at: time) }
            return
        }
        for lane in lanes.indices {
            if let connection = lanes[lane] {
                if case .idle = connection.phase { send(on: connection, at: time) }
            } else {
                open(lane: lane, at: time)
            }
        }
    }

    /// Opens a connection and starts its request; a connect refused at once is recorded at once.
    mutating func open(lane: Int?, at time: UInt64) {
        guard connections.count < connectionCeiling else {
            skipped += 1
            return
        }
        let address = generator.address
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
            | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            skipped += 1
            return
        }
        generator.opened(fd)
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        let connection = LoadConnection(fd: fd, lane: lane)
        connection.start = time
        connection.deadline = time + timeout
        connections[fd] = connection
        if let lane { lanes[lane] = connection }
        let result = address.bytes.withUnsafeBytes { raw in
            Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
        }
        if result == 0 {
            transmit(connection)
        } else if errno == EINPROGRESS || errno == EINTR {
            connection.phase = .connecting
            watch(connection, Self.writable)
        } else {
            fail(connection, errno: errno)
        }
    }

    /// Sends the next request on an idle kept-alive connection.
    mutating func send(on connection: LoadConnection, at time: UInt64) {
        connection.reused = true
        connection.start = time
        connection.deadline = time + timeout
        connection.parser = HTTPResponseParser()
        connection.phase = .sending(0)
        transmit(connection)
    }

    static let readable = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
    static let writable = EPOLLOUT.rawValue

    /// Registers interest in `events` (level-triggered).
    func watch(_ connection: LoadConnection, _ events: UInt32) {
        guard connection.events != events else { return }
        var event = epoll_event()
        event.events = events
        event.data.u64 = UInt64(UInt32(bitPattern: connection.fd))
        let operation = connection.events == 0 ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
        epoll_ctl(epoll, operation, connection.fd, &event)
        connection.events = events
    }

    mutating func handle(_ connection: LoadConnection, events: UInt32) {
        switch connection.phase {
        case .connecting:
            var error: Int32 = 0
            var size = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(connection.fd, SOL_SOCKET, SO_ERROR, &error, &size)
            if error != 0 { return fail(connection, errno: error) }
            if events & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { transmit(connection) }
        case .sending:
            transmit(connection)
        case .reading:
            receive(connection)
        case .idle:
            idleEvent(connection)
        }
    }

    /// Sends what is left of the request; then waits for the response.
    mutating func transmit(_ connection: LoadConnection) {
        let request = connection.lane == nil ? generator.freshRequest : generator.keptAliveRequest
        var offset = if case .sending(let sent) = connection.phase { sent } else { 0 }
        while offset < request.count {
            let sent = request.withUnsafeBytes { raw in
                Glibc.send(connection.fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if sent > 0 {
                offset += sent
            } else if errno == EAGAIN {
                connection.phase = .sending(offset)
                watch(connection, Self.writable)
                return
            } else if errno != EINTR {
                return fail(connection, errno: errno)
            }
        }
        connection.phase = .reading
        watch(connection, Self.readable)
    }

    /// Reads what arrived and feeds the parser until the response is whole or the stream ends.
    mutating func receive(_ connection: LoadConnection) {
        while true {
            let received = scratch.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if received > 0 {
                let progress = scratch.withUnsafeBytes {
                    connection.parser.feed(UnsafeRawBufferPointer(rebasing: $0[..<received]))
                }
                switch progress {
                case .complete: return answered(connection)
                case .malformed: return finish(connection, .other, keep: false)
                case .needMore: continue
                }
            } else if received == 0 {
                if connection.parser.endOfStream() { return answered(connection) }
                return lost(connection)
            } else if errno == EAGAIN {
                return
            } else if errno != EINTR {
                return fail(connection, errno: errno)
            }
        }
    }

    /// A whole response: its status decides the outcome; a kept-alive connection stays open unless told otherwise.
    mutating func answered(_ connection: LoadConnection) {
        let status = connection.parser.status ?? 0
        let outcome: LoadOutcome = (200..<300).contains(status) ? .ok : status >= 500 ? .serverError : .other
        finish(connection, outcome, keep: connection.lane != nil && !connection.parser.closeAnnounced)
    }

    /// The connection ended before the response was whole: reset before any status, cut body after one.
    mutating func lost(_ connection: LoadConnection) {
        finish(connection, connection.parser.status == nil ? .reset : .cutBody, keep: false)
    }

    mutating func fail(_ connection: LoadConnection, errno code: Int32) {
        switch code {
        case ECONNREFUSED:
            // A reused connection cannot be refused; a fresh one is refused when nothing listens.
            finish(connection, .refused, keep: false)
        case ECONNRESET, EPIPE, ECONNABORTED:
            lost(connection)
        case ETIMEDOUT:
            finish(connection, .timeout, keep: false)
        default:
            finish(connection, .other, keep: false)
        }
    }

    /// Records the request's outcome, then keeps the connection for its lane or closes it.
    mutating func finish(_ connection: LoadConnection, _ outcome: LoadOutcome, keep: Bool) {
        records.append(LoadRecord(start: connection.start, end: now, outcome: outcome,
                                  keepAlive: connection.lane != nil, reused: connection.reused,
                                  status: connection.parser.status))
        if keep {
            connection.phase = .idle
            connection.lastAnnouncedClose = false
            watch(connection, Self.readable)
        } else {
            closeConnection(connection)
        }
    }

    /// An idle kept-alive connection became readable: the service closed or reset it (or sent stray bytes).
    mutating func idleEvent(_ connection: LoadConnection) {
        var byte: UInt8 = 0
        let received = recv(connection.fd, &byte, 1, Int32(MSG_DONTWAIT))
        if received < 0 && (errno == EAGAIN || errno == EINTR) { return }
        idleCloses.append(IdleClose(at: now, reset: received < 0, announced: connection.lastAnnouncedClose))
        closeConnection(connection)
    }

    /// Times out requests past their deadline.
    mutating func expire(at time: UInt64) {
        for connection in Array(connections.values) {
            if case .idle = connection.phase { continue }
            if connection.deadline <= time { finish(connection, .timeout, keep: false) }
        }
    }

    mutating func closeConnection(_ connection: LoadConnection) {
        connections.removeValue(forKey: connection.fd)
        if let lane = connection.lane, lanes[lane] === connection { lanes[lane] = nil }
        close(connection.fd)
        generator.closed(connection.fd)
    }
}
