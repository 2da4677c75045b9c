import CProcfs
import Foundation

@testable import SigTrace

/// A `sigscope watch --format json` running in the background, its stdout and stderr in temporary files.
final class WatchSession {
    let process: SpawnedProcess
    private let base = NSTemporaryDirectory() + "sigscope-watch-\(UUID().uuidString)"
    private var finished = false

    /// Starts `sigscope watch --format json ARGUMENTS` and waits until it says it is watching; with
    /// `newProcessGroup`, as the leader of its own group, the way a shell starts a foreground job.
    init(_ arguments: [String], backend: String = "ptrace", newProcessGroup: Bool = false) throws {
        let out = open(base + ".out", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let err = open(base + ".err", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer {
            close(out)
            close(err)
            close(null)
        }
        var options = SpawnedProcess.Options()
        options.stdout = out
        options.stderr = err
        options.stdin = null
        options.newProcessGroup = newProcessGroup
        process = try SpawnedProcess.launch([TestPaths.sigscope, "watch", "--backend", backend, "--format", "json"] + arguments,
                                            options: options)
        let started = waitUntil(timeout: .seconds(10)) { self.stderr.contains("watching") }
        if !started {
            throw FixtureError(message: "sigscope watch did not start: \(stderr)")
        }
    }

    /// The pids of `watching PID, PID; ...` on stderr.
    var watchedPids: [Int32] {
        guard let line = stderr.split(separator: "\n").first(where: { $0.contains("watching ") }),
              var list = line.split(separator: ";").first?.split(separator: "watching ").last else { return [] }
        // The kernel backend's banner goes on: "watching PID with the kernel backend (...)".
        if let range = list.range(of: " with ") { list = list[..<range.lowerBound] }
        return list.split(separator: ",").compactMap { Int32($0.trimmingCharacters(in: .whitespaces)) }
    }

    var stdout: String { (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "" }
    var stderr: String { (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "" }

    /// The JSON lines written so far, parsed.
    var events: [[String: Any]] { WatchSession.parse(stdout) }

    static func parse(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// Waits until an event satisfies `predicate`; returns it.
    @discardableResult
    func waitForEvent(timeout: Duration = .seconds(5), _ predicate: ([String: Any]) -> Bool) -> [String: Any]? {
        var found: [String: Any]?
        waitUntil(timeout: timeout) {
            found = events.first(where: predicate)
            return found != nil
        }
        return found
    }

    /// Sends `signal` to sigscope (none: wait for it to end by itself) and reaps it.
    @discardableResult
    func finish(sending signal: Int32? = SIGINT, timeout: Duration = .seconds(10)) -> SigTrace.ExitStatus? {
        if let signal { kill(process.pid, signal) }
        finished = true
        return process.killAndReap(after: timeout)
    }

    deinit {
        if !finished {
            kill(process.pid, SIGKILL)
            process.killAndReap()
        }
        unlink(base + ".out")
        unlink(base + ".err")
    }
}

/// The watch-target fixture, started in its own process group with stdout in a file, waited on until ready.
final class WatchTarget {
    let running: Running
    private let outputPath = NSTemporaryDirectory() + "sigscope-watch-target-\(UUID().uuidString).out"
    var pid: Int32 { running.pid }

    init(_ mode: [String]) throws {
        let fd = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        defer { close(fd) }
        var options = SpawnedProcess.Options()
        options.stdout = fd
        options.newProcessGroup = true
        running = try Running([try Fixtures.c("watch-target")] + mode, options: options)
        let path = outputPath
        guard waitUntil(timeout: .seconds(10), { (try? String(contentsOfFile: path, encoding: .utf8))?.contains("ready") == true })
        else { throw FixtureError(message: "watch-target \(mode) did not print ready") }
    }

    /// The status of the process now.
    var status: ProcStatus? {
        (try? ProcFiles().read("/proc/\(pid)/status")).flatMap { try? ProcStatus(parsing: $0) }
    }

    /// The process whose thread traces this one (TracerPid names a thread), nil if untraced.
    var tracerProcess: Int32? {
        guard let tracer = status?.tracerPid, tracer != 0 else { return nil }
        return (try? ProcFiles().read("/proc/\(tracer)/status")).flatMap { try? ProcStatus(parsing: $0) }?.tgid
    }

    /// The thread ids of the process now.
    var threads: [Int32] { (try? ProcFiles().listNumbers("/proc/\(pid)/task")) ?? [] }

    deinit { unlink(outputPath) }
}

extension Dictionary where Key == String, Value == Any {
    func int(_ key: String) -> Int? { (self[key] as? NSNumber)?.intValue }
    func string(_ key: String) -> String? { self[key] as? String }
}
