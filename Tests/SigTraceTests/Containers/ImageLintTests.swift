import Foundation
import Testing

@testable import SigTrace

/// `ImageRoot`: an image's files looked up as the container sees them, on a directory built here.
@Suite struct ImageRootTests {
    /// A directory standing for an image's `/`, removed by the caller.
    static func makeRoot() throws -> String {
        let root = NSTemporaryDirectory() + "sigscope-imageroot-\(UUID().uuidString)"
        let fm = FileManager.default
        for directory in ["bin", "usr/local/bin", "app", "etc"] {
            try fm.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
        try fm.copyItem(atPath: "/bin/busybox", toPath: "\(root)/bin/busybox")
        try fm.createSymbolicLink(atPath: "\(root)/bin/sh", withDestinationPath: "busybox")
        try "#!/bin/sh\nexec \"$@\"\n".write(toFile: "\(root)/app/entry.sh", atomically: true, encoding: .utf8)
        chmod("\(root)/app/entry.sh", 0o755)
        // Absolute targets mean the image's root: these must never reach the host's files.
        try fm.createSymbolicLink(atPath: "\(root)/usr/local/bin/entry", withDestinationPath: "/app/entry.sh")
        try fm.createSymbolicLink(atPath: "\(root)/escape", withDestinationPath: "/etc/hostname")
        try fm.createSymbolicLink(atPath: "\(root)/up", withDestinationPath: "../../../../../../etc/hostname")
        try fm.createSymbolicLink(atPath: "\(root)/loop-a", withDestinationPath: "loop-b")
        try fm.createSymbolicLink(atPath: "\(root)/loop-b", withDestinationPath: "loop-a")
        return root
    }

    @Test func symlinksResolveInsideTheImageAndNeverOnTheHost() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let image = ImageRoot(directory: root)
        let entry = try #require(image.resolve("/usr/local/bin/entry"))
        #expect(entry.imagePath == "/app/entry.sh" && entry.hostPath == root + "/app/entry.sh" && entry.isExecutable)
        #expect(FileManager.default.fileExists(atPath: "/etc/hostname"))
        #expect(image.resolve("/escape") == nil, "an absolute link target is the image's /etc, not the host's")
        #expect(image.resolve("/up") == nil, "`..` stops at the image's root")
        #expect(image.resolve("/loop-a") == nil)
        #expect(image.resolve("/bin/sh")?.imagePath == "/bin/busybox")
        #expect(image.resolve("/app/entry.sh/x") == nil, "a file has no names under it")
    }

    @Test func programsAreFoundAsExecveFindsThem() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let image = ImageRoot(directory: root)
        let path = ["/usr/local/bin", "/bin"]
        #expect(image.locate("entry", searchPath: path, workdir: "/")?.imagePath == "/app/entry.sh")
        #expect(image.locate("./entry.sh", searchPath: path, workdir: "/app")?.imagePath == "/app/entry.sh")
        #expect(image.locate("sh", searchPath: path, workdir: "/")?.imagePath == "/bin/busybox")
        #expect(image.locate("sleep", searchPath: path, workdir: "/") == nil)
        #expect(image.shell.shell == .busyboxAsh)
    }

    @Test func aShellCopiedUnderTheNameShIsRecognisedByItsContent() throws {
        let root = try Self.makeRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.removeItem(atPath: root + "/bin/sh")
        #expect(ImageRoot(directory: root).shell.shell == ImageShell.none)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: root + "/bin/sh")
        let (shell, reason) = ImageRoot(directory: root).shell
        #expect(shell == .busyboxAsh && reason.contains("copy of BusyBox"), "\(reason)")
        try FileManager.default.removeItem(atPath: root + "/bin/sh")
        try FileManager.default.copyItem(atPath: "/usr/bin/dash", toPath: root + "/bin/sh")
        #expect(ImageRoot(directory: root).shell.shell == .dash)
    }
}

extension ProcessTests {
    /// `lint --image` and `lint --images` on real images built FROM scratch, each claim checked against what podman
    /// does with the same image: a missing entrypoint or unknown USER fails `podman run`, a script that does not
    /// exec ends in SIGKILL under `check --image`, one that does exits 0.
    @Suite(.enabled(if: ContainerLab.available, "podman with runc is needed (see the printed skip reason)"))
    struct ImageLintTests {
        init() throws { try ContainerLab.buildImages() }

        /// `sigscope lint --format json ARGS`, decoded.
        struct Linted {
            var result: CommandResult
            var json: [String: Any]

            init(_ arguments: [String]) throws {
                result = try ContainerLab.sigscope(["lint", "--format", "json"] + arguments)
                json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any] ?? [:]
            }

