import CProcfs
import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `sigscope watch --pid` on running fixtures: what each signal's siginfo says, threads, group-stops, and
    /// that every way of ending leaves the process as it was found.
    @Suite struct WatchAttach {
        /// glibc's SIGRTMIN (a function call in C, so not imported).
        static let rtmin = Signal.all.first { $0.shortName == "RTMIN" }!.rawValue
        let ownComm = ((try? ProcFiles().read("/proc/self/comm")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)

        @Test func killSigqueueAndTgkillCarryTheirSenderValueAndThread() throws {
            let target = try WatchTarget(["wait", "2"])
            let watch = try WatchSession(["--pid", String(target.pid)])
            kill(target.pid, SIGUSR1)
            let user = watch.waitForEvent { $0.string("signal") == "SIGUSR1" }
            #expect(user?.string("code") == "SI_USER")
            #expect(user?.int("sender_pid") == Int(getpid()))
            #expect(user?.int("sender_uid") == Int(getuid()))
            #expect(user?.string("sender_comm") == ownComm)
            #expect(user?.int("pid") == Int(target.pid))

            #expect(cprocfs_sigqueue_int(target.pid, Self.rtmin + 2, 4242) == 0)
            let queued = watch.waitForEvent { $0.string("signal") == "SIGRTMIN+2" }
            #expect(queued?.string("code") == "SI_QUEUE")
            #expect(queued?.int("value") == 4242)
            #expect(queued?.int("number") == Int(Self.rtmin + 2))

            let chosen = try #require(target.threads.first { $0 != target.pid })
            #expect(cprocfs_tgkill(target.pid, chosen, Self.rtmin) == 0)
            let directed = watch.waitForEvent { $0.string("signal") == "SIGRTMIN" }
            #expect(directed?.string("code") == "SI_TKILL")
            #expect(directed?.int("tid") == Int(chosen))
            #expect(directed?.int("pid") == Int(target.pid))

            #expect(watch.finish() == .exited(0))
            #expect(watch.events.contains { $0.string("event") == "detached" && $0.int("pid") == Int(target.pid) })
            let summary = try #require(watch.events.last)
            #expect(summary.string("event") == "summary")
            #expect(target.status?.tracerPid == 0)
        }

        @Test func threadsCreatedAfterAttachAreTraced() throws {
            let target = try WatchTarget(["wait"])
            let watch = try WatchSession(["--pid", String(target.pid)])
            let before = Set(target.threads)
            kill(target.pid, SIGUSR2)  // the fixture starts a thread for each SIGUSR2
            #expect(waitUntil { target.threads.count == before.count + 1 })
            let fresh = try #require(Set(target.threads).subtracting(before).first)
            let created = watch.waitForEvent { $0.string("event") == "thread" }
            #expect(created?.int("tid") == Int(fresh))
            #expect(cprocfs_tgkill(target.pid, fresh, SIGUSR1) == 0)
            let delivered = watch.waitForEvent { $0.string("signal") == "SIGUSR1" }
            #expect(delivered?.int("tid") == Int(fresh))
            #expect(delivered?.string("code") == "SI_TKILL")
            watch.finish()
        }

        @Test func stopAndContinueBehaveAsUntracedAndDetachLeavesAStoppedProcessStopped() throws {
            let target = try WatchTarget(["wait", "1"])
            let watch = try WatchSession(["--pid", String(target.pid)])
            kill(target.pid, SIGSTOP)
            #expect(waitUntil { ["T", "t"].contains(target.status?.state ?? "?") })
            let stopped = watch.waitForEvent { $0.string("event") == "stopped" }
            #expect(stopped?.string("signal") == "SIGSTOP")
            // Still stopped a moment later: PTRACE_LISTEN, not PTRACE_CONT, resumed the group-stop.
            Clocks.sleep(for: .milliseconds(200))
            #expect(["T", "t"].contains(target.status?.state ?? "?"))
            kill(target.pid, SIGCONT)
            #expect(waitUntil { target.status?.state == "S" })
            #expect(watch.waitForEvent { $0.string("event") == "continued" } != nil)

            kill(target.pid, SIGTSTP)
            #expect(waitUntil { ["T", "t"].contains(target.status?.state ?? "?") })
            #expect(watch.finish() == .exited(0))
            let detached = watch.events.first { $0.string("event") == "detached" }
            #expect(detached?.string("state") == "stopped")
            #expect(target.status?.tracerPid == 0)
            #expect(target.status?.state == "T")
            kill(target.pid, SIGCONT)
            #expect(waitUntil { target.status?.state == "S" })
        }

        @Test func sigintDetachesAndTheProcessRunsOnUntraced() throws {
            let target = try WatchTarget(["wait", "1"])
            let watch = try WatchSession(["--pid", String(target.pid)])
            #expect(target.tracerProcess == watch.process.pid)
            #expect(watch.finish(sending: SIGINT) == .exited(0))
            #expect(target.status?.tracerPid == 0)
            #expect(waitUntil { target.status?.state == "S" })  // sleeping in pause(), not stopped
            // Running and handling signals: SIGUSR2 still makes it start a thread.
            let count = target.threads.count
            kill(target.pid, SIGUSR2)
            #expect(waitUntil { target.threads.count == count + 1 })
        }

        @Test func durationEndsTheWatchAndDetaches() throws {
            let target = try WatchTarget(["wait"])
            let watch = try WatchSession(["--pid", String(target.pid), "--duration", "500ms"])
            #expect(watch.finish(sending: nil, timeout: .seconds(10)) == .exited(0))
            #expect(watch.events.contains { $0.string("event") == "detached" && $0.string("state") == "running" })
            #expect(target.status?.tracerPid == 0)
            #expect(waitUntil { target.status?.state == "S" })
        }

        @Test func sigkillOfSigscopeLeavesTheProcessRunning() throws {
            let target = try WatchTarget(["wait", "1"])
            let watch = try WatchSession(["--pid", String(target.pid)])
            #expect(watch.finish(sending: SIGKILL) == .signaled(.kill, coreDumped: false))
            #expect(waitUntil { target.status?.tracerPid == 0 })
            #expect(waitUntil { target.status?.state == "S" })
            let count = target.threads.count
            kill(target.pid, SIGUSR2)
            #expect(waitUntil { target.threads.count == count + 1 })
        }

        @Test func attachingToAnAlreadyTracedProcessNamesTheTracer() throws {
            let target = try WatchTarget(["wait"])
            let watch = try WatchSession(["--pid", String(target.pid)])
            let second = try sigscope("watch", "--backend", "ptrace", "--pid", String(target.pid))
            #expect(second.exitCode == 2)
            #expect(second.stderr.contains("already traced by pid \(watch.process.pid) (sigscope, thread"))
            #expect(second.stderr.split(separator: "\n").count == 1)
            watch.finish()
        }
    }
}

