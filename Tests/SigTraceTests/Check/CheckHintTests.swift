import Testing

@testable import SigTrace

/// check's findings in the terms of the program checked: its own stop signal, its own settings, what it waited for.
@Suite struct CheckHintTests {
    func observation(_ programID: String?, signal: Signal = .term, end: ShutdownEnd) -> ShutdownObservation {
        var o = ShutdownObservation(pid: 4711, command: "server", signal: signal, grace: .seconds(10), preStop: .zero,
                                    end: end, acceptedExitCodes: [])
        o.program = programID.flatMap(ProgramKnowledge.program(id:))
        return o
    }

    static let killed = ShutdownEnd.killed(afterSeconds: 10.001, status: .signaled(.kill, coreDumped: false))
    static let client = OpenConnection(
        pid: 4711, command: "postgres", local: TCPEndpoint(address: "127.0.0.1", port: 5432),
        remote: TCPEndpoint(address: "127.0.0.1", port: 41234), state: .established, fromClient: true)

    @Test func postgresSmartShutdownNamesTheClientItWaitedFor() throws {
        var o = observation("postgresql", end: Self.killed)
        o.graceEnd = GraceEndState(connections: [Self.client])
        let (verdict, findings) = ShutdownVerdict.judge(o)
        #expect(verdict == .fail)
        let finding = try #require(findings.first)
        #expect(finding.rule == "grace-exceeded")
        #expect(finding.message.contains("it waited for 1 client connection (127.0.0.1:41234 -> :5432)"))
        #expect(finding.message.contains("TERM is PostgreSQL's smart shutdown; INT is its fast shutdown"))
        #expect(finding.hint.contains("stop PostgreSQL with SIGINT (fast shutdown)"))
        #expect(finding.hint.contains("STOPSIGNAL SIGINT") && finding.hint.contains("KillSignal=SIGINT"))
        #expect(!finding.hint.contains("Go"))
    }

    @Test func nginxCutRequestsPointToQuit() throws {
        var o = observation("nginx", end: .exited(seconds: 0.01, status: .exited(0)))
        o.inflight = InflightSummary(requests: 1, inFlightAtSignal: 1, finishedBeforeSignal: 0, completed: 0, failed: 1,
                                     results: [(url: "http://127.0.0.1:8080/slow", outcome: nil, seconds: nil)])
        let finding = try #require(ShutdownVerdict.judge(o).1.first { $0.rule == "inflight-failed" })
        #expect(finding.hint.contains("SIGQUIT (graceful shutdown)"))
        #expect(finding.hint.contains("worker_shutdown_timeout"))
    }

    @Test func uwsgiReloadingOnTermIsNamed() throws {
        let finding = try #require(ShutdownVerdict.judge(observation("uwsgi", end: Self.killed)).1.first)
        #expect(finding.hint.contains("does not stop on TERM") && finding.hint.contains("--die-on-term"))
    }

    @Test func goGetsGoAdviceAndAnUnknownProgramNone() throws {
        let death = ShutdownEnd.exited(seconds: 0.001, status: .signaled(.term, coreDumped: false))
        let go = try #require(ShutdownVerdict.judge(observation("go", end: death)).1.first)
        #expect(go.hint.hasPrefix("Go: signal.NotifyContext"))
        let python = try #require(ShutdownVerdict.judge(observation("python", end: death)).1.first)
        #expect(python.hint.hasPrefix("Python: signal.signal(signal.SIGTERM"))
        let unknown = try #require(ShutdownVerdict.judge(observation(nil, end: death)).1.first)
        #expect(!unknown.hint.contains("Go") && unknown.hint.contains("catch SIGTERM"))
    }

    @Test func descendantsKilledWithTheServiceAreInsideGraceExceeded() throws {
        var o = observation(nil, end: Self.killed)
        let worker = try #require(TreeProcess(stat: "4712 (worker) S 4711 4711 4711 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 900 0 0",
                                              cmdline: ["worker"]))
        let zombie = try #require(TreeProcess(stat: "4713 (w) Z 1 4711 4711 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 901 0 0"))
        o.graceEnd = GraceEndState(descendants: [worker])
        o.zombies = [zombie]
        let (verdict, findings) = ShutdownVerdict.judge(o)
        #expect(verdict == .fail)
        #expect(findings.map(\.rule) == ["grace-exceeded"])
        #expect(findings[0].message.contains("(with 1 descendant: 4712 (worker))"))
    }
}
