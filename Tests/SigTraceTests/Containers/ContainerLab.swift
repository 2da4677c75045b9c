import Foundation
import Synchronization
import Testing

@testable import SigTrace

/// Real containers for the tests: podman with runc through a containers.conf of the tests' own (sigscope hard-codes
/// neither), and images built offline FROM scratch with static binaries (the Go server fixture with CGO_ENABLED=0,
/// the C check-service fixture built -static, busybox-static for a shell, tini-static).
enum ContainerLab {
    private static let lock = Mutex<Bool>(false)

    static var directory: String { "\(Fixtures.outputDirectory)/containers" }
    static var configPath: String { "\(directory)/containers.conf" }
    static var storageConfigPath: String { "\(directory)/storage.conf" }

    /// The environment every podman and sigscope call of the tests gets: the tests' containers.conf, and a
    /// storage of this checkout's own, so that the containers other checkouts' tests run on the same machine never
    /// show in this run's inventory (and the images are this checkout's).
    static var environment: [String: String] {
        ["CONTAINERS_CONF": configPath, "CONTAINERS_STORAGE_CONF": storageConfigPath]
    }

    /// `environment` added to this process's, as `SpawnedProcess.Options.environment` takes it.
    static var processEnvironment: [String] {
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        return env.map { "\($0.key)=\($0.value)" }
    }

    /// Why container tests cannot run here, or nil when they can.
    static let skipReason: String? = {
        guard let podman = SpawnedProcess.resolve("podman") else {
            return "podman is not installed (scripts/install-deps installs it)"
        }
        guard SpawnedProcess.resolve("runc") != nil else { return "runc is not installed" }
        guard getuid() == 0 else { return "podman with runc needs root here" }
        do {
            try writeConfig()
            let result = try run([podman, "version", "--format", "{{.Client.Version}}"], environment: environment,
                                 timeout: .seconds(30))
            guard result.exitCode == 0 else { return "podman does not answer: \(result.stderr)" }
        } catch {
            return "cannot prepare podman: \(error)"
        }
        return nil
    }()

    /// True when the container tests can run; prints the skip reason once when they cannot.
    static let available: Bool = {
        if let skipReason { print("container tests skipped: \(skipReason)") }
        return skipReason == nil
    }()

