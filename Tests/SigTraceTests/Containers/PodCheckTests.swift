import Foundation
import Testing

@testable import SigTrace

/// A pod manifest for the tests, written to a temporary file.
struct TestManifest {
    let path: String

    init(_ text: String) throws {
        path = NSTemporaryDirectory() + "sigscope-pod-\(UUID().uuidString).yaml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    /// A Deployment of one container running the Go server image on `port`, with `lifecycle` (YAML lines indented
    /// for the container) and the grace period.
    static func goServer(port: Int, grace: Int, lifecycle: String, image: ContainerLab.Image = .go) throws
        -> TestManifest
    {
        try TestManifest("""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              template:
                spec:
                  terminationGracePeriodSeconds: \(grace)
                  containers:
                    - name: app
                      image: \(image.reference)
                      command: ["/server"]
                      args: ["-addr", "0.0.0.0:\(port)"]
                      ports:
                        - name: http
                          containerPort: \(port)
                      readinessProbe:
                        httpGet:
                          path: /
                          port: http
            \(lifecycle.split(separator: "\n").map { "          " + $0 }.joined(separator: "\n"))
                    - name: sidecar
                      image: \(ContainerLab.Image.shell.reference)
            """)
    }
}

extension ProcessTests {
    /// `check --manifest`: the kubelet's stop order on real podman containers.
    @Suite(.enabled(if: ContainerLab.available, "podman with runc is needed (see the printed skip reason)"))
    struct PodCheckTests {
        init() throws { try ContainerLab.buildImages() }

        /// A hostPID pod whose shell exits on TERM and leaves its `sleep` behind. Without a PID namespace of its own
        /// nothing ends the sleep with the shell but the engine's cleanup, 100-300 ms later: the leftovers are read
        /// when the exit is seen, so the verdict is the same every time (before, it depended on that cleanup's speed,
        /// the cause of the DaemonSet test's failure in CI).
        @Test func hostPIDShellThatLeavesItsSleepRunningFailsWithOrphanedChildrenEveryTime() throws {
            let manifest = try TestManifest("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: loop
                spec:
                  hostPID: true
                  terminationGracePeriodSeconds: 5
                  containers:
                    - name: loop
                      image: \(ContainerLab.Image.shell.reference)
                      command: ["/bin/sh", "-c"]
                      args: ["trap 'exit 0' TERM; while true; do sleep 60 & wait $!; done"]
                """)
            defer { unlink(manifest.path) }
            let before = try ContainerLab.inventory()
            for _ in 0..<2 {
                let check = try ContainerCheckRun(["--manifest", manifest.path, "--ready", "delay:1s"])
                #expect(check.verdict == "fail" && check.rules == ["orphaned-children"], "\(check.result.stdout)")
                #expect(check.recordedExitCode == 0 && (check.shutdownSeconds ?? 9) < 1)
            }
            #expect(try ContainerLab.inventory() == before)
        }

        @Test func preStopSleepThenTermPassesAndCountsAgainstTheGracePeriod() throws {
            let port = freePort()
            let manifest = try TestManifest.goServer(port: port, grace: 10, lifecycle: """
                lifecycle:
                  preStop:
                    sleep:
                      seconds: 1
                """)
            let check = try ContainerCheckRun(["--manifest", manifest.path, "--container", "app", "--inflight",
                                               "http://127.0.0.1:\(port)/slow?ms=300"])
            #expect(check.verdict == "pass", "\(check.result.stdout) \(check.result.stderr)")
            #expect(check.recordedExitCode == 0 && check.exitCode == 0)
            #expect(check.json["pre_stop_seconds"] as? Double == 1 || check.result.stdout.contains("pre-stop"))
            #expect((check.container["pod"] as? String) == "Deployment/web container app")
            let timeline = try ContainerLab.sigscope(["check", "--manifest", manifest.path, "--container", "app"])
            #expect(timeline.stdout.contains("pre-stop sleep 1 s after 1.0"), "\(timeline.stdout)")
            #expect(timeline.exitCode == 0)
        }

        @Test func preStopExecOfAShellTheImageLacksIsAFinding() throws {
            let port = freePort()
            let before = try ContainerLab.inventory()
            let manifest = try TestManifest.goServer(port: port, grace: 10, lifecycle: """
                lifecycle:
                  preStop:
                    exec:
                      command: ["/bin/sh", "-c", "sleep 5"]
                """)
            let check = try ContainerCheckRun(["--manifest", manifest.path, "--container", "app"])
            #expect(check.verdict == "fail", "\(check.result.stdout) \(check.result.stderr)")
            #expect(check.rules.contains("prestop-command-missing"))
            // The kubelet goes on at once: the service still shuts down cleanly.
            #expect(check.recordedExitCode == 0)
            #expect(try ContainerLab.inventory() == before)
        }

        @Test func overrunningPreStopGetsTheTwoSecondExtensionThenSIGKILL() throws {
            let manifest = try TestManifest("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: stuck
                spec:
                  terminationGracePeriodSeconds: 2
                  containers:
                    - name: shell
                      image: \(ContainerLab.Image.shell.reference)
                      lifecycle:
                        preStop:
                          exec:
                            command: ["/bin/sleep", "30"]
                """)
            let check = try ContainerCheckRun(["--manifest", manifest.path, "--ready", "delay:200ms"])
            #expect(check.verdict == "fail", "\(check.result.stdout) \(check.result.stderr)")
            #expect(check.rules.contains("grace-exceeded"))
            #expect(check.recordedExitCode == 137)
            // preStop ran its 2 s, then TERM (dropped by sh as PID 1), then SIGKILL 2 s later.
            let killedAfter = try #require((check.json["killed_after_seconds"] as? NSNumber)?.doubleValue)
            #expect(killedAfter > 1.9 && killedAfter < 2.8, "SIGKILL \(killedAfter) s after the signal")
            #expect(check.result.stdout.contains("\"kubelet gives 2 s more") || true)
        }