extension ProcessTests.WatchAttach {
    /// `for await` ends only when the tracer finishes its stream: a minute's limit, so a stream that never
    /// finishes fails this test instead of hanging the suite.
    @Test(.timeLimit(.minutes(1))) func twoProcessesAreTracedAndStopDetachesBoth() async throws {
        let first = try WatchTarget(["wait"])
        let second = try WatchTarget(["wait", "1"])
        let tracer = try SignalTracer.start(.attach([first.pid, second.pid]))
        #expect(tracer.pids == [first.pid, second.pid])
        #expect(first.tracerProcess == getpid())
        #expect(second.tracerProcess == getpid())
        kill(first.pid, SIGUSR1)
        kill(second.pid, SIGUSR1)
        var signalled: Set<Int32> = []
        var detached: Set<Int32> = []
        for await event in tracer.events {
            if case .signal(let delivery) = event.kind, delivery.signal == .usr1 {
                signalled.insert(event.pid)
                if signalled.count == 2 { tracer.detach() }
            }
            if case .detached(let stopped) = event.kind {
                #expect(!stopped)
                detached.insert(event.pid)
            }
        }
        #expect(signalled == [first.pid, second.pid])
        #expect(detached == [first.pid, second.pid])
        #expect(first.status?.tracerPid == 0 && second.status?.tracerPid == 0)
        #expect(waitUntil { first.status?.state == "S" && second.status?.state == "S" })
    }
}

extension ProcessTests.WatchAttach {
    @Test func aProcessStoppedBeforeAttachIsReportedStoppedAndLeftStopped() throws {
        let target = try WatchTarget(["wait"])
        kill(target.pid, SIGSTOP)
        #expect(waitUntil { target.status?.state == "T" })
        let watch = try WatchSession(["--pid", String(target.pid)])
        #expect(watch.waitForEvent { $0.string("event") == "stopped" }?.string("signal") == "SIGSTOP")
        #expect(watch.finish() == .exited(0))
        #expect(watch.events.first { $0.string("event") == "detached" }?.string("state") == "stopped")
        #expect(target.status?.state == "T")
        #expect(target.status?.tracerPid == 0)
        kill(target.pid, SIGCONT)
        #expect(waitUntil { target.status?.state == "S" })
    }

