import Foundation
import Testing

@testable import SigTrace

/// How a measured command ended: its status, wall time, peak memory and stderr.
struct MeasuredRun {
    var status: SigTrace.ExitStatus?
    /// True when it had to be killed at the timeout.
    var timedOut: Bool
    var seconds: Double
    /// The peak resident set in KB: the larger of the VmHWM samples from /proc/PID/status and wait4's ru_maxrss.
    var peakKB: Int
    var stderr: String
    var stdout: String

    var exitCode: Int32? {
        if case .exited(let code) = status { return code }
        return nil
    }
}

/// Runs a command, sampling its VmHWM every 2 ms and reaping it with wait4 for ru_maxrss; SIGKILLs it after
/// `timeout`, so a hang or a runaway allocation ends the test instead of the machine.
func measure(_ arguments: [String], timeout: Duration = .seconds(10)) throws -> MeasuredRun {
    let base = NSTemporaryDirectory() + "sigscope-measure-\(UUID().uuidString)"
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
    let start = Clocks.monotonicNanoseconds()
    let process = try SpawnedProcess.launch(arguments, options: options)
    let deadline = start + UInt64(timeout.seconds * 1e9)
    var peak = 0
    var timedOut = false
    var waitStatus: Int32 = 0
    var usage = rusage()
    while true {
        if let text = try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kb = Int(line.split(separator: " ").dropFirst().first ?? "") {
            peak = max(peak, kb)
        }
        let reaped = wait4(process.pid, &waitStatus, WNOHANG, &usage)
        if reaped == process.pid { break }
        if Clocks.monotonicNanoseconds() >= deadline {
            timedOut = true
            kill(process.pid, SIGKILL)
            while wait4(process.pid, &waitStatus, 0, &usage) < 0 && errno == EINTR {}
            break
        }
        Clocks.sleep(for: .milliseconds(2))
    }
    let seconds = Double(Clocks.monotonicNanoseconds() - start) / 1e9
    peak = max(peak, Int(usage.ru_maxrss))
    return MeasuredRun(status: ExitStatus(waitStatus: waitStatus), timedOut: timedOut, seconds: seconds, peakKB: peak,
                       stderr: (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? "",
                       stdout: (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? "")
}

/// A scratch directory removed when the value goes away.
final class ScratchDirectory {
    let path: String

    init(_ label: String) throws {
        path = NSTemporaryDirectory() + "sigscope-\(label)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// A FIFO at `name`.
    func fifo(_ name: String) throws -> String {
        let file = "\(path)/\(name)"
        guard mkfifo(file, 0o644) == 0 else { throw FixtureError(message: "mkfifo \(file): errno \(errno)") }
        return file
    }

    /// A sparse file of `size` bytes (holes only: no disk used), optionally starting with `head`.
    func sparse(_ name: String, size: Int, head: [UInt8] = [], mode: mode_t = 0o644) throws -> String {
        let file = "\(path)/\(name)"
        let fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw FixtureError(message: "open \(file): errno \(errno)") }
        defer { close(fd) }
        if !head.isEmpty { _ = head.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } }
        guard ftruncate(fd, off_t(size)) == 0 else { throw FixtureError(message: "ftruncate \(file): errno \(errno)") }
        fchmod(fd, mode)
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
