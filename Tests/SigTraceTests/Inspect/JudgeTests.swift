import Foundation
import Testing

@testable import SigTrace

/// The verdict logic on synthetic snapshots: every outcome and rule, without a process.
@Suite struct JudgeTests {
    static func status(caught: UInt64 = 0, ignored: UInt64 = 0, blocked: UInt64 = 0, nspid: String = "4711",
                       pid: Int32 = 4711, name: String = "app") throws -> ProcStatus {
        let text = """
            Name:\t\(name)
            State:\tS (sleeping)
            Tgid:\t\(pid)
            Pid:\t\(pid)
            PPid:\t1
            TracerPid:\t0
            Uid:\t0\t0\t0\t0
            NSpid:\t\(nspid)
            Threads:\t1
            SigQ:\t0/1000
            SigPnd:\t0000000000000000
            ShdPnd:\t0000000000000000
            SigBlk:\t\(SignalSet(rawValue: blocked).hex)
            SigIgn:\t\(SignalSet(rawValue: ignored).hex)
            SigCgt:\t\(SignalSet(rawValue: caught).hex)
            VmSize:\t1000 kB
            """
        return try ProcStatus(parsing: text)
    }

    static let term: UInt64 = 1 << 14

    @Test func defaultTermTerminatesAndWarns() throws {
        let report = Inspector.judge(.fixture(try Self.status()))
        #expect(report.disposition(.term).outcome == .terminates)
        #expect(report.findings.map(\.rule) == ["sigterm-not-caught"])
    }

    @Test func caughtTermIsHandled() throws {
        let report = Inspector.judge(.fixture(try Self.status(caught: Self.term)))
        #expect(report.disposition(.term).outcome == .handled)
        #expect(report.disposition(.term).handledBy == .handler)
        #expect(report.findings.isEmpty)
    }

    @Test func namespaceInitWithoutHandlerDropsTerm() throws {
        let report = Inspector.judge(.fixture(try Self.status(nspid: "4711\t1")))
        #expect(report.disposition(.term).outcome == .dropped)
        #expect(report.findings.first?.rule == "pid1-sigterm-dropped")
        #expect(report.findings.first?.severity == .error)
        // SIGKILL is forced through from the parent namespace; SIGCHLD is ignored by default anyway.
        #expect(report.disposition(.kill).outcome == .terminates)
        #expect(report.disposition(.chld).outcome == .ignored)
    }

    @Test func namespaceInitWithHandlerIsFine() throws {
        let report = Inspector.judge(.fixture(try Self.status(caught: Self.term, nspid: "4711\t1")))
        #expect(report.disposition(.term).outcome == .handled)
        #expect(!report.findings.contains { $0.severity == .error })
    }

    @Test func ignoredTermIsAnError() throws {
        let report = Inspector.judge(.fixture(try Self.status(ignored: Self.term)))
        #expect(report.disposition(.term).outcome == .ignored)
        #expect(report.findings.map(\.rule) == ["sigterm-ignored"])
    }

    @Test func blockedTermWithNobodyWaitingStaysPending() throws {
        let report = Inspector.judge(.fixture(try Self.status(blocked: Self.term)))
        #expect(report.disposition(.term).outcome == .staysPending)
        #expect(report.disposition(.term).blocked == .all)
        #expect(report.findings.map(\.rule) == ["sigterm-blocked"])
        #expect(Inspector.looksTransient(report))
    }

    @Test func caughtButBlockedEverywhereIsDeferredAndUncertainWithoutEvidence() throws {
        // A handler that runs only once the program unblocks SIGTERM: without having seen that happen, a warning.
        let report = Inspector.judge(.fixture(try Self.status(caught: Self.term, blocked: Self.term)))
        #expect(report.disposition(.term).outcome == .deferred)
        #expect(report.disposition(.term).handledBy == .handler)
        #expect(report.findings.map(\.rule) == ["sigterm-deferred"])
        #expect(report.findings.first?.severity == .warning)
        #expect(Inspector.looksTransient(report))
    }

