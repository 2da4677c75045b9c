import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// Connections at exit on a real service holding a real PostgreSQL pool and a real Redis connection
    /// (fixtures/check/db-service.py): closing them on SIGTERM passes, leaving them to the kernel is
    /// `connections-abandoned` naming both servers. PostgreSQL's own log is the independent witness: "unexpected
    /// EOF on client connection" after the abandoning service only.
    @Suite struct ConnectionsAtExitTests {
        static let service = Fixtures.script("check/db-service.py")

        /// Runs the fixture under `check` with `mode` and returns the check and what PostgreSQL logged meanwhile.
        static func check(_ servers: DatabaseServers, mode: String, trace: Bool, fast: Bool = false) throws
            -> (CheckRun, String)
        {
            let port = freePort()
            let logStart = servers.postgresLogLength
            let check = try CheckRun((trace ? ["--trace"] : []) + [
                "--grace", "10s", "--ready", "http://127.0.0.1:\(port)/", "--", "/usr/bin/python3", service,
                "--listen", "\(port)", "--pg-port", "\(servers.postgresPort)", "--redis-port",
                "\(servers.redisPort)", "--on-term", mode,
            ] + (fast ? ["--fast"] : []))
            // A backend writes its line once it has read the EOF; the good case waits the same 3 s for nothing.
            let log = servers.postgresLog(from: logStart, waitingFor: "unexpected EOF", seconds: 3)
            return (check, log)
        }

        static func atExit(_ check: CheckRun) -> [String: Any] {
            check.json["connections_at_exit"] as? [String: Any] ?? [:]
        }

        static func message(_ check: CheckRun, _ rule: String) -> String? {
            (check.json["findings"] as? [[String: Any]] ?? []).first { $0["rule"] as? String == rule }?["message"]
                as? String
        }

        func run(trace: Bool) throws {
            if let missing = DatabaseServers.missing {
                print("skipped: \(missing) (scripts/install-deps installs it)")
                return
            }
            let servers = try DatabaseServers()
            defer { servers.stop() }
            let pg = "postgres on 127.0.0.1:\(servers.postgresPort)"
            let redis = "redis-server on 127.0.0.1:\(servers.redisPort)"
            // Under --trace the exit stop; else, as root with tracefs, the kernel's record of each close and exit;
            // else the samples.
            let recorded = geteuid() == 0 && KernelSignalTracer.unavailableReason() == nil
            let reading = trace ? "exit_stop" : recorded ? "kernel_record" : "last_sample"

            let (closing, closingLog) = try Self.check(servers, mode: "close", trace: trace)
            #expect(closing.verdict == "pass", "\(closing.result.stdout)\(closing.result.stderr)")
            #expect(closing.exit?["code"] as? Int == 0)
            #expect(!closing.rules.contains("connections-abandoned"), "\(closing.result.stdout)")
            let closed = Self.atExit(closing)
            #expect(closed["reading"] as? String == reading, "\(closed)")
            // Two pooled PostgreSQL connections and one Redis connection, all open at the signal.
            #expect(closed["held_at_signal"] as? Int ?? 0 >= 3, "\(closed)")
            #expect(closed["abandoned"] as? Int == 0, "\(closed)")
            #expect(!closingLog.contains("unexpected EOF"), "\(closingLog)")
            closing.assertNothingLeft()

            let (abandoning, abandoningLog) = try Self.check(servers, mode: "abandon", trace: trace)
            #expect(abandoning.exit?["code"] as? Int == 0)
            // Without --trace the readings are samples: on a loaded machine the last one can come too long before
            // the exit to be trusted, and then nothing is claimed (never a stale reading's warning).
            let sampled = Self.atExit(abandoning)
            if !trace, sampled["reading"] as? String == "not_read" {
                print("connections-abandoned not judged: the last sample came \(sampled["seconds_before_exit"] ?? "?") s "
                      + "before the exit (over \(ConnectionsAtExit.trustedGap) s)")
                #expect((sampled["seconds_before_exit"] as? Double).map { $0 > ConnectionsAtExit.trustedGap } ?? true)
                #expect(!abandoning.rules.contains("connections-abandoned"), "\(abandoning.result.stdout)")
                #expect(abandoningLog.contains("unexpected EOF on client connection with an open transaction"))
                abandoning.assertNothingLeft()
                return
            }
            // A warning: the service stopped in time and exited 0; what it did to its servers is the finding.
            #expect(abandoning.verdict == "pass", "\(abandoning.result.stdout)")
            #expect(abandoning.severity(of: "connections-abandoned") == "warning", "\(abandoning.result.stdout)")
            let message = Self.message(abandoning, "connections-abandoned") ?? ""
            #expect(message.contains("3 outgoing connections"), "\(message)")
            #expect(message.contains("\(pg) (2)"), "\(message)")
            #expect(message.contains(redis), "\(message)")
            #expect(message.contains(trace || recorded ? "exited holding" : "before it exited"), "\(message)")
            if recorded && !trace {
                #expect(message.contains("the kernel's record of each close"), "\(message)")
                #expect(abandoning.result.stdout.contains("closed by the kernel (its record of each close"),
                        "\(abandoning.result.stdout)")
                #expect(closing.result.stdout.contains("no TCP connection left for the kernel to close at the exit "
                    + "(its record of each close; it closed 3 outgoing itself first; "), "\(closing.result.stdout)")
            }
            let abandoned = Self.atExit(abandoning)
            #expect(abandoned["reading"] as? String == reading, "\(abandoned)")
            #expect(abandoned["abandoned"] as? Int == 3, "\(abandoned)")
            let peers = (abandoned["connections"] as? [[String: Any]] ?? []).compactMap { $0["peer"] as? String }
            #expect(peers.sorted() == ["postgres", "postgres", "redis-server"], "\(abandoned)")
            // PostgreSQL saw the EOF and rolled the open transaction back.
            #expect(abandoningLog.contains("unexpected EOF on client connection with an open transaction"),
                    "\(abandoningLog)")
            abandoning.assertNothingLeft()
        }

        /// Without --trace: as root, the kernel's record of each close and exit (exact); else the last sample.
        @Test func fromTheKernelsRecordOrTheLastReadingOfProcBeforeTheExit() throws { try run(trace: false) }

        @Test func atTheExitStopUnderTrace() throws { try run(trace: true) }

        /// A service that closes its pool and exits some 10-30 ms after SIGTERM: the reading from before the signal
        /// showed all three connections open, and must never stand for the exit. Three runs, none warned;
        /// PostgreSQL, the witness, logs no EOF. Under --trace, the exit stop shows nothing held; a fast abandoning
        /// service is still caught there.
        @Test func aFastCloseIsNeverJudgedByAReadingFromBeforeTheSignal() throws {
            if let missing = DatabaseServers.missing {
                print("skipped: \(missing) (scripts/install-deps installs it)")
                return
            }
            let servers = try DatabaseServers()
            defer { servers.stop() }
            for trace in [false, false, false, true] {
                let (closing, log) = try Self.check(servers, mode: "close", trace: trace, fast: true)
                #expect(closing.verdict == "pass", "\(closing.result.stdout)\(closing.result.stderr)")
                #expect(closing.exit?["code"] as? Int == 0)
                let shutdown = closing.json["shutdown_seconds"] as? Double ?? 99
                #expect(shutdown < 1, "\(closing.result.stdout)")
                #expect(!closing.rules.contains("connections-abandoned"), "\(closing.result.stdout)")
                let atExit = Self.atExit(closing)
                #expect(atExit["abandoned"] as? Int == 0, "\(atExit)")
                #expect(atExit["held_at_signal"] as? Int ?? 0 >= 3, "\(atExit)")
                let reading = atExit["reading"] as? String ?? ""
                let recorded = geteuid() == 0 && KernelSignalTracer.unavailableReason() == nil
                let expected = trace ? ["exit_stop"] : recorded ? ["kernel_record"] : ["last_sample", "not_read"]
                #expect(expected.contains(reading), "\(atExit)")
                if reading == "not_read" {
                    #expect(closing.result.stdout.contains("connections at exit not read"), "\(closing.result.stdout)")
                    #expect(closing.result.stdout.contains("--trace reads them at the exit itself"))
                }
                #expect(!log.contains("unexpected EOF"), "\(log)")
                closing.assertNothingLeft()
            }
            let (abandoning, log) = try Self.check(servers, mode: "abandon", trace: true, fast: true)
            #expect(abandoning.severity(of: "connections-abandoned") == "warning", "\(abandoning.result.stdout)")
            #expect(Self.atExit(abandoning)["abandoned"] as? Int == 3, "\(Self.atExit(abandoning))")
            #expect(log.contains("unexpected EOF on client connection"), "\(log)")
            abandoning.assertNothingLeft()
        }
    }
}

