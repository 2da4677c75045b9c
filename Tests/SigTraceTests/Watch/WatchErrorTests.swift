import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// What `sigscope watch` refuses, each with one line on stderr and exit code 2.
    @Suite struct WatchErrors {
        func expectOneLineError(_ result: CommandResult, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(result.exitCode == 2, sourceLocation: sourceLocation)
            #expect(result.stderr.contains(fragment), "stderr: \(result.stderr)", sourceLocation: sourceLocation)
            #expect(result.stderr.split(separator: "\n").count == 1, sourceLocation: sourceLocation)
            #expect(result.stdout.isEmpty, sourceLocation: sourceLocation)
        }

        @Test func noSuchProcess() throws {
            // A pid that existed and was reaped.
            let gone = try SpawnedProcess.launch(["true"])
            _ = gone.wait()
            expectOneLineError(try sigscope("watch", "--backend", "ptrace", "--pid", String(gone.pid)), "no such process: \(gone.pid)")
        }

        @Test func kernelThread() throws {
            // Found by its PF_KTHREAD flag, not assumed to be pid 2 (in a PID namespace pid 2 is anything).
            let thread = try #require(ProcessTests.InspectIntegration.kernelThread())
            expectOneLineError(try sigscope("watch", "--backend", "ptrace", "--pid", String(thread)), "is a kernel thread")
        }

        @Test func zombie() throws {
            let parent = try WatchTarget(["zombie"])
            let text = try ProcFiles().read("/proc/\(parent.pid)/task/\(parent.pid)/children")
            let child = try #require(text.split(separator: " ").first.flatMap { Int32($0) })
            #expect(waitUntil { (try? ProcFiles().read("/proc/\(child)/status"))?.contains("State:\tZ") == true })
            expectOneLineError(try sigscope("watch", "--backend", "ptrace", "--pid", String(child)),
                               "is a zombie: it has exited and waits to be reaped by its parent \(parent.pid)")
        }

        @Test func sigscopeItself() throws {
            // `exec` makes the shell's pid sigscope's own.
            let result = try run(["/bin/sh", "-c", "exec \"$0\" watch --pid $$", TestPaths.sigscope])
            expectOneLineError(result, "is sigscope itself")
        }

        @Test func anotherUsersProcessWithoutCapSysPtrace() throws {
            let target = try WatchTarget(["wait"])
            let result = try run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                                  "--bounding-set=-all", TestPaths.sigscope, "watch", "--backend", "ptrace", "--pid", String(target.pid)])
            expectOneLineError(result, "belongs to uid 0 and sigscope runs as uid 65534 without CAP_SYS_PTRACE")
            #expect(target.status?.tracerPid == 0)
        }

        @Test func badInput() throws {
            expectOneLineError(try sigscope("watch", "--pid", "1", "--duration", "soon"), "bad duration")
            expectOneLineError(try sigscope("watch", "--pid", "1", "--signal", "TERM,NOPE"), "unknown signal: NOPE")
            expectOneLineError(try sigscope("watch", "--pid", "x1"), "not a process id")
            expectOneLineError(try sigscope("watch"), "give --pid PID, --all or -- CMD")
            expectOneLineError(try sigscope("watch", "--", "/nonexistent/cmd"), "no such file")
            expectOneLineError(try sigscope("watch", "--output", "/nonexistent/dir/events", "--pid", "1"),
                               "cannot write /nonexistent/dir/events")
            expectOneLineError(try sigscope("watch", "--pid", "1", "--", "true"), "give one of")
        }
    }
}
