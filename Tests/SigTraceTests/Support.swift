import Foundation
import Synchronization
import Testing

@testable import SigTrace

/// The parent of every suite that spawns processes: they run one at a time, so timing and /proc reads of one
/// suite never race another's processes. Suites join it with `extension ProcessTests { @Suite struct X {} }`.
@Suite(.serialized) struct ProcessTests {}

/// Paths of the package, the built sigscope binary and captured /proc text.
enum TestPaths {
    /// The package root, found from this file's path.
    static let packageRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    /// The sigscope executable built beside the test bundle.
    static let sigscope: String = {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? ""
        var directory = URL(fileURLWithPath: exe).deletingLastPathComponent()
        // swift-testing on Linux runs `sigscopePackageTests.xctest` from the build directory.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("sigscope").path),
              directory.path != "/" {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("sigscope").path
    }()

    /// A captured /proc file under Tests/ProcText.
    static func procText(_ name: String) throws -> String {
        try String(contentsOfFile: "\(packageRoot)/Tests/ProcText/\(name)", encoding: .utf8)
    }
}

/// Builds fixture programs from fixtures/ on first use, into .build/fixtures.
enum Fixtures {
    private static let lock = Mutex(())

    static var outputDirectory: String { "\(TestPaths.packageRoot)/.build/fixtures" }

    /// Compiles fixtures/c/NAME.c (with -pthread) unless the binary is newer than the source.
    static func c(_ name: String) throws -> String {
        let source = "\(TestPaths.packageRoot)/fixtures/c/\(name).c"
        let output = "\(outputDirectory)/\(name)"
        try build(source: source, output: output, command: ["cc", "-O1", "-g", "-pthread", "-o", output, source])
        return output
    }

    /// Builds the Go program in fixtures/go/NAME with Debian's golang-go.
    static func go(_ name: String) throws -> String {
        let directory = "\(TestPaths.packageRoot)/fixtures/go/\(name)"
        let output = "\(outputDirectory)/go-\(name)"
        try build(source: "\(directory)/main.go", output: output, command: ["go", "build", "-o", output, "."],
                  directory: directory)
        return output
    }

    /// Builds fixtures/lint/swift-lifecycle (a SwiftPM package using swift-service-lifecycle's UnixSignals, about
    /// 10 s the first time) and returns the path of its binary.
    static func swiftLifecycle() throws -> String {
        let package = "\(TestPaths.packageRoot)/fixtures/lint/swift-lifecycle"
        let scratch = "\(outputDirectory)/swift-lifecycle"
        let result = try run(["swift", "build", "--package-path", package, "--scratch-path", scratch],
                             timeout: .seconds(300))
        guard result.exitCode == 0 else { throw FixtureError(message: "building \(package) failed: \(result.stderr)") }
        return "\(scratch)/debug/LifecycleFixture"
    }

    /// The path of a script fixture (shell or Python) under fixtures/.
    static func script(_ relativePath: String) -> String { "\(TestPaths.packageRoot)/fixtures/\(relativePath)" }

    private static func build(source: String, output: String, command: [String], directory: String? = nil) throws {
        try lock.withLock { _ in
            let fm = FileManager.default
            try fm.createDirectory(atPath: outputDirectory, withIntermediateDirectories: true)
            if let out = try? fm.attributesOfItem(atPath: output)[.modificationDate] as? Date,
               let src = try? fm.attributesOfItem(atPath: source)[.modificationDate] as? Date, out > src {
                return
            }
            let result = try run(command, directory: directory, environment: ["GOFLAGS": "-mod=mod", "CGO_ENABLED": "0"])
            guard result.status == SigTrace.ExitStatus.exited(0) else {
                throw FixtureError(message: "building \(source) failed: \(result.stderr)")
            }
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// What a finished command printed and how it ended.
struct CommandResult {
    var status: SigTrace.ExitStatus?
    var stdout: String
    var stderr: String

    var exitCode: Int32? {
        if case .exited(let code) = status { return code }
        return nil
    }
}

/// Runs a command to completion with output captured in files (no pipe can fill up), killing it after `timeout`.
func run(_ arguments: [String], directory: String? = nil, environment extra: [String: String] = [:],
         timeout: Duration = .seconds(120)) throws -> CommandResult {
    let base = NSTemporaryDirectory() + "sigscope-test-\(UUID().uuidString)"
    let outFD = open(base + ".out", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    let errFD = open(base + ".err", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    defer {
        close(outFD)
        close(errFD)
        unlink(base + ".out")
        unlink(base + ".err")
    }
    var options = SpawnedProcess.Options()
    options.stdout = outFD
    options.stderr = errFD
    options.stdin = open("/dev/null", O_RDONLY | O_CLOEXEC)
    defer { close(options.stdin!) }
    var env = ProcessInfo.processInfo.environment
    for (key, value) in extra { env[key] = value }
    options.environment = env.map { "\($0.key)=\($0.value)" }
    let argv: [String]
    if let directory {
        argv = ["/bin/sh", "-c", "cd \"$0\" && exec \"$@\"", directory] + arguments
    } else {
        argv = arguments
    }
    let process = try SpawnedProcess.launch(argv, options: options)
    let status = process.killAndReap(after: timeout)
    let stdout = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
    return CommandResult(status: status, stdout: stdout, stderr: stderr)
}

/// Runs the sigscope CLI.
func sigscope(_ arguments: String..., timeout: Duration = .seconds(60)) throws -> CommandResult {
    try run([TestPaths.sigscope] + arguments, timeout: timeout)
}

/// Polls `condition` every 5 ms until it holds or `timeout` passes; returns whether it held.
@discardableResult
func waitUntil(timeout: Duration = .seconds(5), _ condition: () -> Bool) -> Bool {
    let deadline = Clocks.monotonicNanoseconds() + UInt64(timeout.seconds * 1e9)
    while Clocks.monotonicNanoseconds() < deadline {
        if condition() { return true }
        Clocks.sleep(for: .milliseconds(5))
    }
    return condition()
}

/// A started fixture that is killed and reaped when the test ends, whatever happens.
final class Running: Sendable {
    let process: SpawnedProcess
    var pid: Int32 { process.pid }

    init(_ arguments: [String], options: SpawnedProcess.Options = SpawnedProcess.Options()) throws {
        var options = options
        if options.stdin == nil { options.stdin = open("/dev/null", O_RDONLY | O_CLOEXEC) }
        process = try SpawnedProcess.launch(arguments, options: options)
    }

    /// Waits until the process has printed `ready` to the file, or its status file shows the state settled.
    func waitForStatus(_ condition: (ProcStatus) -> Bool, timeout: Duration = .seconds(5)) -> Bool {
        waitUntil(timeout: timeout) {
            guard let text = try? ProcFiles().read("/proc/\(pid)/status"),
                  let status = try? ProcStatus(parsing: text) else { return false }
            return condition(status)
        }
    }

    deinit {
        kill(-process.pid, SIGKILL)
        process.killAndReap()
    }
}