            var findings: [[String: Any]] { json["findings"] as? [[String: Any]] ?? [] }
            var rules: [String] { findings.compactMap { $0["rule"] as? String } }
            var files: [[String: Any]] { json["files"] as? [[String: Any]] ?? [] }
            func message(_ rule: String) -> String {
                findings.first { $0["rule"] as? String == rule }?["message"] as? String ?? ""
            }
            var image: [String: Any] { files.first?["image"] as? [String: Any] ?? [:] }
        }

        @Test func entrypointScriptWithoutExecIsFoundInTheImageAndCheckConfirmsTheSIGKILL() throws {
            let before = try ContainerLab.inventory()
            let lint = try Linted(["--image", ContainerLab.Image.scriptNoExec.reference])
            #expect(lint.result.exitCode == 1, "\(lint.result.stdout) \(lint.result.stderr)")
            #expect(lint.rules.contains("entrypoint-script-no-exec"), "\(lint.rules)")
            #expect(lint.message("entrypoint-script-no-exec").contains("at /entrypoint.sh in the image"))
            #expect(lint.image["shell"] as? String == "busybox-ash")
            #expect(try ContainerLab.inventory() == before)
            // What lint says from the files, the real stop shows: the shell stays PID 1 and only SIGKILL ends it.
            let check = try ContainerCheckRun(["--image", ContainerLab.Image.scriptNoExec.reference, "--ready",
                                               "delay:300ms", "--grace", "2s"])
            #expect(check.verdict == "fail" && check.recordedExitCode == 137, "\(check.result.stdout)")
            #expect(try ContainerLab.podmanStop(.scriptNoExec, grace: 2).exitCode == 137)
        }

        @Test func entrypointScriptThatExecsIsCleanAndExitsZero() throws {
            let lint = try Linted(["--image", ContainerLab.Image.scriptExec.reference])
            #expect(lint.result.exitCode == 0, "\(lint.result.stdout) \(lint.result.stderr)")
            #expect(!lint.rules.contains("entrypoint-script-no-exec"), "\(lint.rules)")
            // The walk went through the script to CMD's program, whose ELF facts are the image's file's.
            #expect(lint.image["program"] as? String == "/check-service", "\(lint.image)")
            let binary = lint.image["binary"] as? [String: Any] ?? [:]
            #expect(binary["static"] as? Bool == true && binary["runtime"] as? String == "c", "\(binary)")
            let check = try ContainerCheckRun(["--image", ContainerLab.Image.scriptExec.reference, "--ready",
                                               "delay:300ms", "--grace", "5s"])
            #expect(check.verdict == "pass" && check.recordedExitCode == 0, "\(check.result.stdout)")
            #expect(try ContainerLab.podmanStop(.scriptExec, grace: 5).exitCode == 0)
        }

        @Test func goBinaryInsideTheImageIsLintedAndTheMissingShellAndSleepAreNamed() throws {
            // The server fixture links signal.Notify (go-no-notify only turns it off with a flag).
            let lint = try Linted(["--image", ContainerLab.Image.go.reference])
            #expect(lint.rules.contains("go-signal-notify"), "\(lint.rules)")
            #expect(lint.rules.contains("image-no-prestop-tools"), "\(lint.rules)")
            #expect(lint.message("image-no-prestop-tools").contains("no /bin/sh and no sleep"))
            #expect((lint.image["binary"] as? [String: Any])?["runtime"] as? String == "go")
            #expect(lint.image["shell"] as? String == "none" && lint.image["sleep"] is NSNull)
            let shell = try Linted(["--image", ContainerLab.Image.shell.reference])
            #expect(!shell.rules.contains("image-no-prestop-tools"), "it has /bin/sh and /bin/sleep")
            #expect(shell.image["sleep"] as? String == "/bin/sleep")
        }

