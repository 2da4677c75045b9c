import Foundation
import Testing

@testable import SigTrace

/// The knowledge base as data: every fact sourced, lookups by executable, comm, command line and image.
@Suite struct KnowledgeTests {
    @Test func everyEntryIsUniqueAndSourced() throws {
        let ids = ProgramKnowledge.entries.map(\.id)
        #expect(Set(ids).count == ids.count, "duplicate ids: \(ids)")
        for entry in ProgramKnowledge.entries {
            #expect(!entry.signals.isEmpty, "\(entry.id) says nothing about any signal")
            var sources = entry.signals.map(\.source) + entry.settings.map(\.source) + entry.notes.map(\.source)
            sources += [entry.reapsChildren?.source, entry.handlesStopSignalAsPID1?.source,
                        entry.execsLastCommand?.source, entry.forwardsStopSignal?.source,
                        entry.platformStopSignal?.source].compactMap { $0 }
            for source in sources {
                switch source {
                case .documented(let url):
                    #expect(url.hasPrefix("https://") || url.hasPrefix("http://"), "\(entry.id): \(url)")
                case .measured(let test):
                    #expect(test.split(separator: "/").count == 2, "\(entry.id): \(test)")
                }
            }
        }
    }

    /// A fact "measured here" names a test that exists: `Suite/test` is a `func test(` in a file declaring
    /// `struct Suite`.
    @Test func measuredFactsNameRealTests() throws {
        var names = Set<String>()
        for entry in ProgramKnowledge.entries {
            let sources = entry.signals.map(\.source) + entry.notes.map(\.source)
                + [entry.handlesStopSignalAsPID1?.source, entry.execsLastCommand?.source,
                   entry.forwardsStopSignal?.source].compactMap { $0 }
            for case .measured(let test) in sources { names.insert(test) }
        }
        #expect(!names.isEmpty)
        let directory = "\(TestPaths.packageRoot)/Tests/SigTraceTests"
        let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") } ?? []
        let sources = try files.map { try String(contentsOfFile: "\(directory)/\($0)", encoding: .utf8) }
        for name in names {
            let parts = name.split(separator: "/").map(String.init)
            let found = sources.contains { $0.contains("struct \(parts[0])") && $0.contains("func \(parts[1])(") }
            #expect(found, "no test \(name) backs a fact")
        }
    }

    @Test func findsServersByExecutableAndComm() {
        #expect(ProgramKnowledge.program(executable: "/usr/sbin/nginx")?.id == "nginx")
        #expect(ProgramKnowledge.program(executable: "/usr/sbin/php-fpm8.2")?.id == "php-fpm")
        #expect(ProgramKnowledge.program(executable: "/usr/lib/postgresql/15/bin/postgres")?.id == "postgresql")
        #expect(ProgramKnowledge.program(executable: "/usr/sbin/apache2")?.id == "apache-httpd")
        #expect(ProgramKnowledge.program(executable: "/usr/bin/python3.11")?.id == "python")
        #expect(ProgramKnowledge.program(executable: "/usr/bin/pythonista") == nil)
        #expect(ProgramKnowledge.program(comm: "redis-server")?.id == "redis")
        #expect(ProgramKnowledge.program(comm: "opentelemetry-i")?.id == "opentelemetry-instrument")
        #expect(ProgramKnowledge.program(comm: "myapp") == nil)
    }