/// The pure parts: peers found from a TCP table, the finding's wording.
@Suite struct ConnectionsAtExitModelTests {
    /// A service (inode 100, 101) connected to a PostgreSQL backend (inode 200) on 127.0.0.1:5433, whose
    /// postmaster listens (inode 300); and one connection to a port whose end is not in the table.
    static let table = """
        sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
         0: 0100007F:1539 00000000:0000 0A 00000000:00000000 00:00000000 00000000   101        0 300 1
         1: 0100007F:A000 0100007F:1539 01 00000000:00000000 00:00000000 00000000     0        0 100 1
         2: 0100007F:1539 0100007F:A000 01 00000000:00000000 00:00000000 00000000   101        0 200 1
         3: 0100007F:A001 0500000A:18EB 01 00000000:00000000 00:00000000 00000000     0        0 101 1
        """

    static var outgoing: [OpenConnection] {
        let sockets = TCPTable.parse(table)
        return GraceEndState.connections(sockets, owner: [100: (7, "svc"), 101: (7, "svc")])
    }

    @Test func theOtherEndOfALocalConnectionNamesItsPeerAndThePortNamesTheRest() {
        let sockets = TCPTable.parse(Self.table)
        let outgoing = Self.outgoing
        #expect(outgoing.count == 2 && outgoing.allSatisfy { !$0.fromClient })
        let candidates = ConnectionPeers.candidateInodes(for: outgoing, in: sockets)
        let local = TCPEndpoint(address: "127.0.0.1", port: 5433)
        // The backend's socket first, then the postmaster's listener.
        #expect(candidates[local] == [200, 300])
        let owners: [UInt64: SocketOwner] = [300: SocketOwner(pid: 40, comm: "postgres")]
        let peers = ConnectionPeers.name(candidates, remotes: outgoing.map(\.remote), owners: owners)
        #expect(peers[local]?.describe(local) == "postgres on 127.0.0.1:5433")
        let remote = TCPEndpoint(address: "10.0.0.5", port: 6379)
        #expect(peers[remote]?.describe(remote) == "10.0.0.5:6379 (Redis's port)")
    }

