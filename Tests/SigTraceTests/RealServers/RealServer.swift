import Foundation
import Testing

@testable import SigTrace

/// A real server from Debian, configured in a temporary directory to listen on a loopback port: what the
/// real-server tests start, inspect, stop and check. Nothing here outlives the test: `Running` kills the server's
/// process group, and the directory is removed.
final class RealServer {
    let name: String
    let directory: String
    let port: Int
    /// The command line that starts it in the foreground.
    let arguments: [String]

    /// Prepares `name`: nil, with the reason printed, when its executable is not installed (install it with
    /// scripts/install-deps). `setup` writes its configuration into the directory and returns its command line.
    static func prepare(_ name: String, executable: String,
                        setup: (_ directory: String, _ port: Int) throws -> [String]) throws -> RealServer? {
        guard FileManager.default.isExecutableFile(atPath: executable)
                || SpawnedProcess.resolve(executable) != nil else {
            print("RealServerTests: \(executable) is not installed (scripts/install-deps installs it): "
                  + "skipping \(name)")
            return nil
        }
        let directory = NSTemporaryDirectory() + "sigscope-real-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let port = freePort()
        return RealServer(name: name, directory: directory, port: port, arguments: try setup(directory, port))
    }

    private init(name: String, directory: String, port: Int, arguments: [String]) {
        self.name = name
        self.directory = directory
        self.port = port
        self.arguments = arguments
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// The server's output, for failure messages.
    var output: String { (try? String(contentsOfFile: "\(directory)/output.log", encoding: .utf8)) ?? "" }

    /// Starts it in its own process group, waits until its port accepts a connection and its dispositions have
    /// settled (servers install handlers after they listen), and returns it.
    func start(timeout: Duration = .seconds(30)) throws -> Running {
        let fd = open("\(directory)/output.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer { close(fd) }
        var options = SpawnedProcess.Options()
        options.newProcessGroup = true
        options.stdout = fd
        options.stderr = fd
        let server = try Running(arguments, options: options)
        guard waitUntil(timeout: timeout, { self.accepts() || server.process.poll() != nil }), accepts() else {
            throw FixtureError(message: "\(name) did not listen on 127.0.0.1:\(port): \(output)")
        }
        _ = StableForecast().settle(server.pid)
        return server
    }

    /// True when 127.0.0.1:port accepts a TCP connection.
    func accepts() -> Bool { tcpAccepts(port: port) }

    /// Sends `signal` and waits up to `within` for the exit: the status and the seconds it took, or nil when the
    /// server was still running then (it is left to the caller, whose `Running` kills it).
    func stop(_ server: Running, with signal: Signal, within: Duration) -> (status: SigTrace.ExitStatus, seconds: Double)? {
        let start = Clocks.monotonicNanoseconds()
        kill(server.pid, signal.rawValue)
        var status: SigTrace.ExitStatus?
        waitUntil(timeout: within) {
            status = server.process.poll()
            return status != nil
        }
        guard let status else { return nil }
        return (status, Double(Clocks.monotonicNanoseconds() - start) / 1e9)
    }

    /// Ends a server started by `start` and everything in its process group (uWSGI's respawned workers hold the
    /// port), so the next start can listen again.
    func end(_ server: Running) {
        kill(-server.pid, SIGKILL)
        _ = server.process.killAndReap()
        waitUntil(timeout: .seconds(5)) { !self.accepts() }
    }

    /// `sigscope check --format json` on a fresh copy of the server, ready once its port accepts.
    func check(grace: String, _ extra: [String] = []) throws -> CheckRun {
        try CheckRun(["--grace", grace, "--ready", "tcp:127.0.0.1:\(port)"] + extra + ["--"] + arguments)
    }

    func write(_ relativePath: String, _ text: String) throws {
        try text.write(toFile: "\(directory)/\(relativePath)", atomically: true, encoding: .utf8)
    }
}

/// True when 127.0.0.1:PORT accepts a TCP connection.
func tcpAccepts(port: Int) -> Bool {
    guard let fd = connectLoopback(port) else { return false }
    close(fd)
    return true
}

/// A TCP connection to 127.0.0.1:port, nil when refused.
func connectLoopback(_ port: Int) -> Int32? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
    }
    guard connected == 0 else {
        close(fd)
        return nil
    }
    return fd
}

/// The findings of an inspect report as `severity:rule`.
func severityRules(_ report: ProcessReport) -> [String] {
    report.findings.map { "\($0.severity.rawValue):\($0.rule)" }
}

extension CheckRun {
    /// The findings as `severity:rule`.
    var severityRules: [String] {
        (json["findings"] as? [[String: Any]] ?? []).compactMap { finding in
            guard let rule = finding["rule"] as? String, let severity = finding["severity"] as? String else {
                return nil
            }
            return "\(severity):\(rule)"
        }
    }

    /// Every hint, joined.
    var hints: String {
        (json["findings"] as? [[String: Any]] ?? []).compactMap { $0["hint"] as? String }.joined(separator: "\n")
    }

    /// Every message, joined.
    var messages: String {
        (json["findings"] as? [[String: Any]] ?? []).compactMap { $0["message"] as? String }.joined(separator: "\n")
    }
}