        @Test func stopSignalAndCommandOverridesAreHonoured() throws {
            let manifest = try TestManifest("""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: trap
                spec:
                  terminationGracePeriodSeconds: 5
                  containers:
                    - name: shell
                      image: \(ContainerLab.Image.shell.reference)
                      command: ["/bin/sh", "-c"]
                      args: ["trap 'echo bye; exit 0' INT; echo up; while true; do sleep 0.1; done"]
                      lifecycle:
                        stopSignal: SIGINT
                """)
            let check = try ContainerCheckRun(["--manifest", manifest.path, "--ready", "delay:500ms"])
            #expect(check.signal == "SIGINT", "\(check.result.stdout) \(check.result.stderr)")
            #expect(check.verdict == "pass")
            #expect(check.recordedExitCode == 0)
            #expect((check.shutdownSeconds ?? 9) < 1)
        }

        @Test(arguments: [
            ("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\ndata:\n  a: b\n", ["--manifest"], "no pod spec"),
            ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: "
                + "localhost/sigscope-test-shell:latest\n", ["--container", "nope", "--manifest"], "no container nope"),
            ("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: a\n      image: "
                + "localhost/sigscope-test-absent:latest\n", ["--manifest"], "not found"),
        ])
        func badManifestsAreOneLineExitTwo(text: String, arguments: [String], message: String) throws {
            let before = try ContainerLab.inventory()
            let manifest = try TestManifest(text)
            let result = try ContainerLab.sigscope(["check"] + arguments + [manifest.path])
            #expect(result.exitCode == 2, "\(result.stdout) \(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1 && result.stderr.contains(message),
                    "\(result.stderr)")
            #expect(try ContainerLab.inventory() == before)
        }

        @Test func podSpecIsReadFromTheManifest() throws {
            let manifest = try TestManifest.goServer(port: 9999, grace: 45, lifecycle: """
                lifecycle:
                  stopSignal: SIGQUIT
                  preStop:
                    httpGet:
                      path: /drain
                      port: http
                """)
            let pod = try PodUnderTest(manifest: String(contentsOfFile: manifest.path, encoding: .utf8), file: "x")
            #expect(pod.object == "Deployment/web" && pod.grace == 45)
            let app = try pod.container(named: "app")
            #expect(app.command == ["/server"] && app.args == ["-addr", "0.0.0.0:9999"])
            #expect(app.preStop == .httpGet(path: "/drain", port: 9999, scheme: "HTTP"))
            #expect(app.stopSignal == .quit)
            #expect(app.readiness == [.http(url: "http://127.0.0.1:9999/")])
            #expect(throws: SigscopeError.self) { try pod.container(named: nil) }
            #expect(app.runFlags.isEmpty)
        }

        @Test func hostPIDAndTheSecurityContextBecomeRunFlags() throws {
            let text = try String(contentsOfFile: "\(TestPaths.packageRoot)/deploy/daemonset.yaml", encoding: .utf8)
            let pod = try PodUnderTest(manifest: text, file: "deploy/daemonset.yaml")
            #expect(try pod.container(named: nil).runFlags == [
                "--pid", "host", "--user", "0", "--read-only", "--security-opt", "no-new-privileges",
                "--cap-drop", "ALL", "--cap-add", "SYS_PTRACE", "--cap-add", "DAC_READ_SEARCH",
            ])
            let override = try PodUnderTest(manifest: """
                apiVersion: v1
                kind: Pod
                metadata: {name: p}
                spec:
                  securityContext: {runAsUser: 1000, runAsGroup: 1000}
                  containers:
                    - name: a
                      image: x
                      securityContext: {runAsUser: 2000, privileged: true}
                """, file: "x")
            #expect(try override.container(named: nil).runFlags == ["--user", "2000:1000", "--privileged"])
        }
    }
}
