import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `check --image` and `check --container` on real podman containers, each compared with what `podman stop`
    /// records for the same image: the exit code must be equal and the time to exit close.
    @Suite(.enabled(if: ContainerLab.available, "podman with runc is needed (see the printed skip reason)"))
    struct ContainerCheckTests {
        init() throws { try ContainerLab.buildImages() }

        @Test func gracefulGoServerPassesWithInflightRequestsLikePodmanStop() throws {
            let port = freePort()
            let before = try ContainerLab.inventory()
            let check = try ContainerCheckRun([
                "--image", ContainerLab.Image.go.reference, "--inflight", "http://127.0.0.1:\(port)/slow?ms=400",
                "--", "-p", "127.0.0.1:\(port):8080",
            ])
            #expect(check.verdict == "pass", "\(check.result.stdout) \(check.result.stderr)")
            #expect(check.result.exitCode == 0)
            #expect(check.exitCode == 0)
            #expect(check.recordedExitCode == 0)
            #expect((check.json["inflight"] as? [String: Any])?["completed"] as? Int == 1)
            #expect(check.container["created"] as? Bool == true)
            #expect(try ContainerLab.inventory() == before, "the container was not removed")
            let reference = try ContainerLab.podmanStop(.go, grace: 10, runArguments: ["-p", "127.0.0.1:\(port):8080"],
                                                        port: port)
            #expect(reference.exitCode == 0)
            #expect(Int32(check.recordedExitCode ?? -1) == reference.exitCode)
            #expect(reference.secondsAfterStop < 1 && (check.shutdownSeconds ?? 9) < 1)
        }

        @Test func serviceExitingAfter300MsMatchesPodmanStopsTime() throws {
            let check = try ContainerCheckRun(["--image", ContainerLab.Image.exitAfter.reference, "--ready",
                                               "delay:300ms", "--grace", "5s"])
            #expect(check.verdict == "pass", "\(check.result.stdout) \(check.result.stderr)")
            let seconds = try #require(check.shutdownSeconds)
            #expect(seconds >= 0.29 && seconds < 0.5, "shut down in \(seconds) s")
            let recorded = try #require(check.recordedSeconds)
            #expect(abs(recorded - seconds) < 0.15, "podman's clock says \(recorded) s, the pidfd \(seconds) s")
            let reference = try ContainerLab.podmanStop(.exitAfter, grace: 5)
            #expect(reference.exitCode == 0 && check.recordedExitCode == 0)
            // podman stop's own start-up adds to its figure; the service's 300 ms dominate both.
            #expect(reference.secondsAfterStop >= 0.29 && reference.secondsAfterStop < 0.8)
            #expect(abs(reference.secondsAfterStop - seconds) < 0.4)
        }

        @Test func nonZeroExitCodeIsTheOnePodmanRecords() throws {
            let check = try ContainerCheckRun(["--image", ContainerLab.Image.exitCode.reference, "--ready",
                                               "delay:300ms", "--grace", "5s"])
            #expect(check.verdict == "fail")
            #expect(check.rules.contains("exit-nonzero"))
            #expect(check.exitCode == 3 && check.recordedExitCode == 3)
            #expect(try ContainerLab.podmanStop(.exitCode, grace: 5).exitCode == 3)
        }

        @Test func shellAsPID1IsKilledAtTheEndOfTheGracePeriodLikePodmanStop() throws {
            let check = try ContainerCheckRun(["--image", ContainerLab.Image.shell.reference, "--ready",
                                               "delay:200ms", "--grace", "2s"])
            #expect(check.verdict == "fail", "\(check.result.stdout) \(check.result.stderr)")
            #expect(check.rules.contains("grace-exceeded"))
            #expect(check.rules.contains("pid1-sigterm-dropped") || check.rules.contains("pid1-shell-wrapper"),
                    "\(check.rules)")
            #expect(check.json["killed"] as? Bool == true)
            #expect(check.exitSignal == "SIGKILL" && check.recordedExitCode == 137)
            let recorded = try #require(check.recordedSeconds)
            #expect(recorded > 1.9 && recorded < 2.6, "podman recorded the exit \(recorded) s after the signal")
            let reference = try ContainerLab.podmanStop(.shell, grace: 2)
            #expect(reference.exitCode == 137)
            #expect(abs(reference.secondsAfterStop - recorded) < 0.5,
                    "podman stop: \(reference.secondsAfterStop) s, sigscope: \(recorded) s")
        }

        @Test func imageStopSignalIsTheSignalSent() throws {
            let port = freePort()
            let check = try ContainerCheckRun(["--image", ContainerLab.Image.goQuit.reference, "--ready",
                                               "tcp:127.0.0.1:\(port)", "--grace", "5s", "--",
                                               "-p", "127.0.0.1:\(port):8080"])
            #expect(check.signal == "SIGQUIT", "\(check.result.stdout)")
            #expect((check.container["signal_source"] as? String)?.contains("STOPSIGNAL SIGQUIT") == true)
            // Go without a SIGQUIT handler dumps its goroutines and exits 2, as podman stop shows too.
            #expect(check.recordedExitCode == 2 && check.exitCode == 2)
            let reference = try ContainerLab.podmanStop(.goQuit, grace: 5, runArguments: ["-p", "127.0.0.1:\(port):8080"],
                                                        port: port)
            #expect(reference.exitCode == 2)
        }

        @Test func initFlagRunsTheEnginesInitAndTiniForwards() throws {
            // Under podman's init (catatonit) the Go server without Notify is no longer PID 1: SIGTERM kills it,
            // and the init reports 143; the same as tini in the image does.
            let port = freePort()
            let check = try ContainerCheckRun(["--image", ContainerLab.Image.goNoNotify.reference, "--init", "--ready",
                                               "tcp:127.0.0.1:\(port)", "--grace", "3s", "--",
                                               "-p", "127.0.0.1:\(port):8080"])
            #expect(check.recordedExitCode == 143, "\(check.result.stdout) \(check.result.stderr)")
            #expect(check.rules.contains("exit-nonzero"))
            let tini = try ContainerCheckRun(["--image", ContainerLab.Image.tini.reference, "--ready", "delay:300ms",
                                              "--grace", "3s"])
            #expect(tini.recordedExitCode == 143 && tini.exitCode == 143)
            #expect(try ContainerLab.podmanStop(.tini, grace: 3).exitCode == 143)
        }

        @Test func runningContainerIsStoppedAndKept() throws {
            let name = "sigscope-test-running-\(getpid())"
            defer { _ = try? ContainerLab.podman("rm", "-f", "-t", "0", "--ignore", name) }
            let started = try ContainerLab.podman("run", "-d", "--name", name, ContainerLab.Image.exitCode.reference)
            try #require(started.exitCode == 0, "\(started.stderr)")
            Clocks.sleep(for: .milliseconds(300))
            let check = try ContainerCheckRun(["--container", name, "--grace", "3s"])
            #expect(check.recordedExitCode == 3 && check.exitCode == 3, "\(check.result.stdout) \(check.result.stderr)")
            #expect(check.container["created"] as? Bool == false)
            let state = try ContainerLab.podman("container", "inspect", "--format", "{{.State.Status}}", name)
            #expect(state.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "exited")
        }

        @Test(arguments: [
            (["--image", "localhost/sigscope-test-nothing-here:latest"], "not found"),
            (["--image", ContainerLab.Image.noEntrypoint.reference], "no ENTRYPOINT or CMD"),
            (["--image", ContainerLab.Image.missingEntrypoint.reference], "/app/server"),
            (["--image", ContainerLab.Image.dies.reference, "--ready", "delay:2s"], "exited before it was ready"),
            (["--container", "sigscope-test-no-such-container"], "sigscope-test-no-such-container"),
            (["--image", ContainerLab.Image.go.reference, "--runtime", "docker"], "docker does not answer"),
        ])
        func badInputIsOneLineExitTwoAndLeavesNothing(arguments: [String], message: String) throws {
            let before = try ContainerLab.inventory()
            let result = try ContainerLab.sigscope(["check"] + arguments)
            #expect(result.exitCode == 2, "\(result.stdout) \(result.stderr)")
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(result.stderr.contains(message), "\(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"))
            #expect(try ContainerLab.inventory() == before)
        }

        @Test func interruptedCheckRemovesItsContainer() throws {
            let before = try ContainerLab.inventory()
            var options = SpawnedProcess.Options()
            options.environment = ContainerLab.processEnvironment
            let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
            defer { close(devNull) }
            options.stdin = devNull
            options.stdout = devNull
            options.stderr = devNull
            let process = try SpawnedProcess.launch([TestPaths.sigscope, "check", "--image",
                                                     ContainerLab.Image.shell.reference, "--grace", "30s"],
                                                    options: options)
            // Interrupt once the container runs and the check waits for the exit.
            let running = waitUntil(timeout: .seconds(20)) {
                (try? ContainerLab.inventory().count) ?? 0 > before.count
            }
            #expect(running)
            Clocks.sleep(for: .milliseconds(800))
            process.send(.int)
            let status = process.killAndReap(after: .seconds(20))
            #expect(status == .exited(2))
            #expect(try ContainerLab.inventory() == before)
        }
    }
}
