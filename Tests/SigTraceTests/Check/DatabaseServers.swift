import Foundation

@testable import SigTrace

/// A real PostgreSQL and a real Redis for a test, on free loopback ports in a temporary directory: Debian's
/// postgresql and redis-server packages, PostgreSQL's cluster made by initdb (trust authentication) and run as
/// the `postgres` user when the tests run as root (setpriv execs it, so the pid is the postmaster's). `stop()`
/// ends both and removes the directory.
final class DatabaseServers {
    let directory: String
    let postgresPort: Int
    let redisPort: Int
    /// PostgreSQL's own log (its stderr): the independent witness of how each client connection ended.
    var postgresLog: String { "\(directory)/postgres.log" }
    private var postgres: SpawnedProcess?
    private var redis: SpawnedProcess?

    /// Why the servers cannot run here, or nil: the binaries and the Python drivers the fixture imports.
    static var missing: String? {
        if postgresBin == nil { return "PostgreSQL (initdb, postgres) is not installed" }
        if !FileManager.default.isExecutableFile(atPath: "/usr/bin/redis-server") {
            return "/usr/bin/redis-server is not installed"
        }
        let drivers = try? run(["/usr/bin/python3", "-c", "import psycopg2, redis"], timeout: .seconds(30))
        if drivers?.exitCode != 0 { return "python3-psycopg2 or python3-redis is not installed" }
        return nil
    }

    /// The newest /usr/lib/postgresql/N/bin holding initdb and postgres.
    static var postgresBin: String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []).compactMap(Int.init).sorted()
        return versions.reversed().map { "\(root)/\($0)/bin" }.first {
            FileManager.default.isExecutableFile(atPath: "\($0)/initdb")
                && FileManager.default.isExecutableFile(atPath: "\($0)/postgres")
        }
    }

    /// A cluster made once by initdb and copied for each test (initdb takes seconds on a busy machine).
    private static func template(bin: String, asPostgres: Bool) throws -> String {
        let template = "\(Fixtures.outputDirectory)/postgres-template"
        if FileManager.default.fileExists(atPath: "\(template)/PG_VERSION") { return template }
        try? FileManager.default.removeItem(atPath: template)
        try FileManager.default.createDirectory(atPath: Fixtures.outputDirectory, withIntermediateDirectories: true)
        let building = "\(template).\(getpid())"
        var command = ["\(bin)/initdb", "-D", building, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]
        if asPostgres {
            try FileManager.default.createDirectory(atPath: building, withIntermediateDirectories: true)
            _ = try run(["chown", "postgres:", building])
            command = Self.asPostgres + command
        }
        let result = try run(command, directory: "/", timeout: .seconds(180))
        guard result.exitCode == 0 else { throw FixtureError(message: "initdb failed: \(result.stderr)") }
        try FileManager.default.moveItem(atPath: building, toPath: template)
        return template
    }

    init() throws {
        guard let bin = Self.postgresBin else { throw FixtureError(message: "PostgreSQL is not installed") }
        let asPostgres = getuid() == 0
        directory = NSTemporaryDirectory() + "sigscope-db-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let template = try Self.template(bin: bin, asPostgres: asPostgres)
        let data = "\(directory)/data"
        _ = try run(["cp", "-a", template, data])
        if asPostgres { _ = try run(["chown", "-R", "postgres:", directory]) }
        postgresPort = freePort()
        redisPort = freePort()
        let log = open(postgresLog, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        if asPostgres { _ = try run(["chown", "postgres:", postgresLog]) }
        defer { close(log) }
        var options = SpawnedProcess.Options()
        options.stdout = log
        options.stderr = log
        options.newProcessGroup = true
        let server = ["\(bin)/postgres", "-D", data, "-p", "\(postgresPort)", "-k", directory,
                      "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
        postgres = try SpawnedProcess.launch(asPostgres ? Self.asPostgres + server : server, options: options)
        var quiet = SpawnedProcess.Options()
        let null = open("/dev/null", O_WRONLY | O_CLOEXEC)
        defer { close(null) }
        quiet.stdout = null
        quiet.stderr = null
        quiet.newProcessGroup = true
        redis = try SpawnedProcess.launch(["/usr/bin/redis-server", "--port", "\(redisPort)", "--bind", "127.0.0.1",
                                           "--save", "", "--appendonly", "no", "--dir", directory], options: quiet)
        let deadline = Date().addingTimeInterval(60)
        while !(tcpAccepts(port: postgresPort) && tcpAccepts(port: redisPort)
                && ((try? String(contentsOfFile: postgresLog, encoding: .utf8)) ?? "")
                    .contains("ready to accept connections")) {
            guard Date() < deadline else {
                stop()
                throw FixtureError(message: "PostgreSQL or Redis did not start within 60 s")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// Runs a command as the postgres user, without a process in between.
    static let asPostgres = ["setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"]

    deinit { stop() }

    /// Ends both servers and removes the directory. SIGQUIT is PostgreSQL's immediate shutdown: the postmaster
    /// ends its backends (each in a process group of its own) before it exits.
    func stop() {
        if let postgres {
            postgres.send(.quit)
            postgres.killAndReap(after: .seconds(5))
        }
        if let redis {
            redis.send(.term)
            redis.killAndReap(after: .seconds(3))
        }
        postgres = nil
        redis = nil
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// PostgreSQL's log lines from `offset` on, waiting up to `seconds` for one containing `text` (a backend
    /// writes its line after it reads the EOF).
    func postgresLog(from offset: Int, waitingFor text: String, seconds: Double) -> String {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let log = String(((try? String(contentsOfFile: postgresLog, encoding: .utf8)) ?? "").dropFirst(offset))
            if log.contains(text) || Date() >= deadline { return log }
            Thread.sleep(forTimeInterval: 0.05)
        }
    }

    /// The log's length now, to read only what comes after.
    var postgresLogLength: Int { ((try? String(contentsOfFile: postgresLog, encoding: .utf8)) ?? "").count }
}
