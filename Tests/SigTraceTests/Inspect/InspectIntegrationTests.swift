import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `inspect` on real fixture processes: each has a known signal setup, and the verdict must match it.
    @Suite struct InspectIntegration {
        let fixture: String

        init() throws { fixture = try Fixtures.c("sigfixture") }

        func inspect(_ pid: Int32) throws -> ProcessReport { try Inspector().inspect(pid) }

        @Test func catchingProcessIsHandled() throws {
            let process = try FixtureProcess([fixture, "--term", "catch"])
            let report = try inspect(process.pid)
            #expect(report.disposition(.term).outcome == .handled)
            #expect(report.disposition(.term).handledBy == .handler)
            #expect(report.findings.isEmpty)
            // The verdict holds: SIGTERM makes it exit 0.
            kill(process.pid, SIGTERM)
            #expect(process.running.process.killAndReap(after: .seconds(5)) == SigTrace.ExitStatus.exited(0))
        }

        /// /proc files are read a page at a time on the stack; a longer command line continues on the heap.
        @Test func commandLinesLongerThanAPageAreReadWhole() throws {
            let long = String(repeating: "x", count: 3000)
            let arguments = ["/bin/sh", "-c", "sleep 30", "sh", long, long + "y"]
            let process = try Running(arguments)
            #expect(waitUntil { ProcReader().readCmdline(process.pid) == arguments })
            let snapshot = try ProcReader().snapshot(process.pid, depth: .table)
            #expect(snapshot.cmdline == arguments)
            #expect(snapshot.cmdline.last?.count == 3001)
        }

        @Test func defaultProcessIsNotCaught() throws {
            let process = try FixtureProcess([fixture])
            let report = try inspect(process.pid)
            #expect(report.disposition(.term).outcome == .terminates)
            #expect(report.findings.map(\.rule) == ["sigterm-not-caught"])
            kill(process.pid, SIGTERM)
            #expect(process.running.process.killAndReap(after: .seconds(5)) == .signaled(.term, coreDumped: false))
        }

        @Test func ignoringProcessIsAnErrorAndFailsTheCLI() throws {
            let process = try FixtureProcess([fixture, "--term", "ignore"])
            let report = try inspect(process.pid)
            #expect(report.disposition(.term).outcome == .ignored)
            #expect(report.findings.map(\.rule) == ["sigterm-ignored"])
            let result = try sigscope("inspect", String(process.pid), "--fail-on", "error")
            #expect(result.exitCode == 1)
            #expect(result.stdout.contains("sigterm-ignored"))
            #expect(try sigscope("inspect", String(process.pid)).exitCode == 0)
        }

        @Test func blockingProcessKeepsTermPending() throws {
            let process = try FixtureProcess([fixture, "--term", "block"])
            kill(process.pid, SIGTERM)
            let report = try inspect(process.pid)
            #expect(report.disposition(.term).outcome == .staysPending)
            #expect(report.disposition(.term).pending == .shared)
            #expect(report.findings.map(\.rule) == ["sigterm-blocked"])
            // A blocked-everywhere read looks transient, so it was confirmed by re-reading.
            #expect(report.samples == Inspector().maxSamples)
        }

        @Test func signalfdProcessIsHandledThoughSigCgtIsEmpty() throws {
            let process = try FixtureProcess([fixture, "--signalfd"])
            let report = try inspect(process.pid)
            #expect(report.snapshot.status.caught.isEmpty)
            #expect(report.disposition(.term).handledBy == .signalfd)
            #expect(report.findings.map(\.rule) == ["sigterm-via-signalfd"])
            kill(process.pid, SIGTERM)
            #expect(process.running.process.killAndReap(after: .seconds(5)) == SigTrace.ExitStatus.exited(0))
        }

        @Test func sigwaitThreadIsFound() throws {
            let process = try FixtureProcess([fixture, "--sigwait"])
            #expect(waitUntil { (try? inspect(process.pid))?.disposition(.term).handledBy == .sigwait })
            let report = try inspect(process.pid)
            #expect(report.disposition(.term).outcome == .handled)
            let waiter = try #require(report.snapshot.threads.first { $0.sigwaitSet != nil })
            #expect(waiter.tid != process.pid)
            #expect(waiter.sigwaitSet == [.term])
            kill(process.pid, SIGTERM)
            #expect(process.running.process.killAndReap(after: .seconds(5)) == SigTrace.ExitStatus.exited(0))
        }

        @Test func threadsWithDifferentMasksAreShown() throws {
            let process = try FixtureProcess([fixture, "--term", "catch", "--threads", "2", "--thread-block-all"])
            let report = try inspect(process.pid)
            #expect(report.snapshot.threads.count == 3)
            #expect(report.disposition(.term).blocked == .some)
            #expect(report.disposition(.term).outcome == .handled)
            let blockers = report.snapshot.threads.filter { $0.status.blocked.count >= 60 }
            #expect(blockers.count == 1)
            let text = try sigscope("inspect", String(process.pid), "--threads")
            #expect(text.exitCode == 0)
            #expect(text.stdout.contains(blockers[0].status.blocked.hex))
            // The all-blocking thread blocks 60 signals the leader does not; the other threads match the leader.
            let row = try #require(text.stdout.split(separator: "\n").first { $0.contains(blockers[0].status.blocked.hex) })
            #expect(row.hasSuffix("+60 signals"))
            #expect(text.stdout.split(separator: "\n").filter { $0.hasSuffix("same") }.count == 2)
        }

        @Test func namespaceInitWithoutHandlerDropsTerm() throws {
            let process = try FixtureProcess(["unshare", "--pid", "--fork", "--mount-proc", fixture])
            let inner = try #require(process.descendant(depth: 1))
            let report = try inspect(inner)
            #expect(report.snapshot.status.isNamespaceInit)
            #expect(report.disposition(.term).outcome == .dropped)
            #expect(report.findings.map(\.rule) == ["pid1-sigterm-dropped"])
            // The forecast holds: the kernel drops SIGTERM to it, and it is still running.
            kill(inner, SIGTERM)
            Clocks.sleep(for: .milliseconds(200))
            #expect((try? ProcFiles().read("/proc/\(inner)/status")).map { !$0.contains("zombie") } == true)
        }

        @Test func namespaceInitWithHandlerIsHandled() throws {
            let process = try FixtureProcess(["unshare", "--pid", "--fork", "--mount-proc", fixture, "--term", "catch"])
            let inner = try #require(process.descendant(depth: 1))
            let report = try inspect(inner)
            #expect(report.snapshot.status.isNamespaceInit)
            #expect(report.disposition(.term).outcome == .handled)
            #expect(!report.findings.contains { $0.severity == .error })
        }

        @Test func shellWrapperAsInitIsFound() throws {
            let process = try FixtureProcess(["unshare", "--pid", "--fork", "--mount-proc", "/bin/dash", "-c",
                                              "\(fixture) --term catch; true"])
            let shell = try #require(process.descendant(depth: 1))
            #expect(waitUntil { ((try? inspect(shell))?.snapshot.children.count ?? 0) == 1 })
            let report = try inspect(shell)
            #expect(report.runtime == .shell)
            #expect(Set(report.findings.map(\.rule)) == ["pid1-sigterm-dropped", "pid1-shell-wrapper"])
            let json = try sigscope("inspect", String(shell), "--format", "json")
            #expect(json.stdout.contains("\"pid1\": true"))
            #expect(json.stdout.contains("pid1-shell-wrapper"))
        }

        @Test func zombieChildrenAreCountedAndZombiesRejected() throws {
            let process = try FixtureProcess([fixture, "--term", "catch", "--zombies", "3"])
            let report = try inspect(process.pid)
            let finding = try #require(report.findings.first { $0.rule == "zombie-children" })
            #expect(finding.message.contains("3 zombie"))
            let zombie = try #require(report.snapshot.zombieChildren.first)
            let result = try sigscope("inspect", String(zombie.pid))
            #expect(result.exitCode == 2)
            #expect(result.stderr.contains("zombie"))
            #expect(result.stderr.contains("\(process.pid)"))
            #expect(result.stderr.split(separator: "\n").count == 1)
        }

        @Test func listenerWithDefaultSigpipeIsWarned() throws {
            let process = try FixtureProcess([fixture, "--term", "catch", "--listen"])
            #expect(try inspect(process.pid).findings.map(\.rule) == ["sigpipe-default"])
            let safe = try FixtureProcess([fixture, "--term", "catch", "--listen", "--pipe", "ignore"])
            #expect(try inspect(safe.pid).findings.isEmpty)
        }

        @Test func goProgramIsRecognisedAsCatchAll() throws {
            let binary = try Fixtures.go("inspect-sleep")
            let process = try FixtureProcess([binary])
            let report = try inspect(process.pid)
            #expect(report.runtime == .go)
            #expect(report.disposition(.term).caught)
            // Its symbol table gives the runtime's record: Notify was never called, so SIGTERM kills it.
            #expect(report.goSignals?.wanted.contains(.term) == false)
            #expect(report.disposition(.term).outcome == .terminates)
            #expect(report.findings.map(\.rule) == ["sigterm-not-caught"])
            // And the warning is right: without signal.Notify the Go program dies of SIGTERM.
            kill(process.pid, SIGTERM)
            #expect(process.running.process.killAndReap(after: .seconds(5)) == .signaled(.term, coreDumped: false))
        }

        /// swift-service-lifecycle's UnixSignals: libdispatch both installs handlers and reads signalfds; the
        /// Swift runtime's crash handlers must not be mistaken for the app's.
        @Test func swiftServiceLifecycleProgramIsHandled() throws {
            let process = try Running([try Fixtures.swiftLifecycle()])
            #expect(waitUntil { (try? inspect(process.pid))?.snapshot.signalfdMask.contains(.term) == true })
            let report = try inspect(process.pid)
            #expect(report.runtime == .swift)
            #expect(report.disposition(.term).outcome == .handled)
            #expect(report.disposition(.segv).handledBy == .runtimeCrashHandler)
            #expect(!report.findings.contains { $0.severity != .info })
            kill(process.pid, SIGTERM)
            #expect(process.process.killAndReap(after: .seconds(5)) == SigTrace.ExitStatus.exited(0))
        }

        @Test func pythonWithoutHandlerIsLeftToTheScript() throws {
            let process = try FixtureProcess(["python3", "-c", "import time; print('ready', flush=True); time.sleep(60)"])
            let report = try inspect(process.pid)
            #expect(report.runtime == .python)
            #expect(report.disposition(.term).outcome == .terminates)
            #expect(Set(report.findings.map(\.rule)) == ["sigterm-not-caught", "runtime-decides"])
            let handled = try FixtureProcess(["python3", "-c", """
                import signal, sys, time
                signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
                print('ready', flush=True)
                time.sleep(60)
                """])
            #expect(try inspect(handled.pid).disposition(.term).outcome == .handled)
        }

        @Test func unprivilegedUserStillGetsAVerdictOnRootProcesses() throws {
            let process = try FixtureProcess([fixture, "--term", "catch"])
            let result = try run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", TestPaths.sigscope,
                                  "inspect", String(process.pid), "--format", "json"])
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(result.stdout.contains("\"sigterm\": \"handled\""))
        }

        @Test func unprivilegedUserGetsNoFalseVerdictWhereSignalfdIsHidden() throws {
            // As nobody, /proc/PID/fd of a root process is unreadable: the blocked SIGTERM looks stuck, but a
            // signalfd takes it. sigscope must say it cannot tell, not report sigterm-blocked: the partial verdict
            // carries its caveat and the no-verdict finding (it used to refuse with exit 2).
            let process = try FixtureProcess([fixture, "--signalfd"])
            let result = try run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", TestPaths.sigscope,
                                  "inspect", String(process.pid)])
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(result.stdout.contains("(partial verdict)") && result.stdout.contains("caveat:"))
            #expect(result.stdout.contains("no-verdict"))
            #expect(!result.stdout.contains("sigterm-blocked"))
            #expect(try inspect(process.pid).disposition(.term).handledBy == .signalfd)
        }

        /// A handler that never gets to run: caught, blocked for good, no wait with a timeout. inspect cannot know the
        /// program will never unblock it, so it says the forecast is uncertain (a warning), having sampled the masks.
        @Test func caughtButBlockedTermStaysPendingForReal() throws {
            let process = try FixtureProcess(["python3", "-c", """
                import signal, sys, time
                signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
                signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGTERM])
                print('ready', flush=True)
                time.sleep(60)
                """])
            let report = try inspect(process.pid)
            #expect(report.disposition(.term).caught)
            #expect(report.disposition(.term).outcome == .deferred)
            let finding = try #require(report.findings.first { $0.rule == "sigterm-deferred" })
            #expect(finding.severity == .warning)
            #expect(report.deferredTerm?.bounded == false)
            #expect((report.deferredTerm?.readings ?? 0) > 10)
            kill(process.pid, SIGTERM)
            Clocks.sleep(for: .milliseconds(200))
            let status = try ProcStatus(parsing: try ProcFiles().read("/proc/\(process.pid)/status"))
            #expect(status.pendingShared.contains(.term))
            #expect(!status.isZombie)
        }

        @Test func allListsEveryProcessIncludingTheFixture() throws {
            let process = try FixtureProcess([fixture, "--term", "ignore"])
            let result = try sigscope("inspect", "--all", "--format", "json")
            #expect(result.exitCode == 0)
            let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let processes = try #require(document?["processes"] as? [[String: Any]])
            let mine = try #require(processes.first { ($0["pid"] as? Int) == Int(process.pid) })
            let findings = try #require(mine["findings"] as? [[String: Any]])
            #expect(findings.map { $0["rule"] as? String } == ["sigterm-ignored"])
            #expect(processes.count > 3)
            let text = try sigscope("inspect", "--all")
            #expect(text.stdout.contains("sigterm-ignored"))
        }

        /// A kernel thread of this machine, found by its PF_KTHREAD flag in /proc/PID/stat (not assumed to be pid 2).
        static func kernelThread() -> Int32? {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
            for pid in names.compactMap(Int32.init).sorted() {
                guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                      let close = stat.lastIndex(of: ")") else { continue }
                let fields = stat[stat.index(after: close)...].split(separator: " ")
                // Field 9 (flags) is the 7th after the comm: state, ppid, pgrp, session, tty, tpgid, flags.
                if fields.count > 6, let flags = UInt64(fields[6]), flags & 0x0020_0000 != 0 { return pid }
            }
            return nil
        }

        @Test func badInputIsOneLineWithExitTwo() throws {
            let cases: [([String], String)] = [
                (["inspect", "99999999"], "no such process: 99999999"),
                (["inspect", "abc"], "not a process id: 'abc'"),
                (["inspect", String(try #require(Self.kernelThread()))], "kernel thread"),
                (["inspect"], "give at least one PID"),
                (["inspect", "1", "--fail-on", "sometimes"], "Please provide one of 'error', 'warning', 'info' or 'none'"),
            ]
            for (arguments, expected) in cases {
                let result = try run([TestPaths.sigscope] + arguments)
                #expect(result.exitCode == 2, "\(arguments)")
                #expect(result.stderr.contains(expected), "\(arguments): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
                #expect(!result.stderr.contains("Fatal error"))
            }
        }

        @Test func processThatExitsIsNoSuchProcess() throws {
            let process = try FixtureProcess([fixture])
            let pid = process.pid
            kill(pid, SIGKILL)
            _ = process.running.process.wait()
            #expect(throws: SigscopeError(.noSuchProcess, "no such process: \(pid)", errno: ESRCH)) {
                try Inspector().inspect(pid)
            }
        }
    }
}
