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

        /// Sends `signal` the moment sigscope's handler shows in /proc/PID/status (SigCgt), which is the start of
        /// `main`; the process must end by itself, not by the signal's default action.
        func earlySignal(_ signal: Signal, _ arguments: [String]) throws -> (CommandResult, Double) {
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
            let start = Clocks.monotonicNanoseconds()
            let process = try SpawnedProcess.launch([TestPaths.sigscope] + arguments, options: options)
            var installedAfter = -1.0
            let deadline = start + 10_000_000_000
            while Clocks.monotonicNanoseconds() < deadline {
                if let text = try? ProcFiles().read("/proc/\(process.pid)/status"),
                   let status = try? ProcStatus(parsing: text), status.caught.contains(signal) {
                    installedAfter = Double(Clocks.monotonicNanoseconds() - start) / 1e9
                    kill(process.pid, signal.rawValue)
                    break
                }
                if process.poll() != nil { break }
            }
            let status = process.killAndReap(after: .seconds(20))
            let stderr = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
            return (CommandResult(status: status, stdout: "", stderr: stderr), installedAfter)
        }

        @Test(arguments: [Signal.int, .term, .hup])
        func signalsInTheFirstMillisecondsGiveACleanExit(signal: Signal) throws {
            let manifest = "\(TestPaths.packageRoot)/fixtures/lint/k8s/grace-zero.yaml"
            let sleeper = try Running(["sleep", "60"])
            for arguments in [["inspect", String(sleeper.pid)], ["lint", manifest], ["watch", "--duration", "5s", "--", "sleep", "5"],
                              ["check", "--grace", "1s", "--", "sleep", "30"]] {
                let (result, installedAfter) = try earlySignal(signal, arguments)
                #expect(installedAfter >= 0, "\(arguments): the handler never showed in SigCgt")
                guard case .exited(let code) = result.status else {
                    Issue.record("\(arguments) \(signal.name): \(String(describing: result.status))")
                    continue
                }
                if arguments[0] == "watch" {
                    #expect(code == 0, "\(arguments): \(result.stderr)")
                } else {
                    #expect(code == 2, "\(arguments) \(signal.name): exit \(code): \(result.stderr)")
                    #expect(result.stderr.contains("interrupted by \(signal.name)"), "\(result.stderr)")
                }
            }
        }
    }
}
