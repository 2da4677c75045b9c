import Testing

@testable import SigTrace

/// The rules of `check` on observations built by hand: no processes, so every branch is cheap to reach.
@Suite struct CheckVerdictTests {
    func observation(exit: SigTrace.ExitStatus?, seconds: Double = 0.2, killed: Bool = false) -> ShutdownObservation {
        ShutdownObservation(pid: 4711, command: "server", signal: .term, grace: .seconds(10), preStop: .zero,
                            end: killed ? .killed(afterSeconds: 10.001, status: exit) : .exited(seconds: seconds, status: exit),
                            acceptedExitCodes: [])
    }

    @Test func cleanExitPasses() {
        let (verdict, findings) = ShutdownVerdict.judge(observation(exit: .exited(0)))
        #expect(verdict == .pass)
        #expect(findings.isEmpty)
    }

    @Test func deathBySignalFails() {
        let (verdict, findings) = ShutdownVerdict.judge(observation(exit: .signaled(.term, coreDumped: false)))
        #expect(verdict == .fail)
        #expect(findings.map(\.rule) == ["killed-by-signal"])
    }

    @Test func sigkillAtGraceEndIsGraceExceededNotKilledBySignal() {
        let (verdict, findings) = ShutdownVerdict.judge(
            observation(exit: .signaled(.kill, coreDumped: false), killed: true))
        #expect(verdict == .fail)
        #expect(findings.map(\.rule) == ["grace-exceeded"])
    }

    @Test func exit143CleanOnlyWhenAccepted() {
        var o = observation(exit: .exited(143))
        let (failed, findings) = ShutdownVerdict.judge(o)
        #expect(failed == .fail)
        #expect(findings.first?.rule == "exit-nonzero")
        #expect(findings.first?.hint.contains("--accept-exit 143") == true)
        o.acceptedExitCodes.insert(143)
        #expect(ShutdownVerdict.judge(o).0 == .pass)
    }

    @Test func slowShutdownIsAWarningAndStillPasses() {
        let (verdict, findings) = ShutdownVerdict.judge(observation(exit: .exited(0), seconds: 9.1))
        #expect(verdict == .pass)
        #expect(findings.map(\.rule) == ["slow-shutdown"])
        #expect(findings[0].severity == .warning)
    }

    @Test func preStopShrinksTheGraceLeft() {
        var o = observation(exit: .exited(0), seconds: 5)
        #expect(ShutdownVerdict.judge(o).1.isEmpty)
        o.preStop = .seconds(4)
        #expect(ShutdownVerdict.judge(o).1.map(\.rule) == ["slow-shutdown"])
    }

    @Test func aForecastTheCleanShutdownContradictsIsDropped() {
        var o = observation(exit: .exited(0))
        o.forecast = [Finding(.pid1SigtermDropped, message: "m", hint: "h"),
                      Finding(.sigtermViaSignalfd, message: "m", hint: "h"),
                      Finding(.sigpipeDefault, message: "m", hint: "h")]
        let (verdict, findings) = ShutdownVerdict.judge(o)
        #expect(verdict == .pass)
        #expect(findings.map(\.rule) == ["sigterm-via-signalfd"])
        #expect(ShutdownVerdict.contradictedForecast(o, findings: findings).map(\.rule) == ["pid1-sigterm-dropped"])
        o.end = .killed(afterSeconds: 10.001, status: .signaled(.kill, coreDumped: false))
        let (failed, explained) = ShutdownVerdict.judge(o)
        #expect(failed == .fail)
        #expect(explained.first { $0.rule == "pid1-sigterm-dropped" }?.severity == .error)
    }

    @Test func verdictAndExitCodeAlwaysAgree() {
        let cases: [ShutdownObservation] = [
            observation(exit: .exited(0)), observation(exit: .exited(1)), observation(exit: nil),
            observation(exit: .signaled(.kill, coreDumped: false), killed: true),
        ]
        for o in cases {
            let (verdict, findings) = ShutdownVerdict.judge(o)
            #expect((verdict == .pass) == !findings.contains { $0.severity == .error })
            #expect(verdict.exitCode == (verdict == .pass ? 0 : 1))
        }
    }

