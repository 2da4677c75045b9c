/// The TCP connections the service's processes still held when they exited (or when SIGKILL ended them): the
/// kernel closed those, not the program. Outgoing ones among them (a database, a cache, a queue) are
/// `connections-abandoned`: the server at the other end sees an EOF instead of its protocol's goodbye.
public struct ConnectionsAtExit: Sendable, Equatable {
    /// When the connections were read, which decides how sure the claim is.
    public enum Reading: Sendable, Equatable {
        /// At the exit itself: the tracer held each exiting thread (`--trace`, PTRACE_O_TRACEEXIT), so nothing
        /// the program did could come after it.
        case exitStop
        /// From the kernel's record of each close and each exit (`SocketCloseRecord`, root with tracefs): the
        /// connections its tasks closed after their own exit event were closed by the kernel; `closedByProgram`
        /// outgoing ones were closed by the program between the signal and its exit.
        case kernelRecord(closedByProgram: Int)
        /// The last reading of the tree's descriptors, this long before the exit: a connection closed in between
        /// would still show.
        case lastSample(secondsBeforeExit: Double)
        /// Just before SIGKILL at the end of the grace period.
        case graceEnd
        /// No reading stands for the exit: none was taken between the signal and the exit (`lastSecondsBeforeExit`
        /// nil), or the last one was more than `trustedGap` before it, time enough to close them. Nothing is
        /// claimed; a reading from before the signal never stands for the exit.
        case notRead(lastSecondsBeforeExit: Double?)
    }

    /// The longest time between the last reading and the exit for that reading to stand for the exit.
    public static let trustedGap = 0.05

    public var reading: Reading
    /// Every TCP connection held at exit, clients' and outgoing.
    public var connections: [OpenConnection]
    /// How many the tree held just before the signal.
    public var heldAtSignal: Int

    public init(reading: Reading, connections: [OpenConnection], heldAtSignal: Int) {
        self.reading = reading
        self.connections = connections
        self.heldAtSignal = heldAtSignal
    }

    /// Outgoing connections still established at exit: their servers learn of the exit only from the kernel's
    /// FIN (or RST). One in CLOSE_WAIT was already closed by its server and loses nothing. None when the
    /// connections at exit were not read.
    public var abandoned: [OpenConnection] {
        if case .notRead = reading { return [] }
        return connections.filter { !$0.fromClient && $0.state == .established }
    }

    /// `postgres on 127.0.0.1:5432 (2), redis-server on 127.0.0.1:6379`: the abandoned connections by peer, in
    /// the order first seen.
    public var abandonedPeers: String {
        var order: [String] = []
        var counts: [String: Int] = [:]
        for connection in abandoned {
            let peer = connection.peerDescription
            if counts[peer] == nil { order.append(peer) }
            counts[peer, default: 0] += 1
        }
        return order.map { counts[$0]! > 1 ? "\($0) (\(counts[$0]!))" : $0 }.joined(separator: ", ")
    }

    /// The timeline's line at the exit: `held 2 connections at exit (exit stop): -> postgres on ...`.
    static func timelineText(_ atExit: ConnectionsAtExit) -> String {
        let clients = atExit.connections.filter(\.fromClient).count
        let outgoing = atExit.connections.filter { !$0.fromClient }
        let when: String
        switch atExit.reading {
        case .exitStop: when = "at its exit stop"
        case .kernelRecord(let closed):
            let itself = closed > 0 ? "; it closed \(closed) outgoing itself first" : ""
            guard !atExit.connections.isEmpty else {
                return "no TCP connection left for the kernel to close at the exit (its record of each close"
                    + "\(itself); \(atExit.heldAtSignal) held at the signal)"
            }
            when = "at the exit, closed by the kernel (its record of each close\(itself))"
        case .lastSample(let before): when = "\(milliseconds(before)) before the exit (sampled from /proc)"
        case .graceEnd: when = "before SIGKILL"
        case .notRead(let before):
            let why = before.map { "the last reading was \(milliseconds($0)) before it, time enough to close them" }
                ?? "it exited before the first reading after the signal"
            return "connections at exit not read: \(why) (--trace reads them at the exit itself)"
        }
        guard !atExit.connections.isEmpty else {
            return "no TCP connection held \(when) (\(atExit.heldAtSignal) at the signal)"
        }
        var parts: [String] = []
        if !outgoing.isEmpty {
            parts.append("\(outgoing.count) outgoing (" + outgoing.prefix(4).map(\.peerDescription)
                .joined(separator: ", ") + (outgoing.count > 4 ? ", ..." : "") + ")")
        }
        if clients > 0 { parts.append("\(clients) from clients") }
        return "TCP connections held \(when): " + parts.joined(separator: ", ")
    }

    /// The `connections-abandoned` finding for an observation, if it has abandoned connections.
    static func finding(_ o: ShutdownObservation) -> Finding? {
        guard let atExit = o.connectionsAtExit, !atExit.abandoned.isEmpty else { return nil }
        let count = atExit.abandoned.count
        let connections = "\(count) outgoing connection\(count == 1 ? "" : "s")"
        let who = "pid \(o.pid) (\(o.command))"
        let what: String
        switch atExit.reading {
        case .exitStop:
            what = "\(who) exited holding \(connections), which the kernel closed"
        case .kernelRecord:
            what = "\(who) exited holding \(connections), which the kernel closed at its exit (the kernel's record "
                + "of each close)"
        case .lastSample(let before):
            what = "\(who) still held \(connections) \(milliseconds(before)) before it exited (its last reading; "
                + "--trace reads them at the exit itself), which the kernel then closed"
        case .graceEnd:
            what = "\(who) held \(connections) when SIGKILL ended it, which the kernel closed"
        case .notRead:
            return nil
        }
        return Finding(.connectionsAbandoned, message: "\(what): \(atExit.abandonedPeers)",
                       hint: hint(program: o.program, peers: atExit.abandoned.compactMap(\.peer)))
    }

    /// The fix in the service's own terms: its runtime's way to close a pool, and what its servers do otherwise.
    static func hint(program: ProgramEntry?, peers: [ConnectionPeer]) -> String {
        let close = switch program?.id {
        case "python": "close the pool and clients in the stop handler after the drain (psycopg2's "
            + "pool.closeall(), redis-py's close()) and leave by returning or sys.exit, not os._exit"
        case "go": "close them after Server.Shutdown (db.Close(), rdb.Close()); os.Exit and log.Fatal skip "
            + "deferred Close calls"
        case "node": "close them after server.close() (pool.end(), client.quit()) before process.exit"
        case "jvm": "close the pool in a shutdown hook or @PreDestroy (HikariDataSource.close())"
        default: "close the pool and client connections in the stop handler, after the drain"
        }
        let postgres = peers.contains {
            $0.name == "postgres" || $0.name == "PostgreSQL"
        }
        return close + (postgres ? "; PostgreSQL then gets its Terminate message instead of an EOF that rolls "
            + "back an open transaction and logs \"unexpected EOF on client connection\"" : "")
    }

    /// `1.2 ms`, `0.031 ms`.
    static func milliseconds(_ seconds: Double) -> String {
        let value = seconds * 1000
        return value >= 10 ? "\(Int(value.rounded())) ms" : "\(ShutdownVerdict.format(value)) ms"
    }
}
