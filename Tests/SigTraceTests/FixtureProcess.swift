import Foundation

@testable import SigTrace

/// A fixture started with its stdout in a temporary file, waited on until it prints `ready`.
final class FixtureProcess: Sendable {
    let running: Running
    let outputPath: String
    var pid: Int32 { running.pid }

    /// Starts `arguments` and waits up to `timeout` for a line starting with `ready`.
    init(_ arguments: [String], newProcessGroup: Bool = true, timeout: Duration = .seconds(10)) throws {
        outputPath = NSTemporaryDirectory() + "sigscope-fixture-\(UUID().uuidString).out"
        let fd = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { close(fd) }
        var options = SpawnedProcess.Options()
        options.stdout = fd
        options.newProcessGroup = newProcessGroup
        running = try Running(arguments, options: options)
        let path = outputPath
        guard waitUntil(timeout: timeout, { (try? String(contentsOfFile: path, encoding: .utf8))?.contains("ready") == true })
        else {
            throw FixtureError(message: "\(arguments.joined(separator: " ")) did not print ready")
        }
    }

    /// Everything the fixture printed so far.
    var output: String { (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? "" }

    /// The innermost child of `pid` (following the first child down), for wrappers such as `unshare --fork`.
    func descendant(depth: Int) -> Int32? {
        var current = pid
        for _ in 0..<depth {
            guard let text = try? ProcFiles().read("/proc/\(current)/task/\(current)/children"),
                  let child = text.split(separator: " ").first.flatMap({ Int32($0) }) else { return nil }
            current = child
        }
        return current
    }

    deinit { unlink(outputPath) }
}
