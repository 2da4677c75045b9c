import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// The container `check --image` creates is removed even when sigscope is SIGKILLed mid-check: by the watchdog
    /// process, which waits for a `podman run` still in flight before it removes the container.
    @Suite(.enabled(if: ContainerLab.available, "podman with runc is needed (see the printed skip reason)"))
    struct ContainerWatchdogTests {
        init() throws { try ContainerLab.buildImages() }

        /// Starts `check --image shell --grace 30s`, SIGKILLs sigscope when `killWhen` says so, and returns how
        /// long the inventory took to come back to what it was (nil: it did not within 30 s).
        func killMidCheck(_ killWhen: (Int32) -> Bool) throws -> Double? {
            var options = SpawnedProcess.Options()
            let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
            defer { close(devNull) }
            options.stdin = devNull
            options.stdout = devNull
            options.stderr = devNull
            options.environment = ContainerLab.processEnvironment
            let process = try SpawnedProcess.launch([TestPaths.sigscope, "check", "--image",
                                                     ContainerLab.Image.shell.reference, "--ready", "delay:20s",
                                                     "--grace", "30s"], options: options)
            let deadline = Date().addingTimeInterval(30)
            while !killWhen(process.pid) && Date() < deadline { Clocks.sleep(for: .milliseconds(50)) }
            kill(process.pid, SIGKILL)
            _ = process.killAndReap(after: .seconds(5))
            let killed = Date()
            let mine = "sigscope-check-\(process.pid)-"
            // Only this sigscope's container counts: other worktrees' tests use the same podman.
            func left() throws -> Bool {
                try ContainerLab.podman("ps", "-a", "--format", "{{.Names}}").stdout.contains(mine)
            }
            while Date().timeIntervalSince(killed) < 30 {
                if try !left() {
                    // A `run` still in flight could create the container later: look again after it would have.
                    Clocks.sleep(for: .seconds(3))
                    return try left() ? nil : Date().timeIntervalSince(killed) - 3
                }
                Clocks.sleep(for: .milliseconds(250))
            }
            return nil
        }

        /// The names of running containers sigscope `pid` created.
        func running(_ pid: Int32) -> Bool {
            let names = (try? ContainerLab.podman("ps", "--format", "{{.Names}}").stdout) ?? ""
            return names.contains("sigscope-check-\(pid)-")
        }

        @Test func containerIsRemovedWhenSigscopeIsKilledWhileItRuns() throws {
            var sawIt = false
            let seconds = try killMidCheck { pid in
                sawIt = running(pid)
                return sawIt
            }
            #expect(sawIt, "the container never ran")
            let removed = try #require(seconds, "the container was left behind")
            print("container removed \(String(format: "%.2f", removed)) s after sigscope's SIGKILL")
        }

        @Test func containerIsRemovedWhenSigscopeIsKilledDuringPodmanRun() throws {
            // About the moment `podman run` is under way: the watchdog must wait for it, then remove what it made.
            let start = Date()
            let seconds = try killMidCheck { pid in
                let children = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8))
                    ?? ""
                let runningPodman = children.split(separator: " ").contains { child in
                    let cmdline = (try? String(contentsOfFile: "/proc/\(child)/cmdline", encoding: .utf8)) ?? ""
                    return cmdline.contains("run\0-d")
                }
                return runningPodman || Date().timeIntervalSince(start) > 10
            }
            #expect(seconds != nil, "the container was left behind")
        }
    }
}