    @Test func orphansFailAndZombiesWarn() {
        var o = observation(exit: .exited(0))
        let sleeper = TreeProcess(stat: "4712 (sleep) S 1 4712 4712 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 900 0 0",
                                  cmdline: ["sleep", "300"])!
        let zombie = TreeProcess(stat: "4713 (worker) Z 1 4711 4711 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 901 0 0")!
        o.zombies = [zombie]
        #expect(ShutdownVerdict.judge(o).0 == .pass)
        o.orphans = [sleeper]
        let (verdict, findings) = ShutdownVerdict.judge(o)
        #expect(verdict == .fail)
        #expect(findings.map(\.rule) == ["orphaned-children", "zombie-children"])
        #expect(findings[0].message.contains("4712 (sleep 300)"))
        #expect(findings[1].message.contains("4713 ([worker])"))
    }

    @Test func notReadyIsAnErrorVerdictWithItsJSONKeys() {
        var o = observation(exit: .exited(3))
        o.end = .notReady(.exitedBeforeReady, status: .exited(3))
        #expect(o.notReady == "exited before it was ready: exited with code 3")
        #expect(o.shutdownSeconds == nil && !o.killed && !o.exitedInTime)
        let (verdict, findings) = ShutdownVerdict.judge(o)
        #expect(verdict == .error && verdict.exitCode == 2)
        #expect(findings.map(\.rule) == ["not-ready"])
        let result = CheckResult(verdict: verdict, findings: findings, observation: o, timeline: [],
                                 readySeconds: nil, outputTail: ["boom"])
        let json = CheckFormat(style: TextStyle(colored: false)).json(result).rendered()
        #expect(json.hasPrefix("{\"schema_version\":1,\"verdict\":\"error\""))
        #expect(json.contains("\"shutdown_seconds\":null"))
        #expect(json.contains("\"exit\":{\"status\":\"exited\",\"code\":3}"))
        #expect(json.contains("\"output_tail\":[\"boom\"]"))
    }

    @Test func statParsingSurvivesParenthesesInComm() throws {
        let process = try #require(TreeProcess(
            stat: "77 (a) b (c)) S 5 77 77 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 12345 0 0"))
        #expect(process.pid == 77 && process.ppid == 5 && process.processGroup == 77)
        #expect(process.startTime == 12345)
        #expect(process.command == "[a) b (c)]")
        #expect(TreeProcess(stat: "garbage") == nil)
    }

    @Test func readinessProbesParse() throws {
        #expect(try ReadinessProbe(parsing: "tcp:127.0.0.1:8080") == .tcp(host: "127.0.0.1", port: 8080))
        #expect(try ReadinessProbe(parsing: "tcp:[::1]:80") == .tcp(host: "::1", port: 80))
        let health = "http://localhost:8080/healthz"
        #expect(try ReadinessProbe(parsing: health) == .http(url: health))
        #expect(try ReadinessProbe(parsing: "log:listening on .*") == .log(pattern: "listening on .*"))
        #expect(try ReadinessProbe(parsing: "delay:500ms") == .delay(.milliseconds(500)))
        for bad in ["tcp:host", "tcp:h:0", "ftp://x", "log:(", "delay:soon", "ready"] {
            #expect(throws: SigscopeError.self) { try ReadinessProbe(parsing: bad) }
        }
    }

    @Test func commandLinesQuoteWhatAShellWould() {
        #expect(ShutdownVerdict.commandLine(["sh", "-c", "sleep 1000; true"]) == "sh -c 'sleep 1000; true'")
        #expect(ShutdownVerdict.commandLine(["echo", "it's"]) == "echo 'it'\\''s'")
        #expect(ShutdownVerdict.precise(1.0004) == "1.000" && ShutdownVerdict.precise(0.0125) == "0.013")
    }
}
