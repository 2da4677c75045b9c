import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// `lint --image IMAGE` and `lint --images` on manifests: the image's configuration from the engine's
/// `image inspect`, its files made readable on the host (`MountedImage`), judged by lint's `ImageLint`. Nothing is
/// pulled and nothing runs: a container is created only when the files must be exported, and never started.
public struct ContainerImageLint: Sendable {
    public var engine: ContainerEngine
    /// The linter whose suppression applies to the images' findings.
    public var linter: Linter

    public init(engine: ContainerEngine, linter: Linter) {
        self.engine = engine
        self.linter = linter
    }

    /// Lints one image; an image the engine does not have is bad input.
    public func lint(image: String) throws(SigscopeError) -> LintedFile {
        let config = try engine.imageConfig(image)
        return try lint(config, pod: nil, display: "image \(image)")
    }

    /// Lints the image of every container of every pod spec in a manifest, with the pod's command, args,
    /// stopSignal and preStop exec command. An image the engine does not have is an `image-not-local` finding.
    public func lintImages(ofManifest path: String) -> [LintedFile] {
        guard let text = try? InputFile.readText(path, as: .manifest) else { return [] }
        var results: [LintedFile] = []
        for pod in PodUnderTest.all(manifest: text, file: path) {
            for container in pod.containers {
                let name = "\(pod.object) container \(container.name)"
                let display = "image \(container.image) (\(name) in \(path))"
                var exec: [String]?
                if case .exec(let command) = container.preStop { exec = command }
                let overrides = ImageLint.PodContainer(name: name, command: container.command, args: container.args,
                                                       stopSignal: container.stopSignal, preStopExec: exec)
                do {
                    let config = try engine.imageConfig(container.image)
                    results.append(try lint(config, pod: overrides, display: display))
                } catch {
                    let finding = Rule.imageNotLocal.finding(
                        "\(name) runs image \(container.image), which was not linted: \(error.message)",
                        hint: "build or pull the image before `sigscope lint --images`", file: display)
                    results.append(linter.image(display, facts: ImageFacts(
                        command: container.command + container.args, user: "", stopSignal: nil, shell: nil,
                        shellReason: "not read", sleep: nil), findings: [finding]))
                }
            }
        }
        return results
    }

    func lint(_ config: ImageConfig, pod: ImageLint.PodContainer?, display: String) throws(SigscopeError)
        -> LintedFile
    {
        let mounted = try MountedImage(config.image, engine: engine)
        defer { mounted.release() }
        let image = ImageLint(config: ImageLint.Config(
            reference: config.image, entrypoint: config.entrypoint, cmd: config.cmd, user: config.user,
            stopSignal: config.stopSignalText, workingDir: config.workingDir, env: config.env),
                              root: mounted.root, pod: pod)
        var (facts, findings) = image.lint(display: display)
        facts.id = config.id
        facts.podContainer = pod?.name
        return linter.image(display, facts: facts, findings: findings)
    }
}

/// An image's files readable on the host: `podman image mount` where it works (podman as root), else a
/// container created from the image (never started), `export`ed and unpacked with tar into a temporary directory
/// (docker, rootless podman). `release()` unmounts or removes everything.
public struct MountedImage: Sendable {
    public let root: ImageRoot
    let engine: ContainerEngine
    let image: String
    /// The temporary directory of an export, nil for a mount.
    let unpacked: String?

    /// `exportOnly` skips `image mount`, for docker and for the tests of the export path.
    public init(_ image: String, engine: ContainerEngine, exportOnly: Bool = false) throws(SigscopeError) {
        self.engine = engine
        self.image = image
        if engine.kind == .podman && !exportOnly, let output = try? engine.run(["image", "mount", image]),
           output.exitCode == 0 {
            let path = output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            if path.hasPrefix("/") {
                root = ImageRoot(directory: path)
                unpacked = nil
                return
            }
        }
        let directory = try Self.temporaryDirectory()
        do {
            try Self.export(image, engine: engine, into: directory)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
        root = ImageRoot(directory: directory + "/root")
        unpacked = directory
    }

    /// Unmounts the image, or removes the unpacked copy.
    public func release() {
        if let unpacked {
            try? FileManager.default.removeItem(atPath: unpacked)
        } else {
            _ = try? engine.run(["image", "unmount", image], timeout: .seconds(30))
        }
    }

    /// `create` (a command that need not exist: nothing starts), `export` to a tar file, `tar -x`, `rm`.
    static func export(_ image: String, engine: ContainerEngine, into directory: String) throws(SigscopeError) {
        let name = "sigscope-lint-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let watchdog = try ContainerWatchdog.start(engine: engine, name: name)
        defer {
            engine.remove(name)
            watchdog.release()
        }
        let created = try engine.run(["create", "--pull", "never", "--name", name, "--entrypoint",
                                      "/sigscope-not-run", image], started: watchdog.inFlight)
        watchdog.inFlight(0)
        guard created.exitCode == 0 else {
            throw SigscopeError(.badInput, "\(engine.kind.rawValue) create \(image): \(created.reason)")
        }
        let archive = directory + "/image.tar"
        _ = try engine.checked(["export", "-o", archive, name], timeout: .seconds(300),
                               what: "\(engine.kind.rawValue) export \(image)")
        guard let tar = SpawnedProcess.resolve("tar") else {
            throw SigscopeError(.startFailed, "lint --image needs tar to unpack \(image) (or podman as root)")
        }
        let root = directory + "/root"
        do { try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false) } catch {
            throw SigscopeError(.systemCall, "cannot create \(root): \(error.localizedDescription)")
        }
        // The image's owners do not matter to lint, and devices are not needed: tar is kept from creating either.
        let process = try SpawnedProcess.launch([tar, "-x", "-f", archive, "-C", root, "--no-same-owner",
                                                 "--exclude=dev/*"], options: SpawnedProcess.Options())
        let status = process.killAndReap(after: .seconds(300))
        unlink(archive)
        guard case .exited(0) = status else {
            throw SigscopeError(.systemCall, "tar could not unpack the export of \(image)")
        }
    }

    static func temporaryDirectory() throws(SigscopeError) -> String {
        var template = Array("/tmp/sigscope-image-XXXXXX".utf8CString)
        guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
            throw SigscopeError(.systemCall, "cannot create a temporary directory in /tmp: "
                + SigscopeError.describe(errno: errno), errno: errno)
        }
        return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
