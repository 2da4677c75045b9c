import CProcfs
import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `sigscope why PID` on processes killed by another process, by themselves, by SIGPIPE, by a fault and by the
    /// OOM killer in a memory-limited v1 cgroup.
    @Suite(.enabled(if: KernelSupport.usable, "needs root and tracefs (the kernel backend)"))
    struct KernelWhy {
        /// A `sigscope why PID --format json` in the background.
        final class WhySession {
            let process: SpawnedProcess
            private let base = NSTemporaryDirectory() + "sigscope-why-\(UUID().uuidString)"

            init(_ pid: Int32) throws {
                let out = open(base + ".out", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
                let err = open(base + ".err", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
                defer {
                    close(out)
                    close(err)
                }
                var options = SpawnedProcess.Options()
                options.stdout = out
                options.stderr = err
                process = try SpawnedProcess.launch([TestPaths.sigscope, "why", String(pid), "--format", "json",
                                                     "--timeout", "60s"], options: options)
                let path = base + ".err"
                guard waitUntil(timeout: .seconds(10), {
                    (try? String(contentsOfFile: path, encoding: .utf8))?.contains("waiting") == true
                }) else {
                    kill(process.pid, SIGKILL)
                    process.killAndReap()
                    throw FixtureError(message: "sigscope why did not start")
                }
            }

            /// Waits for sigscope to end; its exit code and report.
            func finish() throws -> (Int32?, [String: Any]) {
                let status = process.killAndReap(after: .seconds(30))
                defer {
                    unlink(base + ".out")
                    unlink(base + ".err")
                }
                let text = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
                let report = try #require(WatchSession.parse(text).first)
                if case .exited(let code)? = status { return (code, report) }
                return (nil, report)
            }
        }

        /// Starts `sh -c SCRIPT` (its pid stays through `exec`) and a `why` on it.
        func why(_ script: String, options: SpawnedProcess.Options = SpawnedProcess.Options())
            throws -> (Int32?, [String: Any], Int32)
        {
            let shell = try Running(["/bin/sh", "-c", script], options: options)
            let session = try WhySession(shell.pid)
            let (code, report) = try session.finish()
            return (code, report, shell.pid)
        }

        @Test func killedByAnotherProcess() throws {
            let target = try WatchTarget(["wait"])
            let session = try WhySession(target.pid)
            let killer = try Running(["/bin/kill", "-KILL", String(target.pid)])
            let (code, report) = try session.finish()
            #expect(code == 137)
            #expect(report.string("signal") == "SIGKILL")
            #expect(report.string("cause") == "process")
            let sent = try #require(report["killer"] as? [String: Any])
            #expect(sent.int("sender_pid") == Int(killer.pid))
            #expect(sent.string("sender_comm") == "kill")
            #expect((report["recent"] as? [[String: Any]])?.contains { $0.string("signal") == "SIGKILL" } == true)
        }

        @Test func killedByItself() throws {
            let (code, report, pid) = try why("sleep 1; kill -TERM $$")
            #expect(code == 143)
            #expect(report.string("cause") == "itself")
            #expect((report["killer"] as? [String: Any])?.int("sender_pid") == Int(pid))
        }

        @Test func killedBySIGPIPEFromAWrite() throws {
            var fds: [Int32] = [-1, -1]
            #expect(pipe(&fds) == 0)
            var options = SpawnedProcess.Options()
            options.stdout = fds[1]
            close(fds[0])
            defer { close(fds[1]) }
            let (code, report, _) = try why("sleep 1; echo lost", options: options)
            #expect(code == 141)
            #expect(report.string("cause") == "broken-pipe")
        }

        @Test func killedByASegfault() throws {
            let fixture = try Fixtures.c("watch-target")
            let (code, report, _) = try why("sleep 1; exec \(fixture) segv")
            #expect(code == 139)
            #expect(report.string("cause") == "fault")
            #expect((report["killer"] as? [String: Any])?.string("code") == "SEGV_MAPERR")
        }

        @Test(.enabled(if: FileManager.default.fileExists(atPath: "/sys/fs/cgroup/memory/memory.limit_in_bytes"),
                       "needs the v1 memory controller at /sys/fs/cgroup/memory"))
        func killedByTheOOMKillerInAMemoryLimitedCgroup() throws {
            let name = "sigscope-test-oom-\(getpid())"
            let directory = "/sys/fs/cgroup/memory/" + name
            try? FileManager.default.removeItem(atPath: directory)
            #expect(mkdir(directory, 0o755) == 0)
            defer { rmdir(directory) }
            try "33554432".write(toFile: directory + "/memory.limit_in_bytes", atomically: false, encoding: .utf8)
            try? "33554432".write(toFile: directory + "/memory.memsw.limit_in_bytes", atomically: false, encoding: .utf8)
            let (code, report, _) = try why(
                "echo $$ > \(directory)/cgroup.procs; sleep 1; "
                    + "exec python3 -c 'import time; b = bytearray(b\"x\") * (256 << 20); time.sleep(5)'")
            #expect(code == 137)
            #expect(report.string("cause") == "oom-killer")
            let memory = try #require(report["memory_cgroup"] as? [String: Any])
            #expect(memory.string("path") == "/" + name)
            #expect(memory.int("version") == 1)
            #expect((memory.int("oom_kill_while_watched") ?? 0) >= 1)
            #expect(memory.int("limit_bytes") == 33_554_432)
        }

        @Test func exitedWithoutASignal() throws {
            let (code, report, _) = try why("sleep 1; exit 3")
            #expect(code == 3)
            #expect(report.string("cause") == "exited")
        }
    }
}
