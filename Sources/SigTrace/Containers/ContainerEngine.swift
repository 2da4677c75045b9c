import CProcfs
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A container engine driven through its command-line client: podman or docker. sigscope never speaks an engine's
/// API itself; it runs the CLI and reads its JSON `inspect` output, so whatever configuration the user's CLI reads
/// (`CONTAINERS_CONF`, `DOCKER_HOST`, contexts) applies unchanged.
public struct ContainerEngine: Sendable, Equatable {
    /// Which CLI dialect: the two agree on the commands sigscope uses, and differ in some inspect fields.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        case podman, docker
    }

    public let kind: Kind
    /// The CLI's absolute path.
    public let executable: String

    public init(kind: Kind, executable: String) {
        self.kind = kind
        self.executable = executable
    }

    /// What one CLI call printed and how it ended.
    public struct Output: Sendable {
        public var exitCode: Int32
        public var stdout: String
        public var stderr: String

        /// The last non-empty line of stderr, without podman's `Error: ` prefix: the engine's own one-line reason.
        public var reason: String {
            // podman and docker put the reason on an `Error:` line and may follow it with usage hints.
            let lines = stderr.split(separator: "\n").filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            let line = lines.last { $0.hasPrefix("Error") || $0.hasPrefix("docker:") } ?? lines.last
            var text = line.map(String.init) ?? "exit code \(exitCode)"
            for prefix in ["Error: ", "Error response from daemon: ", "docker: "] where text.hasPrefix(prefix) {
                text.removeFirst(prefix.count)
            }
            return text
        }
    }

    /// The engine to use: the one named by `preference` (`podman`, `docker` or a path to either CLI), else the first
    /// of podman and docker whose engine answers. A CLI whose engine does not answer (a docker client with no
    /// daemon) is not an engine.
    public static func detect(preference: String? = nil) throws(SigscopeError) -> ContainerEngine {
        let candidates: [String]
        if let preference {
            candidates = [preference]
        } else {
            candidates = Kind.allCases.map(\.rawValue)
        }
        var reasons: [String] = []
        for name in candidates {
            let base = (name as NSString).lastPathComponent
            guard let kind = Kind.allCases.first(where: { base.hasPrefix($0.rawValue) }) else {
                throw SigscopeError(.badInput, "--runtime \(name): sigscope drives podman or docker")
            }
            guard let path = SpawnedProcess.resolve(name) else {
                reasons.append("\(name) is not installed")
                continue
            }
            let engine = ContainerEngine(kind: kind, executable: path)
            // podman has no daemon to reach: its client is the engine, and a broken configuration shows in the
            // first real call's error. Asking it for its version first cost a CLI start (about 100 ms) per check.
            if kind == .podman { return engine }
            if let failure = engine.answers() {
                reasons.append("\(name) does not answer (\(failure))")
                continue
            }
            return engine
        }
        throw SigscopeError(.startFailed, "no container engine: " + reasons.joined(separator: "; ")
            + (preference == nil ? "; install podman or start docker" : ""))
    }

    /// nil when the engine answers; otherwise why not. podman runs without a daemon, so its client answering is
    /// enough; docker's client must reach its daemon.
    func answers() -> String? {
        let arguments = kind == .docker ? ["version", "--format", "{{.Server.Version}}"]
            : ["version", "--format", "{{.Client.Version}}"]
        guard let output = try? run(arguments, timeout: .seconds(10)) else { return "cannot start it" }
        if output.exitCode != 0 { return output.reason }
        if output.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "no server version" }
        return nil
    }

    /// Runs the CLI with `arguments`, output captured, killed after `timeout`. The CLI inherits sigscope's
    /// environment and runs in sigscope's process group, so a Ctrl-C reaches it too.
    /// `started` learns the CLI's pid as soon as it runs (for `ContainerWatchdog`).
    public func run(_ arguments: [String], timeout: Duration = .seconds(60),
                    started: ((Int32) -> Void)? = nil) throws(SigscopeError) -> Output {
        let out = try CapturedFile()
        let err = try CapturedFile()
        var options = SpawnedProcess.Options()
        let devNull = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { if devNull >= 0 { close(devNull) } }
        options.stdin = devNull >= 0 ? devNull : nil
        options.stdout = out.descriptor
        options.stderr = err.descriptor
        // With `started`, the child waits before exec until `started` has its pid: a watchdog told of the call
        // can never miss a CLI that already runs (the child execs at end of file too, if sigscope dies first).
        var gate: [Int32] = [-1, -1]
        if started != nil {
            guard cprocfs_pipe2(&gate, O_CLOEXEC) == 0 else {
                throw SigscopeError(.systemCall, "cannot create a pipe: \(SigscopeError.describe(errno: errno))",
                                    errno: errno)
            }
            options.waitDescriptor = gate[0]
        }
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess.launch([executable] + arguments, options: options)
        } catch {
            if started != nil { close(gate[0]); close(gate[1]) }
            throw error
        }
        if let started {
            started(process.pid)
            var byte: UInt8 = 1
            _ = write(gate[1], &byte, 1)
            close(gate[0])
            close(gate[1])
        }
        let status = process.killAndReap(after: timeout)
        let code: Int32 = switch status {
        case .exited(let code): code
        case .signaled(let signal, _): 128 + signal.rawValue
        case nil: -1
        }
        if case .signaled(.kill, _) = status {
            throw SigscopeError(.systemCall, "\(kind.rawValue) \(arguments.prefix(2).joined(separator: " ")) did not "
                + "finish within \(ShutdownVerdict.format(timeout.seconds)) s")
        }
        return Output(exitCode: code, stdout: out.contents(), stderr: err.contents())
    }

    /// Runs the CLI and returns its stdout; a non-zero exit becomes a `SigscopeError` with the engine's reason.
    public func checked(_ arguments: [String], timeout: Duration = .seconds(60), what: String) throws(SigscopeError)
        -> String
    {
        let output = try run(arguments, timeout: timeout)
        guard output.exitCode == 0 else { throw SigscopeError(.badInput, "\(what): \(output.reason)") }
        return output.stdout
    }

    /// The image's configuration from `IMAGE inspect`; a missing image is bad input (nothing is pulled).
    public func imageConfig(_ image: String) throws(SigscopeError) -> ImageConfig {
        let output = try run(["image", "inspect", image], timeout: .seconds(30))
        guard output.exitCode == 0 else {
            throw SigscopeError(.badInput, "image \(image): not found in \(kind.rawValue)'s local images "
                + "(\(output.reason)); sigscope pulls nothing: build or pull it first")
        }
        return try ImageConfig(inspectJSON: output.stdout, image: image)
    }

    /// A container's state and configuration from `inspect`; an unknown name or ID is bad input.
    public func container(_ nameOrID: String) throws(SigscopeError) -> ContainerState {
        let output = try run(["container", "inspect", nameOrID], timeout: .seconds(30))
        guard output.exitCode == 0 else {
            throw SigscopeError(.badInput, "container \(nameOrID): \(output.reason)")
        }
        return try ContainerState(inspectJSON: output.stdout, engine: kind)
    }

    /// A container's state and its image's configuration from one plain `inspect CONTAINER IMAGE`, which both
    /// engines answer with the two objects in order: one CLI start (about 100 ms) instead of two.
    public func container(_ nameOrID: String, image: String) throws(SigscopeError) -> (ContainerState, ImageConfig) {
        let output = try run(["inspect", nameOrID, image], timeout: .seconds(30))
        guard output.exitCode == 0 else {
            throw SigscopeError(.badInput, "container \(nameOrID) and image \(image): \(output.reason)")
        }
        let objects = try ContainerJSON.objects(output.stdout, what: "container \(nameOrID) and image \(image)")
        let state = try ContainerState(inspectObject: objects[0], engine: kind)
        // An image name that is also a container's or a volume's name inspects as that: ask for the image itself.
        if objects.count == 2, objects[1]["State"] == nil, objects[1]["Mountpoint"] == nil {
            return (state, ImageConfig(inspectObject: objects[1], image: image))
        }
        return (state, try imageConfig(image))
    }

    /// Removes a container, running or not, and its anonymous volumes; quiet when it is already gone.
    public func remove(_ nameOrID: String) {
        _ = try? run(removeArguments(nameOrID), timeout: .seconds(30))
    }

    /// `rm -f -v NAME`, with podman's `--ignore -t 0`.
    func removeArguments(_ nameOrID: String) -> [String] {
        (kind == .podman ? ["rm", "-f", "-v", "--ignore", "-t", "0"] : ["rm", "-f", "-v"]) + [nameOrID]
    }

    /// Waits until the engine has recorded the container's exit and returns its state then.
    public func recordedExit(_ nameOrID: String, timeout: Duration = .seconds(10)) -> ContainerState? {
        let deadline = Clocks.monotonicNanoseconds() + UInt64(timeout.seconds * 1e9)
        while true {
            if let state = try? container(nameOrID), !state.running { return state }
            if Clocks.monotonicNanoseconds() >= deadline { return nil }
            Clocks.sleep(for: .milliseconds(20))
        }
    }
}

/// An unlinked temporary file that a child writes its output to: a pipe could fill up while sigscope waits.
private struct CapturedFile {
    let descriptor: Int32

    init() throws(SigscopeError) {
        var template = Array("/tmp/sigscope-engine-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0, fcntl(fd, F_SETFD, FD_CLOEXEC) == 0 else {
            throw SigscopeError(.systemCall, "cannot create a temporary file in /tmp: "
                + SigscopeError.describe(errno: errno), errno: errno)
        }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        descriptor = fd
    }

    /// Everything written so far, then the descriptor is closed.
    func contents() -> String {
        defer { close(descriptor) }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var offset: off_t = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, offset) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { break }
            data += buffer[0..<count]
            offset += off_t(count)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
