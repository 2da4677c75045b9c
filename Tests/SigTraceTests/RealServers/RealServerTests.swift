import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// inspect and check on real Debian servers (docs/real-servers.md): each server is measured without sigscope
    /// first (the signal sent with kill, its exit timed), and inspect's forecast and check's verdict and hints must
    /// agree with what was measured and name the program's own fix. Servers that are not installed are skipped
    /// with the reason printed; scripts/install-deps installs them.
    @Suite struct RealServerTests {
        @Test func nginxTermIsFastAndQuitDrains() throws {
            guard let nginx = try RealServer.prepare("nginx", executable: "/usr/sbin/nginx", setup: { d, port in
                try "x".padding(toLength: 400_000, withPad: "x", startingAt: 0)
                    .write(toFile: "\(d)/big", atomically: true, encoding: .utf8)
                try """
                    worker_processes 2;
                    pid \(d)/nginx.pid;
                    error_log \(d)/error.log;
                    events { worker_connections 64; }
                    http {
                      access_log off;
                      client_body_temp_path \(d)/body; proxy_temp_path \(d)/proxy; fastcgi_temp_path \(d)/fastcgi;
                      uwsgi_temp_path \(d)/uwsgi; scgi_temp_path \(d)/scgi;
                      server {
                        listen 127.0.0.1:\(port); root \(d);
                        location / { return 200 "ok\\n"; }
                        location /big { limit_rate 200k; }
                      }
                    }
                    """.write(toFile: "\(d)/nginx.conf", atomically: true, encoding: .utf8)
                return ["/usr/sbin/nginx", "-p", d + "/", "-c", "\(d)/nginx.conf", "-g", "daemon off;"]
            }) else { return }

            // Measured: TERM (its fast shutdown) ends it with exit 0 at once.
            let server = try nginx.start()
            let report = try Inspector().inspect(server.pid)
            #expect(report.disposition(.term).outcome == .handled)
            #expect(severityRules(report) == ["info:stop-signal-meaning"])
            #expect(report.findings.first?.hint.contains("STOPSIGNAL SIGQUIT") == true)
            let stopped = try #require(nginx.stop(server, with: .term, within: .seconds(5)), "\(nginx.output)")
            #expect(stopped.status == .exited(0))

            // check: a 2 s download is cut by TERM and finishes under QUIT, and the hint names QUIT.
            let check = try nginx.check(grace: "6s", ["--inflight", "http://127.0.0.1:\(nginx.port)/big",
                                                      "--compare-signals"])
            let runs = check.json["runs"] as? [[String: Any]] ?? []
            #expect(check.json["recommended_signal"] as? String == "SIGQUIT", "\(check.result.stdout)")
            #expect(runs.map { $0["verdict"] as? String } == ["fail", "pass"], "\(check.result.stdout)")
            let termFindings = (runs.first?["findings"] as? [[String: Any]] ?? [])
            #expect(termFindings.map { $0["rule"] as? String }.contains("inflight-failed"))
            #expect(termFindings.compactMap { $0["hint"] as? String }.contains { $0.contains("STOPSIGNAL SIGQUIT") })
            #expect(check.result.exitCode == 1)
        }

        @Test func redisTermSavesAndExits() throws {
            guard let redis = try RealServer.prepare("redis", executable: "/usr/bin/redis-server", setup: { d, port in
                ["/usr/bin/redis-server", "--port", String(port), "--bind", "127.0.0.1", "--dir", d]
            }) else { return }
            let server = try redis.start()
            let report = try Inspector().inspect(server.pid)
            #expect(report.disposition(.term).outcome == .handled)
            #expect(report.findings.isEmpty, "\(report.findings)")
            let stopped = try #require(redis.stop(server, with: .term, within: .seconds(5)), "\(redis.output)")
            #expect(stopped.status == .exited(0))

            let check = try redis.check(grace: "5s")
            #expect(check.verdict == "pass", "\(check.result.stdout)")
            #expect(check.severityRules.isEmpty, "\(check.result.stdout)")
            check.assertNothingLeft()
        }

        @Test func memcachedTermExits() throws {
            guard let memcached = try RealServer.prepare("memcached", executable: "/usr/bin/memcached", setup: {
                _, port in ["/usr/bin/memcached", "-l", "127.0.0.1", "-p", String(port), "-U", "0", "-u", "nobody"]
            }) else { return }
            let server = try memcached.start()
            let report = try Inspector().inspect(server.pid)
            #expect(report.disposition(.term).outcome == .handled)
            #expect(report.findings.isEmpty, "\(report.findings)")
            let stopped = try #require(memcached.stop(server, with: .term, within: .seconds(5)))
            #expect(stopped.status == .exited(0))
            let check = try memcached.check(grace: "5s")
            #expect(check.verdict == "pass", "\(check.result.stdout)")
            #expect(check.severityRules.isEmpty, "\(check.result.stdout)")
        }

        /// mosquitto blocks HUP, INT, USR1, USR2 and TERM around each epoll_wait (100 ms) and unblocks them between
        /// waits: caught and blocked, yet TERM ends it within about 100 ms. Not `stays-pending`.
        @Test func mosquittoBlocksTermOnlyAroundItsWaits() throws {
            guard let mosquitto = try RealServer.prepare("mosquitto", executable: "/usr/sbin/mosquitto", setup: {
                d, port in
                try "listener \(port) 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n"
                    .write(toFile: "\(d)/mosquitto.conf", atomically: true, encoding: .utf8)
                return ["/usr/sbin/mosquitto", "-c", "\(d)/mosquitto.conf"]
            }) else { return }
            let server = try mosquitto.start()
            let report = try Inspector().inspect(server.pid)
            let term = report.disposition(.term)
            #expect(term.outcome == .deferred)
            #expect(term.caught && term.blocked == .all)
            #expect(severityRules(report) == ["info:sigterm-deferred"], "\(report.findings)")
            #expect(report.deferredTerm?.boundedWaits.first?.call.hasPrefix("epoll") == true)
            let stopped = try #require(mosquitto.stop(server, with: .term, within: .seconds(5)))
            #expect(stopped.status == .exited(0))
            #expect(stopped.seconds < 1.0)

            let check = try mosquitto.check(grace: "5s")
            #expect(check.verdict == "pass", "\(check.result.stdout)")
            #expect(check.severityRules == ["info:sigterm-deferred"], "\(check.result.stdout)")
        }

        @Test func lighttpdTermIsImmediateAndIntIsGraceful() throws {
            guard let lighttpd = try RealServer.prepare("lighttpd", executable: "/usr/sbin/lighttpd", setup: {
                d, port in
                try "ok\n".write(toFile: "\(d)/index.html", atomically: true, encoding: .utf8)
                try """
                    server.document-root = "\(d)"
                    server.port = \(port)
                    server.bind = "127.0.0.1"
                    server.errorlog = "\(d)/error.log"
                    """.write(toFile: "\(d)/lighttpd.conf", atomically: true, encoding: .utf8)
                return ["/usr/sbin/lighttpd", "-D", "-f", "\(d)/lighttpd.conf"]
            }) else { return }
            let server = try lighttpd.start()
            let report = try Inspector().inspect(server.pid)
            #expect(report.disposition(.term).outcome == .handled)
            #expect(severityRules(report) == ["info:stop-signal-meaning"])
            let stopped = try #require(lighttpd.stop(server, with: .term, within: .seconds(5)))
            #expect(stopped.status == .exited(0))

            // A pass with TERM still says which signal drains lighttpd, and where to set it.
            let check = try lighttpd.check(grace: "5s")
            #expect(check.verdict == "pass", "\(check.result.stdout)")
            #expect(check.severityRules == ["info:stop-signal-meaning"], "\(check.result.stdout)")
            #expect(check.hints.contains("STOPSIGNAL SIGINT"))
        }

        @Test func haproxyTermIsAHardStop() throws {
            guard let haproxy = try RealServer.prepare("haproxy", executable: "/usr/sbin/haproxy", setup: { d, port in
                try """
                    defaults
                      mode http
                      timeout connect 1s
                      timeout client 30s
                      timeout server 30s
                    frontend web
                      bind 127.0.0.1:\(port)
                      http-request return status 200 content-type text/plain string ok

                    """.write(toFile: "\(d)/haproxy.cfg", atomically: true, encoding: .utf8)
                // The official image's command: master-worker mode in the foreground.
                return ["/usr/sbin/haproxy", "-W", "-db", "-f", "\(d)/haproxy.cfg"]
            }) else { return }
            let server = try haproxy.start()
            let report = try Inspector().inspect(server.pid)
            #expect(report.disposition(.term).outcome == .handled)
            #expect(severityRules(report) == ["info:stop-signal-meaning"])
            #expect(report.findings.first?.hint.contains("STOPSIGNAL SIGUSR1") == true)
            let stopped = try #require(haproxy.stop(server, with: .term, within: .seconds(5)))
            #expect(stopped.status == .exited(0))
        }
    }
}