        @Test func shellAsPID1InTheImageIsTheFindingCheckConfirms() throws {
            let lint = try Linted(["--image", ContainerLab.Image.shell.reference])
            #expect(lint.rules.contains("shell-form-pid1"), "\(lint.rules)")
            #expect(lint.message("shell-form-pid1").contains("/bin/sh is a copy of BusyBox"),
                    "\(lint.message("shell-form-pid1"))")
            // ContainerCheckTests.shellAsPID1IsKilledAtTheEndOfTheGracePeriodLikePodmanStop: 137 both ways.
        }

        @Test func missingEntrypointUnknownUserAndMissingLoaderFailAsPodmanRunDoes() throws {
            let cases: [(ContainerLab.Image, String, String)] = [
                (.missingEntrypoint, "image-entrypoint-missing", "the image has no such file"),
                (.noEntrypoint, "image-entrypoint-missing", "no ENTRYPOINT and no CMD"),
                (.dynamic, "image-entrypoint-missing", "its loader /lib64/ld-linux-x86-64.so.2 is not in the image"),
                (.userUnknown, "image-user-unknown", "the user app is not in the image's /etc/passwd"),
            ]
            for (image, rule, words) in cases {
                let lint = try Linted(["--image", image.reference])
                #expect(lint.result.exitCode == 1, "\(image): \(lint.result.stderr)")
                #expect(lint.rules.contains(rule), "\(image): \(lint.rules)")
                #expect(lint.message(rule).contains(words), "\(image): \(lint.message(rule))")
                // podman cannot start it either.
                let name = "sigscope-test-lint-\(getpid())-\(image.rawValue)"
                let run = try ContainerLab.podman("run", "--name", name, image.reference)
                _ = try? ContainerLab.podman("rm", "-f", "--ignore", name)
                #expect(run.exitCode != 0, "\(image): podman ran it")
            }
        }

        @Test func manifestImagesAreLintedWithThePodsCommandAndPreStop() throws {
            let manifest = try TestManifest("""
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: web
                spec:
                  template:
                    spec:
                      containers:
                        - name: app
                          image: \(ContainerLab.Image.go.reference)
                          lifecycle:
                            preStop:
                              exec:
                                command: ["sh", "-c", "sleep 5"]
                        - name: tools
                          image: \(ContainerLab.Image.shell.reference)
                          command: ["/bin/sleep", "1000"]
                          lifecycle:
                            preStop:
                              exec:
                                command: ["sleep", "2"]
                        - name: elsewhere
                          image: registry.invalid/not-here:1
                """)
            defer { unlink(manifest.path) }
            let before = try ContainerLab.inventory()
            let lint = try Linted(["--images", manifest.path])
            #expect(try ContainerLab.inventory() == before)
            let images = lint.files.filter { $0["kind"] as? String == "image" }
            #expect(images.count == 3, "\(lint.files)")
            let missing = lint.findings.filter { $0["rule"] as? String == "prestop-command-missing" }
            #expect(missing.count == 1, "\(lint.findings)")
            let message = missing.first?["message"] as? String ?? ""
            #expect(message.contains("container app") && message.contains("sh -c"), "\(message)")
            #expect(lint.rules.contains("image-not-local"))
            // The pod's command replaces the shell image's ENTRYPOINT: sleep as PID 1, no shell-form finding.
            let tools = images.first { ($0["file"] as? String ?? "").contains("container tools") }
            #expect((tools?["image"] as? [String: Any])?["command"] as? [String] == ["/bin/sleep", "1000"])
            // check --manifest meets the same missing sh for real (PodCheckTests), which the kubelet only records.
        }

        @Test func badInputIsOneLineExitTwoAndLeavesNothingBehind() throws {
            let before = try ContainerLab.inventory()
            let missing = try ContainerLab.sigscope(["lint", "--image", "localhost/sigscope-test-no-such-image:1"])
            #expect(missing.exitCode == 2)
            #expect(missing.stderr.split(separator: "\n").count == 1, "\(missing.stderr)")
            #expect(missing.stderr.contains("no-such-image"))
            let runtime = try ContainerLab.sigscope(["lint", "--runtime", "/nonexistent/podman", "--image", "x"])
            #expect(runtime.exitCode == 2 && runtime.stderr.split(separator: "\n").count == 1, "\(runtime.stderr)")
            #expect(try ContainerLab.inventory() == before)
            let mounts = try ContainerLab.podman("image", "mount").stdout
            #expect(!mounts.contains(ContainerLab.Image.shell.reference))
        }

        @Test func exportedFilesAreTheSameAsTheMountedOnesAndLeaveNothing() throws {
            let engine = ContainerEngine(kind: .podman, executable: try #require(SpawnedProcess.resolve("podman")))
            for (key, value) in ContainerLab.environment { setenv(key, value, 1) }
            let before = try ContainerLab.inventory()
            let exported = try MountedImage(ContainerLab.Image.tini.reference, engine: engine, exportOnly: true)
            let unpacked = try #require(exported.unpacked)
            #expect(exported.root.resolve("/tini")?.isExecutable == true)
            #expect(exported.root.shell.shell == .busyboxAsh)
            exported.release()
            #expect(!FileManager.default.fileExists(atPath: unpacked))
            let mounted = try MountedImage(ContainerLab.Image.tini.reference, engine: engine)
            #expect(mounted.unpacked == nil && mounted.root.resolve("/tini")?.isExecutable == true)
            mounted.release()
            #expect(try ContainerLab.inventory() == before)
        }
    }
}
