import Foundation
import Testing

@testable import SigTrace

/// The pieces of inspect's readings beyond /proc status, on captured text and bytes: a thread's bounded wait, Go's
/// runtime.sig record, a runtime that re-raises, and what a switch on the command line does to a server's signal.
@Suite struct RuntimeRecordTests {
    static let term: UInt64 = 1 << 14

    @Test func boundedWaitIsReadFromTheSyscallFile() throws {
        #if arch(x86_64)
        // mosquitto 2.0.11 between messages: epoll_wait(5, events, 1000, 100).
        let wait = try #require(BoundedWait.parse(
            "232 0x5 0x5591a8745f20 0x3e8 0x64 0x0 0x2cc7 0x7ffceb2105e8 0x7f9397526ef3\n", tid: 7))
        #expect(wait == BoundedWait(tid: 7, call: "epoll_wait", timeoutMilliseconds: 100))
        // poll(fds, 2, 5000).
        #expect(BoundedWait.parse("7 0x7ffd1 0x2 0x1388 0x0 0x0 0x0 0x7ffd0 0x7f01\n", tid: 1)?.timeoutMilliseconds
            == 5000)
        // No timeout (-1, printed as an unsigned long): not bounded.
        #expect(BoundedWait.parse("232 0x5 0x55 0x3e8 0xffffffffffffffff 0x0 0x0 0x7ffd 0x7f01\n", tid: 1) == nil)
        #expect(BoundedWait.parse("232 0x5 0x55 0x3e8 0xffffffff 0x0 0x0 0x7ffd 0x7f01\n", tid: 1) == nil)
        #endif
        #expect(BoundedWait.parse("running\n", tid: 1) == nil)
        #expect(BoundedWait.parse("-1 0x7ffd 0x7f01\n", tid: 1) == nil)
        #expect(BoundedWait.parse("0 0x3 0x55\n", tid: 1) == nil)
    }

    /// runtime.sig of a Go 1.19 program that called signal.Notify(c, SIGTERM, SIGUSR1): bit 15 and bit 10 of
    /// wanted[0], inuse set.
    @Test func goSignalRecordDecodesTheWantedMask() throws {
        var bytes = [UInt8](repeating: 0, count: 72)
        let wanted: UInt32 = 1 << 15 | 1 << 10
        for index in 0..<4 { bytes[20 + index] = UInt8(truncatingIfNeeded: wanted >> (8 * index)) }
        bytes[32] = 1 << 1  // ignored: SIGHUP (signal.Ignore(syscall.SIGHUP))
        bytes[28] = 1       // wanted[2] bit 0: signal 64
        bytes[64] = 1
        let record = try #require(GoSignalRecord.decode(bytes))
        #expect(record.wanted == SignalSet([.term, .usr1, Signal(64)]))
        #expect(record.ignored == SignalSet([.hup]))
        #expect(record.inUse)
        #expect(record.notifyLine(.term) == "Notify(SIGTERM) active: yes")
        #expect(record.notifyLine(.int) == "Notify(SIGINT) active: no")
        #expect(GoSignalRecord.decode(Array(bytes.prefix(64))) == nil)
    }

    @Test func goWantedMaskDecidesACaughtTerm() throws {
        let status = try JudgeTests.status(caught: Self.term, name: "server")
        var snapshot = ProcessSnapshot.fixture(status)
        snapshot.executableRuntime = .go
        let asked = Inspector.judge(snapshot, goSignals: GoSignalRecord(wanted: [.term], ignored: [], inUse: true))
        #expect(asked.disposition(.term).outcome == .handled)
        #expect(asked.findings.map(\.rule) == ["runtime-catch-all"])
        #expect(asked.findings[0].message.contains("Notify(SIGTERM) active: yes"))
        let never = Inspector.judge(snapshot, goSignals: GoSignalRecord(wanted: [], ignored: [], inUse: false))
        #expect(never.disposition(.term).outcome == .terminates)
        #expect(never.disposition(.term).handledBy == .runtime)
        #expect(never.findings.map(\.rule) == ["sigterm-not-caught"])
        #expect(never.findings[0].message.contains("Notify(SIGTERM) active: no"))
        let unknown = Inspector.judge(snapshot)
        #expect(unknown.disposition(.term).outcome == .runtimeDecides)
        #expect(unknown.findings.map(\.rule) == ["runtime-catch-all"])
        #expect(unknown.findings[0].message.contains("no symbol table"))
    }

    @Test func nodeAndRubyCatchTermThemselves() throws {
        for (name, runtime) in [("node", Runtime.node), ("ruby", Runtime.ruby)] {
            let status = try JudgeTests.status(caught: Self.term, name: name)
            var snapshot = ProcessSnapshot.fixture(status)
            snapshot.exe = "/usr/bin/\(name)"
            snapshot.cmdline = ["/usr/bin/\(name)", "server"]
            let report = Inspector.judge(snapshot)
            #expect(report.runtime == runtime)
            #expect(report.disposition(.term).outcome == .runtimeDecides, "\(name)")
            #expect(report.findings.map(\.rule) == ["runtime-decides"], "\(name)")
            #expect(report.findings.first?.message.contains("no proof") == true)
        }
    }

    @Test func uwsgiTermMeaningFollowsDieOnTerm() throws {
        let uwsgi = try #require(ProgramKnowledge.program(id: "uwsgi"))
        let plain = try #require(uwsgi.meaning(of: .term, commandLine: ["uwsgi", "--http-socket", ":8000"]))
        #expect(plain.meaning.effect == .reload)
        #expect(plain.switchedBy == nil && plain.configFile == nil)
        let flag = try #require(uwsgi.meaning(of: .term, commandLine: ["uwsgi", "--master", "--die-on-term"]))
        #expect(flag.meaning.effect == .fastStop && flag.switchedBy == "--die-on-term")
        let variable = try #require(uwsgi.meaning(of: .term, commandLine: ["uwsgi"],
                                                  environment: ["PATH=/bin", "UWSGI_DIE_ON_TERM=1"]))
        #expect(variable.switchedBy == "UWSGI_DIE_ON_TERM")
        #expect(uwsgi.meaning(of: .term, commandLine: ["uwsgi", "--ini", "app.ini"])?.configFile == "--ini app.ini")
        #expect(uwsgi.meaning(of: .term, commandLine: ["uwsgi", "app.yaml"])?.configFile == "app.yaml")

        let who = "pid 1 (uwsgi)"
        let error = try #require(InspectRules.stopSignalFinding(who: who, program: uwsgi, commandLine: ["uwsgi"]))
        #expect(error.severity == .error)
        #expect(error.hint.contains("--die-on-term"))
        #expect(InspectRules.stopSignalFinding(who: who, program: uwsgi, commandLine: ["uwsgi", "--die-on-term"])
            == nil)
        #expect(InspectRules.stopSignalFinding(who: who, program: uwsgi, commandLine: ["uwsgi", "--ini", "a.ini"])?
            .severity == .warning)
    }

    @Test func stopSignalMeaningNamesTheProgramsOwnSignal() throws {
        let postgres = try #require(ProgramKnowledge.program(id: "postgresql"))
        let smart = try #require(InspectRules.stopSignalFinding(who: "pid 9 (postgres)", program: postgres,
                                                                commandLine: ["postgres", "-D", "/data"]))
        #expect(smart.severity == .warning)
        #expect(smart.message.contains("smart shutdown"))
        #expect(smart.hint.contains("STOPSIGNAL SIGINT"))
        // INT is its recommended stop: nothing to say.
        #expect(InspectRules.stopSignalFinding(who: "pid 9 (postgres)", program: postgres, signal: .int,
                                               commandLine: ["postgres"]) == nil)
        let nginx = try #require(ProgramKnowledge.program(id: "nginx"))
        let fast = try #require(InspectRules.stopSignalFinding(who: "pid 3 (nginx)", program: nginx,
                                                               commandLine: ["nginx"]))
        #expect(fast.severity == .info)
        #expect(fast.hint.contains("STOPSIGNAL SIGQUIT"))
        // Redis: TERM is its clean stop.
        let redis = try #require(ProgramKnowledge.program(id: "redis"))
        #expect(InspectRules.stopSignalFinding(who: "pid 4 (redis-server)", program: redis,
                                               commandLine: ["redis-server"]) == nil)
    }
}
