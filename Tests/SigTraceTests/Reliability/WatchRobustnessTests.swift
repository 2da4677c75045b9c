import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// watch under churn and bad output, and every command under signals in its first milliseconds.
    @Suite struct WatchRobustness {
        /// Before the fix, 6 of 20 attaches failed with "no such process": the ESRCH of one thread that had just
        /// exited was taken for the whole process's.
        @Test func attachToThreadChurnAlwaysSucceeds() throws {
            let target = try Running([try Fixtures.c("thread-churn"), "4"])
            #expect(waitUntil { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(target.pid)/task"))?.count ?? 0 > 2 })
            var failures: [String] = []
            let attempts = 50
            for _ in 0..<attempts {
                let result = try sigscope("watch", "--backend", "ptrace", "--pid", String(target.pid), "--duration",
                                          "20ms", "--format", "json", timeout: .seconds(30))
                if result.exitCode != 0 { failures.append(result.stderr) }
            }
            print("watch --pid on a thread-churning process: \(attempts - failures.count) of \(attempts) attaches succeeded")
            #expect(failures.isEmpty, "\(failures.count) of \(attempts) failed: \(failures.prefix(3))")
            // It runs on untraced: every detach left it as found.
            let status = try ProcStatus(parsing: try ProcFiles().read("/proc/\(target.pid)/status"))
            #expect(status.tracerPid == 0)
        }

        @Test(arguments: ["ptrace", "kernel"])
        func writeErrorOnOutputIsOneLineAndExitTwo(backend: String) throws {
            if backend == "kernel", let reason = KernelSignalTracer.unavailableReason() {
                print("skipped: the kernel backend is unavailable here: \(reason)")
                return
            }
            for format in ["text", "json"] {
                let result = try sigscope("watch", "--backend", backend, "--output", "/dev/full", "--format", format,
                                          "--duration", "2s",
                                          "--", "/bin/sh", "-c", "kill -USR1 $$ 2>/dev/null; trap '' USR1; kill -USR1 $$; exit 0")
                #expect(result.exitCode == 2, "\(format): \(String(describing: result.status)) \(result.stderr)")
                let errors = result.stderr.split(separator: "\n").filter { $0.hasPrefix("sigscope: cannot write") }
                #expect(errors.count == 1, "\(result.stderr)")
                #expect(result.stderr.contains("/dev/full: No space left on device"), "\(result.stderr)")
            }
        }

        @Test(arguments: ["", "TERM,,INT", ",TERM", "TERM,"])
        func emptySignalNamesAreRejectedAsCheckDoes(list: String) throws {
            let watch = try sigscope("watch", "--signal", list, "--duration", "10ms", "--", "true")
            #expect(watch.exitCode == 2, "\(list): \(watch.stdout)")
            #expect(watch.stderr.split(separator: "\n").count == 1, "\(watch.stderr)")
            #expect(watch.stderr.contains("empty signal name"), "\(watch.stderr)")
            let check = try sigscope("check", "--signal", list, "--", "true")
            #expect(check.exitCode == 2)
            #expect(throws: SigscopeError.self) { try Signal.parseList(list) }
        }

        /// One early signal and how sigscope ended.
        struct EarlySignal {
            var status: SigTrace.ExitStatus?
            var stderr: String
            /// The signal was sent after the handler showed in /proc/PID/status (SigCgt): sigscope's code ran.
            var afterHandler: Bool
            /// Milliseconds from the exec (the moment /proc/PID/exe names sigscope) to the handler showing.
            var handlerMilliseconds: Double?
        }

        /// Sends `signal` `delay` after sigscope's exec has replaced the spawned child's image (the first moment
        /// /proc/PID/exe names the sigscope binary), watching SigCgt meanwhile to learn whether its handler was
        /// installed before the send.
        func earlySignal(_ signal: Signal, _ arguments: [String], delay: Duration) throws -> EarlySignal {
            let base = NSTemporaryDirectory() + "sigscope-early-\(UUID().uuidString)"
            let errFD = open(base + ".err", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
            defer {
                close(errFD)
                unlink(base + ".err")
            }
            var options = SpawnedProcess.Options()
            options.stdin = open("/dev/null", O_RDONLY | O_CLOEXEC)
            options.stdout = open("/dev/null", O_WRONLY | O_CLOEXEC)
            options.stderr = errFD
            defer {
                close(options.stdin!)
                close(options.stdout!)
            }
            let binary = URL(fileURLWithPath: TestPaths.sigscope).resolvingSymlinksInPath().path
            let files = ProcFiles()
            let process = try SpawnedProcess.launch([TestPaths.sigscope] + arguments, options: options)
            func handlerShown() -> Bool {
                guard let text = try? files.read("/proc/\(process.pid)/status"),
                      let status = try? ProcStatus(parsing: text) else { return false }
                return status.caught.contains(signal)
            }
            let deadline = Clocks.monotonicNanoseconds() + 10_000_000_000
            while (try? files.readLink("/proc/\(process.pid)/exe")) != binary, Clocks.monotonicNanoseconds() < deadline {}
            let execAt = Clocks.monotonicNanoseconds()
            let sendAt = execAt + UInt64(delay.seconds * 1e9)
            var shownAt: UInt64?
            while Clocks.monotonicNanoseconds() < sendAt {
                if shownAt == nil, handlerShown() { shownAt = Clocks.monotonicNanoseconds() }
            }
            let afterHandler = shownAt != nil || handlerShown()
            kill(process.pid, signal.rawValue)
            if afterHandler && shownAt == nil { shownAt = Clocks.monotonicNanoseconds() }
            let status = process.killAndReap(after: .seconds(20))
            let stderr = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
            return EarlySignal(status: status, stderr: stderr, afterHandler: afterHandler,
                               handlerMilliseconds: shownAt.map { Double($0 - execAt) / 1e6 })
        }

        /// SIGINT, SIGTERM or SIGHUP at a random moment of sigscope's first 40 ms ends it cleanly (exit 2 with
        /// "interrupted by", watch exit 0) whenever sigscope's own code had run: the handler is installed from
        /// `.preinit_array`, before the Swift runtime starts. Before that only the dynamic loader runs (mapping
        /// and relocating the shared libraries), and no program can catch a signal there: those sends are counted
        /// and printed, not judged.
        @Test(arguments: [Signal.int, .term, .hup])
        func signalsInTheFirstMillisecondsGiveACleanExit(signal: Signal) throws {
            let manifest = "\(TestPaths.packageRoot)/fixtures/lint/k8s/grace-zero.yaml"
            let sleeper = try Running(["sleep", "60"])
            let commands = [["inspect", String(sleeper.pid)], ["lint", manifest],
                            ["watch", "--duration", "5s", "--", "sleep", "5"],
                            ["check", "--grace", "1s", "--", "sleep", "30"]]
            var random = SplitMix64(state: UInt64(signal.rawValue))
            var afterHandler = 0, inLoader = 0, killedInLoader = 0
            var handlerTimes: [Double] = []
            for attempt in 0..<36 {
                let arguments = commands[attempt % commands.count]
                let delay = Duration.microseconds(Int64(random.next() % 40_000))
                let run = try earlySignal(signal, arguments, delay: delay)
                if let time = run.handlerMilliseconds { handlerTimes.append(time) }
                guard run.afterHandler else {
                    inLoader += 1
                    if case .signaled = run.status { killedInLoader += 1 }
                    continue
                }
                afterHandler += 1
                guard case .exited(let code) = run.status else {
                    Issue.record("\(arguments) \(signal.name) after \(delay): \(String(describing: run.status))")
                    continue
                }
                if arguments[0] == "watch" {
                    #expect(code == 0, "\(arguments): \(run.stderr)")
                } else {
                    #expect(code == 2, "\(arguments) \(signal.name): exit \(code): \(run.stderr)")
                    #expect(run.stderr.contains("interrupted by \(signal.name)"), "\(run.stderr)")
                }
            }
            let median = handlerTimes.sorted().dropFirst(handlerTimes.count / 2).first ?? -1
            print("\(signal.name) at 0-40 ms after exec: \(afterHandler) sent after the handler showed, all clean; "
                  + "\(inLoader) before (\(killedInLoader) of them killed in the dynamic loader); handler showed "
                  + String(format: "%.1f ms after exec (median)", median))
            #expect(afterHandler > 0)
        }

        /// The handler is installed from the executable's `.preinit_array`, before any shared library's constructor.
        @Test func sigscopeInstallsItsHandlerBeforeTheSwiftRuntime() throws {
            let image = try ELFImage(path: TestPaths.sigscope)
            #expect(image.sectionNames.contains(".preinit_array"), "\(image.sectionNames)")
        }
    }
}
