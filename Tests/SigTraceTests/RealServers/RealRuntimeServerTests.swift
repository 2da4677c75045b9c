import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// Real servers whose runtime or own switches decide TERM: Node, uWSGI, PostgreSQL (see RealServerTests).
    @Suite struct RealRuntimeServerTests {
        /// Node 20 catches TERM itself: without process.on('SIGTERM') it re-raises and dies of it, with one it exits as
        /// the program says. SigCgt is the same in both, so inspect says the runtime decides; check tells them apart.
        @Test func nodeCatchesTermItselfUnlessTheProgramListens() throws {
            for listens in [false, true] {
                guard
                    let node = try RealServer.prepare(
                        "node", executable: "/usr/bin/node",
                        setup: { d, port in
                            try """
                            const http = require('http');
                            const server = http.createServer((q, s) => s.end('ok\\n'));
                            server.listen(\(port), '127.0.0.1');
                            \(listens ? "process.on('SIGTERM', () => server.close(() => process.exit(0)));" : "")
                            """.write(toFile: "\(d)/server.js", atomically: true, encoding: .utf8)
                            return ["/usr/bin/node", "\(d)/server.js"]
                        })
                else { return }
                let server = try node.start()
                let report = try Inspector().inspect(server.pid)
                #expect(report.runtime == .node)
                #expect(report.disposition(.term).outcome == .runtimeDecides, "listens: \(listens)")
                #expect(severityRules(report) == ["info:runtime-decides"], "\(report.findings)")
                let stopped = try #require(node.stop(server, with: .term, within: .seconds(5)))
                #expect(stopped.status == (listens ? .exited(0) : .signaled(.term, coreDumped: false)))

                let check = try node.check(grace: "5s")
                #expect(check.verdict == (listens ? "pass" : "fail"), "\(check.result.stdout)")
                if !listens {
                    #expect(check.severityRules == ["error:killed-by-signal"], "\(check.result.stdout)")
                    #expect(check.hints.contains("process.on('SIGTERM'"))
                }
            }
        }

        /// uWSGI 2.0 reloads on TERM: measured still running 2 s after it, SIGKILLed by check at grace end; with
        /// --die-on-term TERM ends it. The knowledge base's fact `uwsgi` TERM/reload cites this test.
        @Test func uwsgiTerm() throws {
            for dieOnTerm in [false, true] {
                guard
                    let uwsgi = try RealServer.prepare(
                        "uwsgi", executable: "/usr/bin/uwsgi",
                        setup: { d, port in
                            try """
                            def application(environ, start_response):
                                start_response('200 OK', [('Content-Type', 'text/plain')])
                                return [b'ok\\n']
                            """.write(toFile: "\(d)/app.py", atomically: true, encoding: .utf8)
                            return [
                                "/usr/bin/uwsgi", "--plugin", "python3", "--http-socket", "127.0.0.1:\(port)",
                                "--wsgi-file",
                                "\(d)/app.py", "--master", "--processes", "2",
                            ] + (dieOnTerm ? ["--die-on-term"] : [])
                        })
                else { return }
                guard FileManager.default.fileExists(atPath: "/usr/lib/uwsgi/plugins/python3_plugin.so")
                else {
                    print(
                        "RealServerTests: uWSGI's python3 plugin is not installed (uwsgi-plugin-python3): skipping"
                    )
                    return
                }
                let server = try uwsgi.start()
                let report = try Inspector().inspect(server.pid)
                #expect(report.disposition(.term).outcome == .handled)
                if dieOnTerm {
                    #expect(report.findings.isEmpty, "\(report.findings)")
                    let stopped = try #require(uwsgi.stop(server, with: .term, within: .seconds(8)))
                    #expect(stopped.status == .exited(0))
                } else {
                    #expect(severityRules(report) == ["error:stop-signal-meaning"], "\(report.findings)")
                    #expect(report.findings.first?.hint.contains("--die-on-term") == true)
                    #expect(
                        uwsgi.stop(server, with: .term, within: .seconds(2)) == nil, "uWSGI exited on TERM")
                    uwsgi.end(server)
                    let check = try uwsgi.check(grace: "2s")
                    #expect(check.verdict == "fail", "\(check.result.stdout)")
                    #expect(check.severityRules.first == "error:grace-exceeded", "\(check.result.stdout)")
                    #expect(check.hints.contains("--die-on-term"))
                    check.assertNothingLeft()
                }
            }
        }

        /// PostgreSQL's TERM is smart shutdown: with a client connected it waits for it, past the grace period; INT
        /// (fast shutdown, what the official image stops it with) ends it. check says what it waited for.
        @Test func postgresqlTermWaitsForClients() throws {
            let versions =
                ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
                .sorted()
            guard
                let version = versions.last(where: {
                    FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\($0)/bin/postgres")
                }), let account = getpwnam("postgres")
            else {
                print("RealServerTests: PostgreSQL is not installed (postgresql): skipping postgresql")
                return
            }
            let bin = "/usr/lib/postgresql/\(version)/bin"
            let (uid, gid) = (account.pointee.pw_uid, account.pointee.pw_gid)
            let asPostgres = ["setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--init-groups"]
            guard
                let postgres = try RealServer.prepare(
                    "postgresql", executable: "\(bin)/postgres",
                    setup: { d, port in
                        chown(d, uid, gid)
                        let initdb = try run(
                            asPostgres + ["\(bin)/initdb", "-D", "\(d)/data", "-A", "trust", "-U", "postgres"])
                        guard initdb.exitCode == 0 else {
                            throw FixtureError(message: "initdb: \(initdb.stderr)")
                        }
                        return asPostgres + [
                            "\(bin)/postgres", "-D", "\(d)/data", "-p", String(port), "-k", d,
                            "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                        ]
                    })
            else { return }

            // Measured: TERM with a client connected leaves it running; INT then ends it with exit 0.
            let server = try postgres.start()
            let report = try Inspector().inspect(server.pid)
            #expect(report.disposition(.term).outcome == .handled)
            #expect(severityRules(report) == ["warning:stop-signal-meaning"], "\(report.findings)")
            #expect(report.findings.first?.message.contains("smart shutdown") == true)
            #expect(report.findings.first?.hint.contains("STOPSIGNAL SIGINT") == true)
            let client = try #require(
                PostgresClient(port: postgres.port), "no session: \(postgres.output)")
            #expect(
                postgres.stop(server, with: .term, within: .seconds(2)) == nil,
                "smart shutdown did not wait")
            let fast = try #require(
                postgres.stop(server, with: .int, within: .seconds(8)), "\(postgres.output)")
            #expect(fast.status == .exited(0))
            client.close()

            // check --pid on a server with a client connected: grace exceeded, and it says for whom and which signal.
            let second = try postgres.start()
            let held = try #require(PostgresClient(port: postgres.port))
            defer { held.close() }
            let check = try CheckRun(["--grace", "2s", "--pid", String(second.pid)])
            #expect(check.verdict == "fail", "\(check.result.stdout)")
            #expect(check.severityRules.first == "error:grace-exceeded", "\(check.result.stdout)")
            #expect(check.messages.contains("waited for 1 client connection"), "\(check.messages)")
            #expect(check.messages.contains("TERM is PostgreSQL's smart shutdown"))
            #expect(check.hints.contains("STOPSIGNAL SIGINT"))
            _ = second.process.killAndReap(after: .seconds(1))
        }
    }
}

