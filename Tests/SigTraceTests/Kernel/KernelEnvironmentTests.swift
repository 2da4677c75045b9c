import CProcfs
import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// The kernel backend's surroundings: its instance removed on every way out and a stale one cleaned, tracefs
    /// not mounted, not root.
    @Suite(.enabled(if: KernelSupport.usable, "needs root and tracefs (the kernel backend)"))
    struct KernelEnvironment {
        static func instancePath(_ pid: Int32) -> String { "/sys/kernel/tracing/instances/sigscope-\(pid)" }

        @Test(arguments: [SIGINT, SIGTERM, SIGHUP])
        func theInstanceIsRemovedWhenSigscopeIsTold(_ signal: Int32) throws {
            let target = try WatchTarget(["wait"])
            let session = try WatchSession(["--pid", String(target.pid)], backend: "kernel")
            #expect(FileManager.default.fileExists(atPath: Self.instancePath(session.process.pid)))
            #expect(session.finish(sending: signal) == .exited(0))
            #expect(!FileManager.default.fileExists(atPath: Self.instancePath(session.process.pid)))
            #expect(kill(target.pid, 0) == 0 && target.status?.state == "S", "the target runs on untouched")
        }

        @Test func aStaleInstanceOfAKilledSigscopeIsRemovedAtTheNextStart() throws {
            let target = try WatchTarget(["wait"])
            let killed = try WatchSession(["--pid", String(target.pid)], backend: "kernel")
            let stale = Self.instancePath(killed.process.pid)
            #expect(killed.finish(sending: SIGKILL) == .signaled(.kill, coreDumped: false))
            #expect(FileManager.default.fileExists(atPath: stale), "SIGKILL leaves the instance behind")
            let next = try sigscope("watch", "--backend", "kernel", "--duration", "200ms", "--pid", String(target.pid))
            #expect(next.exitCode == 0)
            #expect(!FileManager.default.fileExists(atPath: stale))
            #expect(KernelSupport.instances().isEmpty)
        }

        @Test func tracefsNotMountedIsMountedBySigscope() throws {
            // A private mount namespace where tracefs is unmounted: sigscope mounts it there and watches.
            let script = "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug/tracing 2>/dev/null; "
                + "test -e /sys/kernel/tracing/events && exit 99; "
                + "exec \"$0\" watch --backend kernel --format json -- /bin/sh -c 'kill -WINCH $$'"
            let result = try run(["unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script,
                                  TestPaths.sigscope])
            #expect(result.exitCode == 0, "\(result.stderr)")
            #expect(result.stderr.contains("mounted tracefs at /sys/kernel/tracing"))
            let events = WatchSession.parse(result.stdout)
            #expect(events.contains { $0.string("signal") == "SIGWINCH" && $0.string("result") == "ignored" })
        }

        @Test func notRootFallsBackToPtraceOrSaysWhy() throws {
            let nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all",
                          "--bounding-set=-all", TestPaths.sigscope]
            let fallback = try run(nobody + ["watch", "--", "/bin/sh", "-c", "kill -USR1 $$"])
            #expect(fallback.exitCode == Int32(128 + 10))
            #expect(fallback.stderr.contains("kernel backend unavailable"))
            #expect(fallback.stderr.contains("using ptrace"))
            let refused = try run(nobody + ["watch", "--backend", "kernel", "--", "/bin/true"])
            #expect(refused.exitCode == 2)
            #expect(refused.stderr.contains("root"))
            #expect(refused.stderr.split(separator: "\n").count == 1)
            let why = try run(nobody + ["why", "1"])
            #expect(why.exitCode == 2)
            #expect(why.stderr.contains("root"))
        }
    }
}
