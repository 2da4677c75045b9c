import Foundation
import Synchronization
import Testing

@testable import SigTrace

extension ProcessTests {
    /// sigscope's own image (deploy/Containerfile, built by deploy/build-image.sh FROM scratch) run with podman, and
    /// the DaemonSet of deploy/ linted, then stopped as the kubelet stops it with that image.
    ///
    /// The image holds the release binary when `.build-release/release/sigscope` exists (scripts/build-release),
    /// else the test build's binary: a release build takes longer than the rest of CI on two cores. Both link the
    /// same way (glibc, libelf, and for the debug build the Swift runtime's shared objects): build-image.sh copies
    /// every object ldd lists, so the image is built the one way for either.
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

        private static let built = Mutex<Bool>(false)

        static func buildImage() throws {
            try built.withLock { done in
                if done { return }
                let result = try run(["\(TestPaths.packageRoot)/deploy/build-image.sh", binary, reference],
                                     directory: TestPaths.packageRoot, environment: ContainerLab.environment,
                                     timeout: .seconds(300))
                guard result.exitCode == 0 else { throw FixtureError(message: "build-image.sh: \(result.stderr)") }
                print("sigscope image \(reference) built from \(binary)")
                done = true
            }
        }

        /// The JSON of one process of an `inspect --format json`: its SIGTERM outcome, its signals, its rules.
        static func verdict(_ text: String) -> (sigterm: String?, signals: [String], rules: [String]) {
            let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
            let process = (object?["processes"] as? [[String: Any]])?.first ?? [:]
            let signals = (process["signals"] as? [[String: Any]] ?? []).map {
                "\($0["signal"] ?? "?") \($0["outcome"] ?? "?")"
            }
            let rules = (process["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
            return (process["sigterm"] as? String, signals, rules.sorted())
        }

        @Test func imageRunsSigscopeAndItsInspectOfAHostProcessEqualsTheHostsOwn() throws {
            let before = try ContainerLab.inventory()
            let version = try ContainerLab.podman("run", "--rm", Self.reference, "--version")
            #expect(version.exitCode == 0, "\(version.stderr)")
            #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).first?.isNumber == true,
                    "\(version.stdout)")

            // A host process whose SIGTERM is blocked and taken by sigwaitinfo: not the default outcome.
            let service = try Running([try Fixtures.c("check-service"), "exit-after", "300"])
            #expect(waitUntil(timeout: .seconds(5)) { IndefiniteWait.allThreads(of: service.pid) != nil })
            // As the DaemonSet runs it: the host's PID namespace, read-only, two capabilities.
            let inContainer = try ContainerLab.podman(
                "run", "--rm", "--pid", "host", "--read-only", "--cap-drop", "ALL", "--cap-add", "SYS_PTRACE",
                "--cap-add", "DAC_READ_SEARCH", Self.reference, "inspect", String(service.pid), "--format", "json")
            #expect(inContainer.exitCode == 0 || inContainer.exitCode == 1, "\(inContainer.stderr)")
            let onHost = try ContainerLab.sigscope(["inspect", String(service.pid), "--format", "json"])
            let inside = Self.verdict(inContainer.stdout)
            let outside = Self.verdict(onHost.stdout)
            #expect(inside.sigterm == "handled", "\(inContainer.stdout.prefix(600))")
            #expect(inside.sigterm == outside.sigterm)
            #expect(inside.signals.count >= 8 && inside.signals == outside.signals)
            #expect(inside.rules == outside.rules && inside.rules.contains("sigterm-via-sigwait"), "\(inside.rules)")
            #expect(try ContainerLab.inventory() == before)
        }

        @Test func sigscopeLintsItsOwnImage() throws {
            let before = try ContainerLab.inventory()
            let lint = try ContainerLab.sigscope(["lint", "--image", Self.reference, "--format", "json"])
            #expect(try ContainerLab.inventory() == before)
            #expect(lint.exitCode == 0, "\(lint.stdout) \(lint.stderr)")
            let object = (try? JSONSerialization.jsonObject(with: Data(lint.stdout.utf8))) as? [String: Any]
            let image = ((object?["files"] as? [[String: Any]])?.first?["image"] as? [String: Any]) ?? [:]
            #expect(image["program"] as? String == "/sigscope", "\(image)")
            #expect(image["shell"] as? String == "busybox-ash" && image["stop_signal"] as? String == "SIGTERM")
            // Not a static binary: Swift on Linux links glibc and libelf (and the debug build its runtime).
            let binary = image["binary"] as? [String: Any] ?? [:]
            #expect(binary["runtime"] as? String == "swift" && binary["static"] as? Bool == false, "\(binary)")
        }

        @Test
        func daemonSetLintsCleanAndStopsAsTheKubeletStopsItWritingMetricsPromtoolAccepts() throws {
            let daemonSet = "\(TestPaths.packageRoot)/deploy/daemonset.yaml"
            let lint = try ContainerLab.sigscope(["lint", daemonSet, "--format", "json"])
            #expect(lint.exitCode == 0, "\(lint.stdout) \(lint.stderr)")
            let findings = ((try? JSONSerialization.jsonObject(with: Data(lint.stdout.utf8))) as? [String: Any])?[
                "findings"] as? [[String: Any]] ?? []
            #expect(!findings.contains { $0["severity"] as? String != "info" }, "\(lint.stdout)")

            // The same DaemonSet with the image just built: its loop's programs are in the image (lint --images),
            // and it stops as the kubelet stops it (TERM, trapped: exit 0) well within its 5 s, after writing the
            // textfile.
            let text = try String(contentsOfFile: daemonSet, encoding: .utf8)
                .replacingOccurrences(of: "ghcr.io/example/sigscope:latest", with: Self.reference)
            let manifest = "\(ContainerLab.directory)/daemonset-\(getpid()).yaml"
            try text.write(toFile: manifest, atomically: true, encoding: .utf8)
            defer { unlink(manifest) }
            let images = try ContainerLab.sigscope(["lint", "--images", manifest, "--format", "json"])
            let object = (try? JSONSerialization.jsonObject(with: Data(images.stdout.utf8))) as? [String: Any]
            let imageFindings = (object?["findings"] as? [[String: Any]]) ?? []
            #expect(!imageFindings.contains { $0["severity"] as? String == "error" }, "\(images.stdout)")
            #expect((object?["files"] as? [[String: Any]])?.contains { $0["kind"] as? String == "image" } == true,
                    "\(images.stdout)")

            let textfile = "\(ContainerLab.directory)/daemonset-textfile-\(getpid())"
            try? FileManager.default.removeItem(atPath: textfile)
            try FileManager.default.createDirectory(atPath: textfile, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: textfile) }
            let before = try ContainerLab.inventory()
            // The pod spec's hostPID, read-only root and capabilities come from the manifest; its hostPath volume
            // is given as a `run` argument.
            let check = try ContainerCheckRun(["--manifest", manifest, "--ready", "delay:3s", "--",
                                               "-v", "\(textfile):/textfile"])
            #expect(check.verdict == "pass", "\(check.result.stdout) \(check.result.stderr)")
            #expect(check.recordedExitCode == 0 && check.signal == "SIGTERM")
            #expect((check.shutdownSeconds ?? 9) < 1, "\(check.shutdownSeconds ?? -1) s")
            #expect(try ContainerLab.inventory() == before)
            let prom = "\(textfile)/sigscope.prom"
            let metrics = (try? String(contentsOfFile: prom, encoding: .utf8)) ?? ""
            #expect(metrics.contains("sigscope_processes "), "the loop wrote no textfile")
            // Every process of the host, as hostPID gives it: more than the container's own two.
            let count = metrics.split(separator: "\n").first { $0.hasPrefix("sigscope_processes ") }
                .flatMap { Int($0.split(separator: " ").last ?? "") } ?? 0
            #expect(count > 10, "sigscope_processes \(count)")
            if let promtool = SpawnedProcess.resolve("promtool") {
                let checked = try run(["/bin/sh", "-c", "\(promtool) check metrics < \(prom)"])
                #expect(checked.exitCode == 0, "promtool: \(checked.stdout) \(checked.stderr)")
            } else {
                print("promtool not installed: the DaemonSet's textfile is not checked by it")
            }
        }
    }
}