    @Test func seesThroughInterpreters() {
        #expect(ProgramKnowledge.program(commandLine: ["/usr/bin/python3", "/usr/local/bin/gunicorn", "app:app"])?
            .id == "gunicorn")
        #expect(ProgramKnowledge.program(commandLine: ["python3", "-u", "-m", "uvicorn", "main:app"])?.id == "uvicorn")
        #expect(ProgramKnowledge.program(commandLine: ["node", "--require=x.js", "server.js"])?.id == "node")
        #expect(ProgramKnowledge.program(commandLine: ["/usr/bin/node", "/usr/lib/node_modules/npm/bin/npm-cli.js",
                                                       "start"])?.id == "npm")
        #expect(ProgramKnowledge.program(commandLine: ["tini", "--", "nginx"])?.id == "tini")
        // A script's shebang sets comm to the script's name: supervisord's comm names it although argv[0] is python.
        #expect(ProgramKnowledge.program(executable: "/usr/bin/python3.11", comm: "supervisord",
                                         commandLine: ["/usr/bin/python3", "/usr/bin/supervisord", "-n"])?
            .id == "supervisord")
        #expect(ProgramKnowledge.program(executable: "/usr/bin/python3.11", comm: "python3",
                                         commandLine: ["python3", "app.py"])?.id == "python")
        #expect(ProgramKnowledge.program(runtime: .node)?.id == "node")
    }

    @Test func stopSignalsOfServers() throws {
        let nginx = try #require(ProgramKnowledge.program(id: "nginx"))
        #expect(nginx.gracefulStop?.signal == .quit)
        #expect(nginx.fastStop?.signal == .term)
        #expect(nginx.recommendedStopSignal == .quit && nginx.needsStopSignalChange)
        let postgres = try #require(ProgramKnowledge.program(id: "postgresql"))
        #expect(postgres.gracefulStop?.signal == .term)
        #expect(postgres.recommendedStopSignal == .int)
        let gunicorn = try #require(ProgramKnowledge.program(id: "gunicorn"))
        #expect(gunicorn.recommendedStopSignal == .term && !gunicorn.needsStopSignalChange)
        let uwsgi = try #require(ProgramKnowledge.program(id: "uwsgi"))
        #expect(uwsgi.meaning(of: .term)?.effect == .reload)
        #expect(uwsgi.meaning(of: .term)?.effect.stopsProgram == false)
        #expect(ProgramKnowledge.program(id: "apache-httpd")?.recommendedStopSignal == .winch)
        #expect(ProgramKnowledge.program(id: "haproxy")?.recommendedStopSignal == .usr1)
        #expect(ProgramKnowledge.program(id: "php-fpm")?.recommendedStopSignal == .quit)
        #expect(ProgramKnowledge.program(id: "lighttpd")?.recommendedStopSignal == .int)
        #expect(ProgramKnowledge.program(id: "redis")?.recommendedStopSignal == .term)
    }

    @Test func officialImagesStopSignalByTag() throws {
        func signal(_ reference: String) -> Signal? {
            ProgramKnowledge.officialImage(reference).map { $0.image.stopSignal(forTag: $0.tag) }
        }
        #expect(signal("nginx") == .quit)
        #expect(signal("nginx:latest") == .quit)
        #expect(signal("nginx:1.17-alpine") == .term)
        #expect(signal("nginx:1.19.2") == .term)
        #expect(signal("nginx:1.19") == .quit)
        #expect(signal("nginx:1.19.5-alpine") == .quit)
        #expect(signal("nginx:1.18.0") == .quit)
        #expect(signal("nginx:1.25") == .quit)
        #expect(signal("docker.io/library/nginx:1.15@sha256:abcd") == .term)
        #expect(signal("postgres:9.4") == .term)
        #expect(signal("postgres:16-alpine") == .int)
        #expect(signal("httpd:2.4.39") == .term)
        #expect(signal("httpd:2.4") == .winch)
        #expect(signal("haproxy:2.8") == .usr1)
        #expect(signal("redis:7") == .term)
        #expect(signal("myregistry.example.com/nginx:1.25") == nil)
        #expect(ProgramKnowledge.officialImage("php:8.3-fpm")?.image.programID == "php-fpm")
    }

    @Test func baseImagesNameTheirShell() {
        #expect(ProgramKnowledge.baseImage("alpine:3.20")?.shell.value == .busyboxAsh)
        #expect(ProgramKnowledge.baseImage("debian:bookworm-slim")?.shell.value == .dash)
        #expect(ProgramKnowledge.baseImage("ubuntu")?.shell.value == .dash)
        #expect(ProgramKnowledge.baseImage("gcr.io/distroless/static-debian12:nonroot")?.shell.value == ImageShell.none)
        #expect(ProgramKnowledge.baseImage("registry.access.redhat.com/ubi9/ubi-minimal")?.shell.value == .bash)
        #expect(ProgramKnowledge.baseImage("node:20") == nil)
        #expect(ImageShell.dash.program?.execsLastCommand?.value == false)
    }

    @Test func adviceNamesTheProgramsOwnSignalAndSettings() throws {
        let nginx = StopAdvice(program: try #require(ProgramKnowledge.program(id: "nginx")), sentSignal: .term)
        #expect(nginx.wrongSignal)
        #expect(nginx.sentMeaning == "TERM is nginx's fast shutdown")
        #expect(nginx.hint.contains("SIGQUIT (graceful shutdown)"))
        #expect(nginx.hint.contains("STOPSIGNAL SIGQUIT") && nginx.hint.contains("KillSignal=SIGQUIT")
                && nginx.hint.contains("lifecycle.stopSignal: SIGQUIT"))
        #expect(nginx.hint.contains("worker_shutdown_timeout"))
        let gunicorn = StopAdvice(program: try #require(ProgramKnowledge.program(id: "gunicorn")), sentSignal: .term)
        #expect(!gunicorn.wrongSignal)
        #expect(!gunicorn.hint.contains("STOPSIGNAL"))
        #expect(gunicorn.hint.contains("--graceful-timeout"))
        let go = StopAdvice(program: try #require(ProgramKnowledge.program(id: "go")), sentSignal: .term)
        #expect(go.hint.hasPrefix("Go: signal.NotifyContext"))
    }
}