    @Test func findingNamesPeersCountsAndHowTheyWereRead() throws {
        var connections = Self.outgoing
        connections[0].peer = ConnectionPeer(name: "postgres", source: .process(pid: 40))
        connections.append(connections[0])
        var observation = ShutdownObservation(
            pid: 7, command: "python3 app.py", signal: .term, grace: .seconds(30), preStop: .zero,
            end: .exited(seconds: 0.2, status: .exited(0)), acceptedExitCodes: [0])
        observation.program = ProgramKnowledge.program(id: "python")
        observation.connectionsAtExit = ConnectionsAtExit(reading: .exitStop, connections: connections,
                                                          heldAtSignal: 3)
        let finding = try #require(ConnectionsAtExit.finding(observation))
        #expect(finding.rule == "connections-abandoned" && finding.severity == .warning)
        #expect(finding.message == "pid 7 (python3 app.py) exited holding 3 outgoing connections, which the kernel "
            + "closed: postgres on 127.0.0.1:5433 (2), 10.0.0.5:6379")
        #expect(finding.hint.contains("pool.closeall()") && finding.hint.contains("unexpected EOF"))
        let (verdict, _) = ShutdownVerdict.judge(observation)
        #expect(verdict == .pass)

        observation.connectionsAtExit?.reading = .lastSample(secondsBeforeExit: 0.0012)
        #expect(ConnectionsAtExit.finding(observation)?.message.contains("still held 3 outgoing connections 1.2 ms "
            + "before it exited") == true)

        // Without a reading after the signal, or with one too long before the exit, nothing is claimed.
        observation.connectionsAtExit?.reading = .notRead(lastSecondsBeforeExit: nil)
        #expect(ConnectionsAtExit.finding(observation) == nil)
        #expect(observation.connectionsAtExit?.abandoned.isEmpty == true)
        let unread = try #require(observation.connectionsAtExit)
        #expect(ConnectionsAtExit.timelineText(unread) == "connections at exit not read: it exited before the first "
            + "reading after the signal (--trace reads them at the exit itself)")
        observation.connectionsAtExit?.reading = .notRead(lastSecondsBeforeExit: 0.43)
        #expect(ConnectionsAtExit.finding(observation) == nil)
        observation.connectionsAtExit?.reading = .exitStop

        // Connections the server had already closed (CLOSE_WAIT) and clients' connections are not abandoned.
        observation.connectionsAtExit?.connections = connections.map {
            var closedByServer = $0
            closedByServer.state = .closeWait
            return closedByServer
        }
        #expect(ConnectionsAtExit.finding(observation) == nil)
    }

    @Test func theRuleIsInTheCatalog() {
        #expect(Rule.named("connections-abandoned")?.severity == .warning)
        #expect(Rule.reported(by: .check).contains(.connectionsAbandoned))
    }
}
