import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// sigscope's own image (deploy/Containerfile, built by deploy/build-image.sh from scratch) run with podman, and
    /// the DaemonSet of deploy/ linted and stopped as the kubelet stops it, with that image.
    ///
    /// The image holds the release binary when `.build-release/release/sigscope` exists (scripts/build-release),
    /// else the test build's binary: CI does not make a release build, which takes longer than the rest of CI on
    /// its two cores. Either way the image is built the one way, with the libraries the binary links.
    @Suite(.enabled(if: ContainerLab.available, "podman with runc is needed (see the printed skip reason)"))
    struct SigscopeImageTests {
        static let reference = "localhost/sigscope-test-self:latest"

        init() throws {
            try ContainerLab.buildImages()
            try Self.buildImage()
        }

        /// The binary the image holds: the release build if there is one, else the test build.
        static var binary: String {
            let release = "\(TestPaths.packageRoot)/.build-release/release/sigscope"
            return FileManager.default.isExecutableFile(atPath: release) ? release : TestPaths.sigscope
        }

        static func buildImage() throws {
            let built = try run(["\(TestPaths.packageRoot)/deploy/build-image.sh", binary, reference],
                                directory: TestPaths.packageRoot, environment: ContainerLab.environment,
                                timeout: .seconds(300))
            guard built.exitCode == 0 else { throw FixtureError(message: "build-image.sh: \(built.stderr)") }
            print("sigscope image built from \(binary)")
        }

        @Test func imageRunsSigscopeAndItsInspectOfAHostProcessEqualsTheHostsOwn() throws {
            let version = try ContainerLab.podman("run", "--rm", Self.reference, "--version")
            #expect(version.exitCode == 0, "\(version.stderr)")
            #expect(version.stdout.contains("sigscope") || !version.stdout.isEmpty, "\(version.stdout)")
            let sleeper = try Running(["/bin/sleep", "60"])
            defer { sleeper.process.killAndReap() }
            #expect(sleeper.waitForStatus { $0.name == "sleep" })
            // As the DaemonSet runs it: the host's PID namespace, read-only, two capabilities.
            let inContainer = try ContainerLab.podman(
                "run", "--rm", "--pid", "host", "--read-only", "--cap-drop", "ALL", "--cap-add", "SYS_PTRACE",
                "--cap-add", "DAC_READ_SEARCH", Self.reference, "inspect", String(sleeper.pid), "--format", "json")
            #expect(inContainer.exitCode == 0, "\(inContainer.stderr)")
            let onHost = try ContainerLab.sigscope(["inspect", String(sleeper.pid), "--format", "json"])
            func verdict(_ text: String) -> (String?, [String]) {
                let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
                let report = (object?["processes"] as? [[String: Any]])?.first ?? [:]
                let signals = report["signals"] as? [[String: Any]] ?? []
                let term = signals.first { $0["name"] as? String == "SIGTERM" }?["outcome"] as? String
                let rules = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
                return (term, rules.sorted())
            }
            let (termInside, rulesInside) = verdict(inContainer.stdout)
            let (termOutside, rulesOutside) = verdict(onHost.stdout)
            #expect(termInside == "terminates" && termInside == termOutside, "\(inContainer.stdout)")
            #expect(rulesInside == rulesOutside)
        }

        @Test func sigscopeLintsItsOwnImageClean() throws {
            let lint = try ContainerLab.sigscope(["lint", "--image", Self.reference, "--format", "json"])
            #expect(lint.exitCode == 0, "\(lint.stdout) \(lint.stderr)")
            let object = (try? JSONSerialization.jsonObject(with: Data(lint.stdout.utf8))) as? [String: Any]
            let image = ((object?["files"] as? [[String: Any]])?.first?["image"] as? [String: Any]) ?? [:]
            #expect(image["program"] as? String == "/sigscope", "\(image)")
            #expect(image["shell"] as? String == "busybox-ash" && image["sleep"] as? String == "/bin/sleep")
            let binary = image["binary"] as? [String: Any] ?? [:]
            #expect(binary["runtime"] as? String == "swift" && binary["static"] as? Bool == false, "\(binary)")
        }

        @Test func daemonSetLintsWithoutErrorsAndStopsCleanlyWritingMetricsPromtoolAccepts() throws {
            let daemonSet = "\(TestPaths.packageRoot)/deploy/daemonset.yaml"
            let lint = try ContainerLab.sigscope(["lint", daemonSet, "--format", "json"])
            #expect(lint.exitCode == 0, "\(lint.stdout) \(lint.stderr)")

            // The same DaemonSet with the image just built: its loop's programs exist there, and it stops as the
            // kubelet stops it (TERM, trapped: exit 0) well within its 5 s, after writing the textfile.
            let text = try String(contentsOfFile: daemonSet, encoding: .utf8)
                .replacingOccurrences(of: "ghcr.io/example/sigscope:latest", with: Self.reference)
            let manifest = try TestManifest(text)
            defer { unlink(manifest.path) }
            let images = try ContainerLab.sigscope(["lint", "--images", manifest.path, "--format", "json"])
            let object = (try? JSONSerialization.jsonObject(with: Data(images.stdout.utf8))) as? [String: Any]
            let findings = (object?["findings"] as? [[String: Any]]) ?? []
            #expect(!findings.contains { $0["severity"] as? String == "error" }, "\(images.stdout)")
            #expect((object?["files"] as? [[String: Any]])?.contains { $0["kind"] as? String == "image" } == true)

            let textfile = "\(ContainerLab.directory)/daemonset-textfile-\(getpid())"
            try FileManager.default.createDirectory(atPath: textfile, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: textfile) }
            let before = try ContainerLab.inventory()
            let check = try ContainerCheckRun(["--manifest", manifest.path, "--ready", "delay:3s", "--",
                                               "-v", "\(textfile):/textfile", "--read-only"])
            #expect(check.verdict == "pass", "\(check.result.stdout) \(check.result.stderr)")
            #expect(check.recordedExitCode == 0 && check.signal == "SIGTERM")
            #expect((check.shutdownSeconds ?? 9) < 2, "\(check.shutdownSeconds ?? -1) s")
            #expect(try ContainerLab.inventory() == before)
            let prom = "\(textfile)/sigscope.prom"
            #expect(FileManager.default.fileExists(atPath: prom), "the loop wrote no textfile")
            if let promtool = SpawnedProcess.resolve("promtool") {
                let checked = try run(["/bin/sh", "-c", "\(promtool) check metrics < \(prom)"])
                #expect(checked.exitCode == 0, "promtool: \(checked.stdout) \(checked.stderr)")
            } else {
                print("promtool not installed: the DaemonSet's textfile is not checked by it")
            }
        }
    }
}