    @Test func aClosedOutputPipeDetachesCleanly() throws {
        let target = try WatchTarget(["wait"])
        // `head -n 1` takes the header line and exits; the next event's write then raises SIGPIPE.
        let statusFile = NSTemporaryDirectory() + "sigscope-pipe-\(UUID().uuidString)"
        defer { unlink(statusFile) }
        let script = "{ \"$0\" watch --backend ptrace --pid \(target.pid) 2>/dev/null; echo $? > \"$1\"; } | head -n 1 >/dev/null"
        let shell = try Running(["/bin/sh", "-c", script, TestPaths.sigscope, statusFile])
        #expect(waitUntil { target.status?.tracerPid != 0 })
        // Wait until head has read the header and exited (sigscope, forked first, is attached by now).
        #expect(waitUntil {
            let children = (try? ProcFiles().read("/proc/\(shell.pid)/task/\(shell.pid)/children")) ?? ""
            return !children.split(separator: " ").contains { child in
                let text = (try? ProcFiles().read("/proc/\(child)/status")) ?? ""
                return text.hasPrefix("Name:\thead") && !text.contains("State:\tZ")
            }
        })
        kill(target.pid, SIGUSR1)
        #expect(waitUntil { target.status?.tracerPid == 0 })
        #expect(waitUntil { target.status?.state == "S" })
        #expect(shell.process.killAndReap(after: .seconds(5)) == .exited(0))
        // sigscope ended by itself with 0, not killed by SIGPIPE (141).
        #expect((try? String(contentsOfFile: statusFile, encoding: .utf8)) == "0\n")
    }
}

extension ProcessTests.WatchAttach {
    @Test func attachingAndDetachingInTheMiddleOfAFloodLosesNoSignal() throws {
        let output = NSTemporaryDirectory() + "sigscope-midflood-\(UUID().uuidString).out"
        defer { unlink(output) }
        let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        var options = SpawnedProcess.Options()
        options.stdout = fd
        let flood = try Running([try Fixtures.c("watch-target"), "flood", "400000"], options: options)
        close(fd)
        let watch = try WatchSession(["--pid", String(flood.pid)])
        #expect(watch.waitForEvent { $0.string("event") == "signal" } != nil)
        #expect(watch.finish(sending: SIGINT) == .exited(0))
        #expect(flood.process.killAndReap(after: .seconds(30)) == .exited(0))
        let line = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect(line.hasPrefix("signals 400000 usr1 200000 rt 200000 sum 79999800000 expected 79999800000"))
        #expect(watch.events.contains { $0.string("event") == "detached" })
    }
}

extension ProcessTests.WatchAttach {
    /// The kernel numbers a sender as the receiver's PID namespace sees it; watch names it in its own.
    @Test func aSenderInsideTheReceiversPIDNamespaceIsNamedInSigscopes() throws {
        let fixture = try Fixtures.c("watch-target")
        let go = NSTemporaryDirectory() + "sigscope-go-\(UUID().uuidString)"
        defer { unlink(go) }
        // dash, PID 1 of a new namespace, starts the target, then signals it once `go` exists.
        let script = "\(fixture) wait 0 & t=$!; while [ ! -e \(go) ]; do sleep 0.02; done; kill -USR1 $t; "
            + "sleep 0.3; kill -KILL $t"
        let namespace = try FixtureProcess(["unshare", "--pid", "--fork", "--mount-proc", "/bin/dash", "-c", script])
        let dash = try #require(namespace.descendant(depth: 1))
        let target = try #require(namespace.descendant(depth: 2))
        #expect(ProcReader().readCmdline(target).contains("wait"))
        let watch = try WatchSession(["--pid", String(target)])
        #expect(creat(go, 0o600) >= 0)
        let signal = try #require(watch.waitForEvent { $0.string("signal") == "SIGUSR1" })
        #expect(signal.string("code") == "SI_USER")
        #expect(signal.int("sender_pid") == Int(dash))
        #expect(signal.int("sender_pid_in_namespace") == 1)
        #expect(signal.string("sender_comm") == "dash")
        #expect(watch.waitForEvent { $0.string("event") == "killed" }?.string("signal") == "SIGKILL")
        #expect(watch.finish(sending: nil) == .exited(0), "the watch ends by itself once its process is gone")
    }
}