    private static func writeConfig() throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        // This machine: crun fails on hybrid cgroups and podman's default ulimits exceed the hard limits.
        let text = """
            [containers]
            default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
            [engine]
            runtime = "runc"

            """
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
        // runroot holds the storage's locks: one per checkout, named after it.
        let key = directory.utf8.reduce(UInt32(5381)) { ($0 &* 33) ^ UInt32($1) }
        let storage = """
            [storage]
            driver = "overlay"
            graphroot = "\(directory)/storage"
            runroot = "/run/sigscope-test-\(String(key, radix: 16))"

            """
        try storage.write(toFile: storageConfigPath, atomically: true, encoding: .utf8)
    }

    /// Runs podman with the tests' configuration.
    @discardableResult
    static func podman(_ arguments: String..., timeout: Duration = .seconds(60)) throws -> CommandResult {
        try podman(arguments, timeout: timeout)
    }

    @discardableResult
    static func podman(_ arguments: [String], timeout: Duration = .seconds(60)) throws -> CommandResult {
        try run(["podman"] + arguments, environment: environment, timeout: timeout)
    }

    /// Runs sigscope with the tests' podman configuration.
    static func sigscope(_ arguments: [String], timeout: Duration = .seconds(90)) throws -> CommandResult {
        try run([TestPaths.sigscope] + arguments, environment: environment, timeout: timeout)
    }

    /// The test images, each `localhost/sigscope-test-NAME:latest`.
    enum Image: String, CaseIterable {
        /// The graceful Go server: signal.Notify, then Shutdown; listens on 8080.
        case go
        /// The Go server without signal.Notify: as PID 1 it exits 2 on SIGTERM.
        case goNoNotify = "go-no-notify"
        /// The Go server with STOPSIGNAL SIGQUIT, which it does not handle (Go dumps goroutines and exits 2).
        case goQuit = "go-quit"
        /// The C service that exits 0 exactly 300 ms after SIGTERM.
        case exitAfter = "exit-after"
        /// The C service that exits 3 at once on SIGTERM.
        case exitCode = "exit-code"
        /// busybox sh as PID 1 running sleep: SIGTERM is dropped, only SIGKILL ends it.
        case shell
        /// tini-static as PID 1 in front of the shell: tini forwards SIGTERM, sh dies of it, tini exits 143.
        case tini
        /// Exits 3 at once.
        case dies
        /// No ENTRYPOINT and no CMD.
        case noEntrypoint = "no-entrypoint"
        /// ENTRYPOINT names a file the image does not have.
        case missingEntrypoint = "missing-entrypoint"
        /// An entrypoint script run by busybox sh that starts the C service without exec: sh stays PID 1.
        case scriptNoExec = "script-no-exec"
        /// An entrypoint script ending in `exec "$@"`, CMD the C service (exit-after 300).
        case scriptExec = "script-exec"
        /// The C service linked dynamically, in a scratch image without its loader.
        case dynamic
        /// USER app, with no /etc/passwd in the image.
        case userUnknown = "user-unknown"

        var reference: String { "localhost/sigscope-test-\(rawValue):latest" }

        var containerfile: String {
            switch self {
            case .go: "COPY server /server\nENTRYPOINT [\"/server\", \"-addr\", \"0.0.0.0:8080\"]"
            case .goNoNotify:
                "COPY server /server\nENTRYPOINT [\"/server\", \"-addr\", \"0.0.0.0:8080\", \"-notify=false\"]"
            case .goQuit: "COPY server /server\nSTOPSIGNAL SIGQUIT\nENTRYPOINT [\"/server\", \"-addr\", \"0.0.0.0:8080\"]"
            case .exitAfter: "COPY check-service /check-service\nENTRYPOINT [\"/check-service\", \"exit-after\", \"300\"]"
            case .exitCode: "COPY check-service /check-service\nENTRYPOINT [\"/check-service\", \"exit-code\", \"3\"]"
            case .shell: "COPY busybox /bin/busybox\nCOPY busybox /bin/sh\nCOPY busybox /bin/sleep\n"
                + "ENTRYPOINT [\"/bin/sh\", \"-c\", \"sleep 1000; echo done\"]"
            case .tini: "COPY busybox /bin/sh\nCOPY busybox /bin/sleep\nCOPY tini-static /tini\n"
                + "ENTRYPOINT [\"/tini\", \"--\", \"/bin/sh\", \"-c\", \"sleep 1000; echo done\"]"
            case .dies: "COPY busybox /bin/sh\nENTRYPOINT [\"/bin/sh\", \"-c\", \"echo giving up; exit 3\"]"
            case .noEntrypoint: "COPY busybox /bin/busybox"
            case .missingEntrypoint: "COPY busybox /bin/busybox\nENTRYPOINT [\"/app/server\"]"
            case .scriptNoExec: "COPY busybox /bin/sh\nCOPY check-service /check-service\n"
                + "COPY entrypoint-no-exec.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]"
            case .scriptExec: "COPY busybox /bin/sh\nCOPY check-service /check-service\n"
                + "COPY entrypoint-exec.sh /entrypoint.sh\nENTRYPOINT [\"/entrypoint.sh\"]\n"
                + "CMD [\"/check-service\", \"exit-after\", \"300\"]"
            case .dynamic: "COPY check-service-dynamic /check-service\nENTRYPOINT [\"/check-service\", \"ignore\"]"
            case .userUnknown: "COPY check-service /check-service\nUSER app\n"
                + "ENTRYPOINT [\"/check-service\", \"exit-after\", \"300\"]"
            }
        }
    }

    /// Builds every test image once per test run (about 2 s each, offline, FROM scratch).
    static func buildImages() throws {
        try lock.withLock { built in
            if built { return }
            let context = "\(directory)/context"
            let fm = FileManager.default
            try fm.createDirectory(atPath: context, withIntermediateDirectories: true)
            let server = try Fixtures.go("server")
            let service = "\(context)/check-service"
            let source = "\(TestPaths.packageRoot)/fixtures/c/check-service.c"
            let cc = try run(["cc", "-O1", "-static", "-o", service, source])
            guard cc.exitCode == 0 else { throw FixtureError(message: "cc -static failed: \(cc.stderr)") }
            let dynamic = try run(["cc", "-O1", "-o", "\(context)/check-service-dynamic", source])
            guard dynamic.exitCode == 0 else { throw FixtureError(message: "cc failed: \(dynamic.stderr)") }
            let scripts = [
                "entrypoint-no-exec.sh": "#!/bin/sh\necho starting\n/check-service exit-after 300\n",
                "entrypoint-exec.sh": "#!/bin/sh\necho starting\nexec \"$@\"\n",
            ]
            for (name, text) in scripts {
                try text.write(toFile: "\(context)/\(name)", atomically: true, encoding: .utf8)
                chmod("\(context)/\(name)", 0o755)
            }
            for (from, to) in [(server, "server"), ("/bin/busybox", "busybox"), ("/usr/bin/tini-static", "tini-static")] {
                try? fm.removeItem(atPath: "\(context)/\(to)")
                try fm.copyItem(atPath: from, toPath: "\(context)/\(to)")
            }
            for image in Image.allCases {
                let file = "\(directory)/Containerfile.\(image.rawValue)"
                try ("FROM scratch\n" + image.containerfile + "\n").write(toFile: file, atomically: true,
                                                                          encoding: .utf8)
                let result = try podman("build", "-q", "-t", image.reference, "-f", file, context,
                                        timeout: .seconds(120))
                guard result.exitCode == 0 else {
                    throw FixtureError(message: "podman build \(image.rawValue) failed: \(result.stderr)")
                }
            }
            built = true
        }
    }

    /// Every container, network and volume podman knows, to prove a command left none behind.
    static func inventory() throws -> [String] {
        let containers = try podman("ps", "-a", "--format", "{{.ID}} {{.Names}}").stdout
        let networks = try podman("network", "ls", "--format", "{{.Name}}").stdout
        let volumes = try podman("volume", "ls", "--format", "{{.Name}}").stdout
        return [containers, networks, volumes].flatMap { $0.split(separator: "\n").map(String.init) }
            .filter { !$0.isEmpty }.sorted()
    }

    /// What `podman stop -t GRACE` records for the image: the reference sigscope's verdict must equal.
    struct Stopped {
        var exitCode: Int32
        /// podman's FinishedAt minus the moment `podman stop` was started.
        var secondsAfterStop: Double
    }

    /// Runs the image with `podman run -d`, waits `settle` (or until `port` accepts), stops it with `podman stop`,
    /// and returns what podman recorded. The container is removed.
    static func podmanStop(_ image: Image, grace: Int, runArguments: [String] = [], port: Int? = nil,
                           settle: Duration = .milliseconds(500)) throws -> Stopped {
        let name = "sigscope-test-ref-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { _ = try? podman("rm", "-f", "-t", "0", "--ignore", name) }
        let started = try podman(["run", "-d", "--name", name] + runArguments + [image.reference])
        guard started.exitCode == 0 else { throw FixtureError(message: "podman run: \(started.stderr)") }
        if let port {
            waitUntil(timeout: .seconds(10)) { tcpAccepts(port: port) }
        } else {
            Clocks.sleep(for: settle)
        }
        let before = Date()
        let stop = try podman("stop", "-t", String(grace), name)
        guard stop.exitCode == 0 else { throw FixtureError(message: "podman stop: \(stop.stderr)") }
        let inspect = try podman("container", "inspect", name)
        let state = try ContainerState(inspectJSON: inspect.stdout, engine: .podman)
        return Stopped(exitCode: state.exitCode,
                       secondsAfterStop: state.finishedAt.map { $0.timeIntervalSince(before) } ?? -1)
    }
}

/// A `sigscope check --image/--container --format json` run, decoded.
struct ContainerCheckRun {
    var result: CommandResult
    var json: [String: Any]

    init(_ arguments: [String]) throws {
        result = try ContainerLab.sigscope(["check", "--format", "json"] + arguments)
        json = (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any] ?? [:]
    }

    var verdict: String? { json["verdict"] as? String }
    var rules: [String] { (json["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String } }
    var exitCode: Int? { (json["exit"] as? [String: Any])?["code"] as? Int }
    var exitSignal: String? { (json["exit"] as? [String: Any])?["signal"] as? String }
    var container: [String: Any] { json["container"] as? [String: Any] ?? [:] }
    var recordedExitCode: Int? { container["recorded_exit_code"] as? Int }
    var recordedSeconds: Double? { (container["recorded_seconds_after_signal"] as? NSNumber)?.doubleValue }
    var shutdownSeconds: Double? { (json["shutdown_seconds"] as? NSNumber)?.doubleValue }
    var signal: String? { json["signal"] as? String }
}