    @Test func caughtButBlockedAroundABoundedWaitIsInfo() throws {
        // mosquitto: TERM caught, blocked around epoll_wait with a 100 ms timeout.
        let deferred = DeferredSignal(signal: .term, boundedWaits: [BoundedWait(tid: 4711, call: "epoll_wait",
                                                                                timeoutMilliseconds: 100)],
                                      readings: 0, unblockedReadings: 0, windowMilliseconds: 0)
        let report = Inspector.judge(.fixture(try Self.status(caught: Self.term, blocked: Self.term)),
                                     deferredTerm: deferred)
        let finding = try #require(report.findings.first)
        #expect(report.findings.map(\.rule) == ["sigterm-deferred"])
        #expect(finding.severity == .info)
        #expect(finding.message.contains("epoll_wait with a 100 ms timeout"))
        #expect(finding.message.contains("within about 100 ms"))
        // An unblocked moment seen while sampling settles it too; seeing neither leaves it uncertain.
        let sampled = DeferredSignal(signal: .term, boundedWaits: [], readings: 40, unblockedReadings: 1,
                                     windowMilliseconds: 80)
        #expect(Inspector.judge(.fixture(try Self.status(caught: Self.term, blocked: Self.term)),
                                deferredTerm: sampled).findings.first?.severity == .info)
        let never = DeferredSignal(signal: .term, boundedWaits: [], readings: 120, unblockedReadings: 0,
                                   windowMilliseconds: 250)
        let uncertain = try #require(Inspector.judge(.fixture(try Self.status(caught: Self.term, blocked: Self.term)),
                                                     deferredTerm: never).findings.first)
        #expect(uncertain.severity == .warning)
        #expect(uncertain.message.contains("none of 120 readings over 250 ms"))
    }

    @Test func signalfdTakesBlockedTerm() throws {
        let status = try Self.status(blocked: Self.term)
        let report = Inspector.judge(.fixture(status, signalfds: [SignalfdDescriptor(fd: 5, mask: [.term])]))
        #expect(report.disposition(.term).outcome == .handled)
        #expect(report.disposition(.term).handledBy == .signalfd)
        #expect(report.findings.map(\.rule) == ["sigterm-via-signalfd"])
        #expect(!Inspector.looksTransient(report))
    }

    @Test func signalfdInitIsNotDropped() throws {
        let status = try Self.status(blocked: Self.term, nspid: "9\t1", name: "systemd")
        let report = Inspector.judge(.fixture(status, signalfds: [SignalfdDescriptor(fd: 5, mask: [.term])]))
        #expect(report.disposition(.term).outcome == .handled)
    }

    @Test func sigwaitThreadTakesTermEvenThoughItsMaskShowsItUnblocked() throws {
        // While in sigtimedwait the kernel unblocks the awaited signals in that thread's SigBlk.
        let report = Inspector.judge(.fixture(try Self.status(), wait: .sigwait([.term])))
        #expect(report.disposition(.term).outcome == .handled)
        #expect(report.disposition(.term).handledBy == .sigwait)
        #expect(report.findings.map(\.rule) == ["sigterm-via-sigwait"])
    }

    @Test func shellAsInitWithChildIsAWrapper() throws {
        let status = try Self.status(nspid: "4711\t1", name: "sh")
        var snapshot = ProcessSnapshot.fixture(status, children: [
            ChildProcess(pid: 4712, comm: "node", state: "S", cmdline: ["node", "server.js"]),
        ])
        snapshot.exe = "/usr/bin/dash"
        let report = Inspector.judge(snapshot)
        #expect(report.runtime == .shell)
        #expect(Set(report.findings.map(\.rule)) == ["pid1-sigterm-dropped", "pid1-shell-wrapper"])
        #expect(report.findings.first { $0.rule == "pid1-shell-wrapper" }!.message.contains("node server.js"))
    }

    @Test func zombieChildrenAreCounted() throws {
        let children = (1...3).map { ChildProcess(pid: 5000 + $0, comm: "worker", state: "Z", cmdline: []) }
        let report = Inspector.judge(.fixture(try Self.status(caught: Self.term), children: children))
        let finding = try #require(report.findings.first { $0.rule == "zombie-children" })
        #expect(finding.message.contains("3 zombie"))
    }

    @Test func listenerWithDefaultSigpipeIsWarned() throws {
        var snapshot = ProcessSnapshot.fixture(try Self.status(caught: Self.term))
        snapshot.listensOnTCP = true
        #expect(Inspector.judge(snapshot).findings.map(\.rule) == ["sigpipe-default"])
        snapshot.status.ignored.insert(.pipe)
        #expect(Inspector.judge(snapshot).findings.isEmpty)
    }

    @Test func namespaceInitListenerDoesNotDieOfSigpipe() throws {
        // The kernel drops SIGPIPE to a namespace init without a handler, so writes to closed sockets cannot kill it.
        var snapshot = ProcessSnapshot.fixture(try Self.status(caught: Self.term, nspid: "4711\t1"))
        snapshot.listensOnTCP = true
        let report = Inspector.judge(snapshot)
        #expect(report.disposition(.pipe).outcome == .dropped)
        #expect(!report.findings.contains { $0.rule == "sigpipe-default" })
    }

    @Test func goCatchAllIsNotProofOfHandling() throws {
        var snapshot = ProcessSnapshot.fixture(try Self.status(caught: 0xffff_fffe_7fc1_fefd))
        snapshot.goHeapMapped = true
        let report = Inspector.judge(snapshot)
        #expect(report.runtime == .go)
        #expect(report.findings.map(\.rule) == ["runtime-catch-all"])
    }

    @Test func sharedSignalTablesRenderLikeFreshOnes() throws {
        let cache = RenderedSignals()
        let reports = [try Self.status(), try Self.status(caught: Self.term), try Self.status()]
            .map { Inspector.judge(.fixture($0)) }
        for report in reports + reports {
            #expect(report.json(allSignals: false, cache: cache).rendered() == report.json(allSignals: false).rendered())
        }
    }

    @Test func allSignalsTextSaysWhatEachMeans() throws {
        let report = Inspector.judge(.fixture(try Self.status()))
        let all = InspectFormat(style: TextStyle(colored: false), allSignals: true).text(report)
        let rows = all.split(separator: "\n").filter {
            $0.hasPrefix("  SIG") && $0.split(separator: " ").dropFirst().first.flatMap { Int($0) } != nil
        }
        #expect(rows.count == 64)
        #expect(all.contains("MEANING"))
        #expect(rows.first { $0.contains("SIGHUP ") }?.hasSuffix(Signal.hup.meaning) == true)
        let some = InspectFormat(style: TextStyle(colored: false)).text(report)
        #expect(!some.contains("MEANING") && !some.contains(Signal.hup.meaning))
    }

    @Test func jsonHasTheStableKeys() throws {
        let report = Inspector.judge(.fixture(try Self.status(nspid: "4711\t1")))
        let json = InspectFormat(style: TextStyle(colored: false)).json([report])
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let process = try #require((root["processes"] as? [[String: Any]])?.first)
        for key in ["pid", "comm", "cmdline", "ppid", "state", "nspid", "pid1", "threads", "signals", "findings"] {
            #expect(process[key] != nil, "process key \(key)")
        }
        #expect(process["pid1"] as? Bool == true)
        #expect(process["nspid"] as? [Int] == [4711, 1])
        let term = try #require((process["signals"] as? [[String: Any]])?.first { $0["signal"] as? String == "SIGTERM" })
        for key in ["number", "signal", "default_action", "blocked", "ignored", "caught", "pending", "handled_by",
                    "outcome"] {
            #expect(term.keys.contains(key), "signal key \(key)")
        }
        #expect(term["number"] as? Int == 15 && term["outcome"] as? String == "dropped")
        let finding = try #require((process["findings"] as? [[String: Any]])?.first)
        #expect(finding["rule"] as? String == "pid1-sigterm-dropped")
        for key in ["severity", "message", "hint"] { #expect(finding[key] is String, "finding key \(key)") }
    }
}