/// A PostgreSQL session opened by hand (protocol 3.0 StartupMessage, trust authentication), kept idle.
final class PostgresClient {
    private var fd: Int32

    /// Connects as user postgres and waits for ReadyForQuery; nil when that does not come.
    init?(port: Int) {
        guard let fd = connectLoopback(port) else { return nil }
        self.fd = fd
        var body: [UInt8] = [0, 3, 0, 0]  // protocol 3.0
        for part in ["user", "postgres", "database", "postgres"] { body += Array(part.utf8) + [0] }
        body.append(0)
        let length = UInt32(body.count + 4)
        let message =
            [
                UInt8(length >> 24), UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff),
                UInt8(length & 0xff),
            ] + body
        guard message.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == message.count else {
            close()
            return nil
        }
        // Read until ReadyForQuery ('Z'), at most 2 s.
        var received: [UInt8] = []
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !Self.readyForQuery(received) {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else {
                close()
                return nil
            }
            received += buffer.prefix(count)
        }
    }

    /// True when the messages so far end with ReadyForQuery.
    static func readyForQuery(_ bytes: [UInt8]) -> Bool {
        var index = 0
        while index + 5 <= bytes.count {
            let length =
                Int(bytes[index + 1]) << 24 | Int(bytes[index + 2]) << 16 | Int(bytes[index + 3]) << 8
                | Int(bytes[index + 4])
            if bytes[index] == UInt8(ascii: "Z") { return true }
            index += 1 + length
        }
        return false
    }

    func close() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
