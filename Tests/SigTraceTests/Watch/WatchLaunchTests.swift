import CProcfs
import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `sigscope watch -- CMD` and the `SignalTracer` API on commands with known signal behaviour.
    @Suite struct WatchLaunch {
        let fixture: String

        init() throws { fixture = try Fixtures.c("watch-target") }

        /// Runs `sigscope watch --format json ARGUMENTS` to completion; returns its events and the result.
        func watch(_ arguments: String...) throws -> ([[String: Any]], CommandResult) {
            let result = try run([TestPaths.sigscope, "watch", "--backend", "ptrace", "--format", "json"] + arguments, timeout: .seconds(60))
            return (WatchSession.parse(result.stdout), result)
        }

        @Test func childExitIsSIGCHLDWithCLDExitedAndItsStatus() throws {
            let (events, result) = try watch("--", fixture, "child", "7")
            #expect(result.exitCode == 0)
            let launched = try #require(events.first { $0.string("event") == "exec" }?.int("pid"))
            let chld = try #require(events.first { $0.string("signal") == "SIGCHLD" })
            #expect(chld.string("code") == "CLD_EXITED")
            #expect(chld.int("status") == 7)
            #expect(chld.int("sender_pid") != launched)
            #expect(events.contains { $0.string("event") == "exit" && $0.int("code") == 0 && $0.int("pid") == launched })
        }

        @Test func theCommandsExitCodeIsSigscopesOwn() throws {
            let (_, exited) = try watch("--", "/bin/sh", "-c", "exit 5")
            #expect(exited.exitCode == 5)
            let (events, killed) = try watch("--", "/bin/sh", "-c", "kill -TERM $$")
            #expect(killed.exitCode == Int32(128 + 15))
            #expect(events.contains { $0.string("event") == "killed" && $0.string("signal") == "SIGTERM" })
        }

        @Test func nullPointerWriteIsSEGVMapErrThenKilled() throws {
            let (events, result) = try watch("--", fixture, "segv")
            #expect(result.exitCode == Int32(128 + 11))
            let segv = try #require(events.first { $0.string("signal") == "SIGSEGV" })
            #expect(segv.string("code") == "SEGV_MAPERR")
            #expect(segv.string("address") == "0x0")
            #expect(segv.string("origin") == "fault")
            let killed = try #require(events.first { $0.string("event") == "killed" })
            #expect(killed.string("signal") == "SIGSEGV")
            #expect(killed.int("pid") == segv.int("pid"))
            #expect(killed["core_dumped"] as? Bool == false)
        }

        @Test func followForksSeesAGrandchildsSignalsAndWithoutItNot() throws {
            let (followed, result) = try watch("-f", "--", fixture, "grandchild")
            #expect(result.exitCode == 0)
            let grandchild = try #require(followed.first { $0.string("signal") == "SIGUSR2" })
            let forks = followed.filter { $0.string("event") == "fork" }
            #expect(forks.count == 2)
            #expect(forks.last?.int("child_pid") == grandchild.int("pid"))
            #expect(grandchild.string("code") == "SI_TKILL")
            #expect(grandchild.int("sender_pid") == grandchild.int("pid"))
            #expect(followed.contains { $0.string("event") == "exit" && $0.int("pid") == grandchild.int("pid") })

            let (alone, _) = try watch("--", fixture, "grandchild")
            #expect(!alone.contains { $0.string("signal") == "SIGUSR2" })
            #expect(!alone.contains { $0.string("event") == "fork" })
        }

        @Test func aFloodOfSignalsArrivesWithTheSameCountAndValuesTracedAsUntraced() throws {
            let count = "100000"
            let untraced = try run([fixture, "flood", count])
            let line = { (text: String) in text.split(separator: " ").prefix(10).joined(separator: " ") }
            #expect(line(untraced.stdout) == "signals 100000 usr1 50000 rt 50000 sum 4999950000 expected 4999950000")
            let output = NSTemporaryDirectory() + "sigscope-flood-\(UUID().uuidString).json"
            defer { unlink(output) }
            let traced = try run([TestPaths.sigscope, "watch", "--backend", "ptrace", "--format", "json", "--output", output, "--",
                                  fixture, "flood", count], timeout: .seconds(120))
            #expect(traced.exitCode == 0)
            #expect(line(traced.stdout) == line(untraced.stdout))
            let events = WatchSession.parse(try String(contentsOfFile: output, encoding: .utf8))
            let signals = events.filter { $0.string("event") == "signal" }
            #expect(signals.count == 100_000)
            #expect(signals.filter { $0.string("signal") == "SIGUSR1" }.count == 50_000)
            #expect(signals.filter { $0.string("signal") == "SIGRTMIN+1" }.count == 50_000)
            #expect(signals.allSatisfy { $0.string("code") == "SI_QUEUE" })
            #expect(signals.reduce(0) { $0 + ($1.int("value") ?? 0) } == 4_999_950_000)
            #expect(signals.enumerated().allSatisfy { $0.element.int("value") == $0.offset })
        }

        @Test func signalFilterHidesOthersButDeliversEverySignal() throws {
            let (events, result) = try watch("--signal", "USR1", "--", fixture, "flood", "1000")
            #expect(result.stdout.contains("signals 1000 usr1 500 rt 500"))
            let signals = events.filter { $0.string("event") == "signal" }
            #expect(signals.count == 500)
            #expect(signals.allSatisfy { $0.string("signal") == "SIGUSR1" })
        }

        @Test func textOutputHasOneAlignedLinePerEventAndASummaryOnStderr() throws {
            let result = try run([TestPaths.sigscope, "watch", "--backend", "ptrace", "--", fixture, "child", "3"])
            let lines = result.stdout.split(separator: "\n").map(Array.init)
            let header = try #require(lines.first)
            #expect(String(header).hasPrefix("TIME"))
            let signal = try #require(lines.map { String($0) }.first { $0.contains("SIGCHLD") })
            #expect(signal.contains("CLD_EXITED"))
            #expect(signal.contains("status 3"))
            #expect(lines.count == 4)  // header, exec, SIGCHLD, exit
            // The EVENT column starts at the same offset on every line, the header's included.
            #expect(lines.allSatisfy { $0.count > 36 && $0[34] == " " && $0[35] != " " })
            #expect(result.stderr.contains("summary: 1 signal delivered"))
            #expect(result.stderr.contains("SIGCHLD"))
        }

        @Test func aCommandSigscopeStartedDiesWithSigscope() throws {
            let watch = try WatchSession(["--", fixture, "wait"])
            let exec = try #require(watch.waitForEvent { $0.string("event") == "exec" })
            let pid = try #require(exec.int("pid").map(Int32.init))
            #expect(waitUntil { (try? ProcFiles().read("/proc/\(pid)/status"))?.contains("State:\tS") == true })
            #expect(watch.finish(sending: SIGKILL) == .signaled(.kill, coreDumped: false))
            // PTRACE_O_EXITKILL: gone, or a zombie waiting for its new parent to reap it.
            #expect(waitUntil {
                guard let text = try? ProcFiles().read("/proc/\(pid)/status") else { return true }
                return text.contains("State:\tZ")
            })
        }

        /// `for await` ends only when the tracer finishes its stream: a minute's limit, so a stream that never
        /// finishes fails this test instead of hanging the suite.
        @Test(.timeLimit(.minutes(1))) func signalTracerStreamsEventsToAnAsyncSequence() async throws {
            let tracer = try SignalTracer.start(.launch([fixture, "child", "5"], SpawnedProcess.Options()))
            var names: [String] = []
            var status: Int32?
            for await event in tracer.events {
                names.append(event.name)
                if case .signal(let delivery) = event.kind, delivery.signal == .chld { status = delivery.childStatus }
                #expect(event.pid == tracer.pids.first)
            }
            #expect(names == ["exec", "signal", "exit"])
            #expect(status == 5)
        }
    }
}
