import Foundation
import Testing

@testable import SigTrace

/// A free TCP port on 127.0.0.1: bound, read and released (the fixture binds it a moment later).
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
    }
    _ = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
    }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// A `sigscope check --format json` run, decoded.
struct CheckRun {
    var result: CommandResult
    var json: [String: Any]

    init(_ arguments: [String]) throws {
        result = try run([TestPaths.sigscope, "check", "--format", "json"] + arguments, timeout: .seconds(60))
        let data = Data(result.stdout.utf8)
        json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
    }

    var verdict: String? { json["verdict"] as? String }
    var rules: [String] { (json["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String } }
    var pid: Int32 { Int32(json["pid"] as? Int ?? 0) }
    var exit: [String: Any]? { json["exit"] as? [String: Any] }
    var inflight: [String: Any] { json["inflight"] as? [String: Any] ?? [:] }
    var orphanPids: [Int32] {
        (json["orphans"] as? [[String: Any]] ?? []).compactMap { ($0["pid"] as? Int).map(Int32.init) }
    }
    func severity(of rule: String) -> String? {
        (json["findings"] as? [[String: Any]] ?? []).first { $0["rule"] as? String == rule }?["severity"] as? String
    }

    /// Nothing the check started is left: not the service, not a member of its process group, not an orphan.
    func assertNothingLeft(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(pid > 0, "no pid in the report: \(result.stdout) \(result.stderr)", sourceLocation: sourceLocation)
        let table = ServiceTree().scan()
        let left = table.filter { $0.pid == pid || $0.processGroup == pid || orphanPids.contains($0.pid) }
        #expect(left.isEmpty, "left running: \(left)", sourceLocation: sourceLocation)
    }
}

extension ProcessTests {
    /// `sigscope check` on real services: the Go pattern and its broken variants, C fixtures with known shutdown
    /// behaviour, shells under --pid1 with and without tini. Grace periods are 1-3 s to keep the suite fast.
    @Suite struct CheckTests {
        let service: String
        let server: String

        init() throws {
            service = try Fixtures.c("check-service")
            server = try Fixtures.go("server")
        }

        @Test func goServerWithNotifyDrainsInFlightRequestsAndPasses() throws {
            let port = freePort()
            let check = try CheckRun([
                "--grace", "3s", "--inflight", "http://127.0.0.1:\(port)/slow?ms=600", "--inflight-count", "2",
                "--probe", "http://127.0.0.1:\(port)/", "--", server, "-addr", "127.0.0.1:\(port)",
                "-drain-delay", "200ms",
            ])
            #expect(check.verdict == "pass", "\(check.result.stdout)")
            #expect(check.result.exitCode == 0)
            #expect(check.exit?["code"] as? Int == 0)
            #expect(check.inflight["in_flight_at_signal"] as? Int == 2)
            #expect(check.inflight["completed"] as? Int == 2)
            #expect(check.inflight["failed"] as? Int == 0)
            // Served new connections through the drain delay, then closed the listener before exiting.
            let probe = try #require(check.json["probe"] as? [String: Any])
            let closed = try #require(probe["listener_closed_seconds"] as? Double)
            let shutdown = try #require(check.json["shutdown_seconds"] as? Double)
            #expect(closed >= 0.15 && closed <= shutdown)
            #expect((probe["served"] as? Int ?? 0) >= 1)
            #expect(!check.rules.contains { check.severity(of: $0) == "error" })
            check.assertNothingLeft()
        }

        /// A fast handler answers before the signal goes out: that request was not in flight at it, and the text,
        /// the timeline and the JSON say so alike.
        @Test func aRequestAnsweredBeforeTheSignalIsNotCountedInFlight() throws {
            let port = freePort()
            let check = try CheckRun(["--grace", "3s", "--inflight", "http://127.0.0.1:\(port)/", "--", server,
                                      "-addr", "127.0.0.1:\(port)"])
            #expect(check.verdict == "pass", "\(check.result.stdout)")
            let result = try #require((check.inflight["results"] as? [[String: Any]])?.first, "\(check.inflight)")
            let after = try #require(result["seconds_after_signal"] as? Double, "\(result)")
            let before = after < 0
            #expect(check.inflight["in_flight_at_signal"] as? Int == (before ? 0 : 1), "\(check.inflight)")
            #expect(check.inflight["finished_before_signal"] as? Int == (before ? 1 : 0), "\(check.inflight)")
            let texts = (check.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
            let sent = texts.first { $0.hasPrefix("1 request sent: ") } ?? ""
            #expect(!sent.isEmpty && !sent.contains("of 1"), "\(texts)")
            if before {
                #expect(texts.contains { $0.hasPrefix("answered before the signal, http://127.0.0.1:\(port)/") },
                        "\(texts)")
                let text = try run([TestPaths.sigscope, "check", "--grace", "3s", "--inflight",
                                    "http://127.0.0.1:\(port)/", "--", server, "-addr", "127.0.0.1:\(port)"],
                                   timeout: .seconds(60))
                // The same run in text: no "1/1 completed" for a request that was never in flight at the signal,
                // unless this run's request happened to be slower.
                #expect(text.stdout.contains("no request in flight at the signal (1 of 1 answered before it)")
                        || text.stdout.contains("in-flight 1/1 completed\n"), "\(text.stdout)")
            }
            check.assertNothingLeft()
        }

        @Test func goServerWithoutNotifyIsKilledBySignalAndCutsRequests() throws {
            let port = freePort()
            let check = try CheckRun([
                "--grace", "2s", "--inflight", "http://127.0.0.1:\(port)/slow?ms=800", "--", server,
                "-addr", "127.0.0.1:\(port)", "-notify=false",
            ])
            #expect(check.verdict == "fail")
            #expect(check.result.exitCode == 1)
            #expect(check.exit?["signal"] as? String == "SIGTERM")
            #expect(check.rules.contains("killed-by-signal"))
            #expect(check.rules.contains("inflight-failed"))
            check.assertNothingLeft()
        }

        @Test func serverThatCutsInFlightResponsesFails() throws {
            let port = freePort()
            let check = try CheckRun([
                "--grace", "2s", "--ready", "http://127.0.0.1:\(port)/", "--inflight",
                "http://127.0.0.1:\(port)/slow?ms=800", "--", server, "-addr", "127.0.0.1:\(port)", "-cut",
            ])
            // It exits 0 at once, but the 200 response it had started is cut short.
            #expect(check.exit?["code"] as? Int == 0)
            #expect(check.verdict == "fail")
            #expect(check.rules == ["inflight-failed"])
            #expect(check.inflight["in_flight_at_signal"] as? Int == 1)
            check.assertNothingLeft()
        }

        @Test func ignoredSigtermExceedsTheGraceAndIsKilled() throws {
            let check = try CheckRun(["--grace", "1s", "--ready", "log:^ready", "--", service, "ignore"])
            #expect(check.verdict == "fail" && check.result.exitCode == 1)
            #expect(check.rules.contains("grace-exceeded"))
            #expect(check.rules.contains("sigterm-ignored"))
            #expect(check.exit?["signal"] as? String == "SIGKILL")
            #expect(check.json["killed"] as? Bool == true)
            #expect(check.json["shutdown_seconds"] is NSNull)
            check.assertNothingLeft()
        }

        @Test func handlerSlowerThanTheGracePeriodIsGraceExceeded() throws {
            let check = try CheckRun(["--grace", "1s", "--ready", "log:ready", "--", service, "exit-after", "1500"])
            #expect(check.rules == ["grace-exceeded", "sigterm-via-sigwait"])
            #expect(check.verdict == "fail")
            let killedAfter = try #require(check.json["killed_after_seconds"] as? Double)
            #expect(killedAfter > 0.9 && killedAfter < 1.5)
            check.assertNothingLeft()
        }

        @Test func slowButSuccessfulShutdownPassesWithAWarning() throws {
            let check = try CheckRun(["--grace", "1s", "--ready", "log:ready", "--", service, "exit-after", "850"])
            #expect(check.verdict == "pass" && check.result.exitCode == 0)
            #expect(check.severity(of: "slow-shutdown") == "warning")
            let seconds = try #require(check.json["shutdown_seconds"] as? Double)
            #expect(seconds >= 0.85 && seconds < 1.0)
        }

        @Test func preStopCountsAgainstTheGracePeriod() throws {
            // 1 s of grace, 0.5 s of it spent in the pre-stop wait: a 0.7 s drain no longer fits, a 0.2 s one does.
            let late = try CheckRun(["--grace", "1s", "--pre-stop", "500ms", "--ready", "log:ready", "--", service,
                                     "exit-after", "700"])
            #expect(late.verdict == "fail" && late.rules.first == "grace-exceeded")
            let inTime = try CheckRun(["--grace", "1s", "--pre-stop", "500ms", "--ready", "log:ready", "--", service,
                                       "exit-after", "200"])
            #expect(inTime.verdict == "pass")
            #expect(inTime.json["pre_stop_seconds"] as? Double == 0.5)
            late.assertNothingLeft()
        }

        @Test func exit143CountsAsCleanOnlyWithAcceptExit() throws {
            let strict = try CheckRun(["--grace", "2s", "--ready", "log:ready", "--", service, "exit-code", "143"])
            #expect(strict.verdict == "fail" && strict.rules == ["exit-nonzero"])
            let lenient = try CheckRun(["--grace", "2s", "--ready", "log:ready", "--accept-exit", "143", "--",
                                        service, "exit-code", "143"])
            #expect(lenient.verdict == "pass" && lenient.result.exitCode == 0)
            #expect(lenient.exit?["code"] as? Int == 143)
        }

        @Test func shellWrapperAsPID1DropsSigtermAndNeedsSigkill() throws {
            let check = try CheckRun(["--pid1", "--grace", "1s", "--ready", "delay:300ms", "--",
                                      "sh", "-c", "sleep 1000; true"])
            #expect(check.verdict == "fail")
            #expect(check.rules.contains("grace-exceeded"))
            #expect(check.rules.contains("pid1-sigterm-dropped"))
            // The forecast read the real NSpid: the shell was PID 1 of its own namespace.
            let dropped = (check.json["findings"] as? [[String: Any]] ?? [])
                .first { $0["rule"] as? String == "pid1-sigterm-dropped" }?["message"] as? String ?? ""
            #expect(dropped.contains("NSpid \(check.pid) 1"))
            check.assertNothingLeft()
        }

        @Test func tiniAsPID1ForwardsSigtermToTheShell() throws {
            // tini forwards SIGTERM; the shell child dies of it and tini exits 128+15.
            let check = try CheckRun(["--pid1", "--grace", "2s", "--ready", "delay:300ms", "--accept-exit", "143",
                                      "--", "tini", "--", "sh", "-c", "sleep 1000; true"])
            #expect(check.verdict == "pass", "\(check.result.stdout)")
            #expect(check.exit?["code"] as? Int == 143)
            #expect(!check.rules.contains("grace-exceeded"))
            #expect((check.json["shutdown_seconds"] as? Double ?? 9) < 1)
            check.assertNothingLeft()
        }

        /// The trace's signal deliveries: (receiver pid, signal, sender pid, sender comm).
        static func deliveries(_ check: CheckRun) -> [(Int32, String, Int32?, String?)] {
            (check.json["trace"] as? [[String: Any]] ?? []).filter { $0["event"] as? String == "signal" }.map {
                (Int32($0["pid"] as? Int ?? 0), $0["signal"] as? String ?? "", ($0["sender_pid"] as? Int).map(Int32.init),
                 $0["sender_comm"] as? String)
            }
        }

        @Test func traceShowsTheShellAsPID1PassingNothingOn() throws {
            let check = try CheckRun(["--trace", "--pid1", "--grace", "1s", "--ready", "delay:300ms", "--",
                                      "sh", "-c", "sleep 1000; true"])
            #expect(check.verdict == "fail")
            let terms = Self.deliveries(check).filter { $0.1 == "SIGTERM" }
            // SIGTERM reached the shell (sent from outside its namespace: sender pid 0) and nobody else.
            #expect(terms.count == 1)
            #expect(terms.first?.0 == check.pid)
            #expect(terms.first?.2 == 0)
            #expect(check.exit?["signal"] as? String == "SIGKILL")
            check.assertNothingLeft()
        }

        @Test func traceShowsTiniForwardingSigterm() throws {
            let check = try CheckRun(["--trace", "--pid1", "--grace", "2s", "--ready", "delay:300ms", "--accept-exit",
                                      "143", "--", "tini", "--", "sh", "-c", "sleep 1000; true"])
            #expect(check.verdict == "pass", "\(check.result.stdout)")
            let forwarded = Self.deliveries(check).filter { $0.1 == "SIGTERM" && $0.0 != check.pid }
            #expect(forwarded.count == 1)
            #expect(forwarded.first?.2 == check.pid)
            #expect(forwarded.first?.3 == "tini")
            check.assertNothingLeft()
        }

        @Test func orphanedChildIsReportedAndKilled() throws {
            let check = try CheckRun(["--grace", "2s", "--ready", "log:ready", "--", service, "orphan"])
            #expect(check.verdict == "fail")
            #expect(check.rules == ["orphaned-children"])
            let orphans = try #require(check.json["orphans"] as? [[String: Any]])
            #expect(orphans.count == 1)
            #expect(orphans.first?["cmdline"] as? [String] == ["sleep", "300"])
            check.assertNothingLeft()
        }

        @Test func zombiesLeftBehindAreReported() throws {
            let check = try CheckRun(["--grace", "2s", "--ready", "log:ready", "--", service, "zombies", "3"])
            #expect(check.verdict == "pass")
            #expect(check.severity(of: "zombie-children") == "warning")
            #expect((check.json["zombies"] as? [Any])?.count == 3)
            check.assertNothingLeft()
        }

        @Test func serviceThatExitsBeforeReadyIsAStartupError() throws {
            let check = try CheckRun(["--grace", "2s", "--ready", "log:ready", "--", service, "die"])
            #expect(check.result.exitCode == 2)
            #expect(check.verdict == "error" && check.rules == ["not-ready"])
            #expect(check.exit?["code"] as? Int == 3)
            #expect((check.json["output_tail"] as? [String])?.last?.contains("cannot open config") == true)
            #expect(check.result.stderr.contains("exited before it was ready: exited with code 3"))
        }

        @Test func serviceNeverReadyIsStoppedAndAStartupError() throws {
            let port = freePort()
            let check = try CheckRun(["--ready", "tcp:127.0.0.1:\(port)", "--ready-timeout", "300ms", "--",
                                      service, "ignore"])
            #expect(check.result.exitCode == 2 && check.verdict == "error")
            #expect(check.result.stderr.contains("was not ready after 0.3 s"))
            check.assertNothingLeft()
        }

        @Test func runningProcessIsCheckedByPid() throws {
            let fixture = try FixtureProcess([service, "exit-code", "0"])
            let check = try CheckRun(["--pid", String(fixture.pid), "--grace", "2s"])
            #expect(check.verdict == "pass")
            #expect(check.rules == ["exit-status-unknown"])
            #expect(fixture.running.process.wait() == SigTrace.ExitStatus.exited(0))
        }

        @Test func runningProcessThatDiesOfSigtermFailsByPid() throws {
            // Not sigscope's child: the exit status is unreadable, but the forecast taken just before the signal
            // (no handler) and the exit tell a death by the default action.
            let fixture = try FixtureProcess([service, "default"])
            let check = try CheckRun(["--pid", String(fixture.pid), "--grace", "2s"])
            #expect(check.verdict == "fail")
            #expect(check.result.exitCode == 1)
            #expect(check.rules.contains("killed-by-signal"))
            #expect(fixture.running.process.wait() == .signaled(.term, coreDumped: false))
        }

        @Test func runningProcessThatIgnoresSigtermIsKilledByPid() throws {
            let fixture = try FixtureProcess([service, "ignore"])
            let check = try CheckRun(["--pid", String(fixture.pid), "--grace", "1s"])
            #expect(check.verdict == "fail")
            #expect(check.rules.contains("grace-exceeded"))
            #expect(check.exit?["signal"] as? String == "SIGKILL")
            #expect(fixture.running.process.wait() == .signaled(.kill, coreDumped: false))
        }

        @Test func runningProcessThatIsNotReadyIsLeftAlone() throws {
            let fixture = try FixtureProcess([service, "ignore"])
            let check = try CheckRun(["--pid", String(fixture.pid), "--ready", "tcp:127.0.0.1:\(freePort())",
                                      "--ready-timeout", "300ms"])
            #expect(check.result.exitCode == 2)
            #expect(kill(fixture.pid, 0) == 0)
            #expect(fixture.running.process.poll() == nil)
        }

        @Test func interruptedCheckStopsTheServiceFirst() throws {
            var options = SpawnedProcess.Options()
            options.stdout = open("/dev/null", O_WRONLY | O_CLOEXEC)
            defer { close(options.stdout!) }
            let checker = try Running([TestPaths.sigscope, "check", "--grace", "30s", "--ready", "log:ready", "--",
                                       service, "ignore"], options: options)
            var servicePid: Int32?
            let started = waitUntil(timeout: .seconds(10)) {
                servicePid = ServiceTree().scan().first { $0.ppid == checker.pid && $0.state != "Z" }?.pid
                return servicePid != nil
            }
            #expect(started)
            Clocks.sleep(for: .milliseconds(200))
            kill(checker.pid, SIGINT)
            #expect(checker.process.killAndReap(after: .seconds(5)) == SigTrace.ExitStatus.exited(2))
            if let servicePid { #expect(kill(servicePid, 0) != 0) }
        }

        @Test func junitAndGithubFormatsCarryTheFindings() throws {
            let junit = try run([TestPaths.sigscope, "check", "--format", "junit", "--grace", "2s", "--ready",
                                 "log:ready", "--", service, "default"])
            #expect(junit.exitCode == 1)
            #expect(junit.stdout.contains("<failure type=\"killed-by-signal\""))
            let github = try run([TestPaths.sigscope, "check", "--format", "github", "--grace", "2s", "--ready",
                                  "log:ready", "--", service, "exit-code", "0"])
            #expect(github.exitCode == 0)
            #expect(github.stdout.contains("::notice title=sigscope check::pass"))
        }

        @Test func badInputIsOneLineAndExit2() throws {
            for arguments in [["--grace", "5x", "--", "true"], ["--signal", "KILL", "--", "true"], ["--pid", "abc"],
                              [], ["--pre-stop", "3s", "--grace", "2s", "--", "true"], ["--", "/nonexistent/x"]] {
                let result = try run([TestPaths.sigscope, "check"] + arguments)
                #expect(result.exitCode == 2, "\(arguments)")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            }
        }
    }
}
