import Foundation
import Testing

@testable import SigTrace

/// systemd unit rules on fixtures/lint/systemd, the unit parser (continuations, comments, prefixes, quoting),
/// drop-in merging, systemd time spans, and the units Debian packages installed on this machine.
@Suite struct LintSystemdTests {
    static let directory = "\(TestPaths.packageRoot)/fixtures/lint/systemd"

    static func findings(_ name: String, shutdown: Duration? = nil) -> [String] {
        let linter = Linter(manifestLint: KubernetesManifestLint(shutdown: shutdown))
        return linter.lintFile("\(directory)/\(name)").findings.map {
            "\($0.rule)@\(($0.file ?? "").hasSuffix(".conf") ? "dropin:" : "")\($0.line ?? 0)"
        }
    }

    static let expected: [(String, [String])] = [
        ("killmode-none.service", ["systemd-killmode-none@6"]),
        ("killmode-process.service", ["systemd-killmode-process@4"]),
        ("nginx-term.service", ["systemd-killsignal-server-mismatch@6"]),
        ("killsignal-kill.service", ["systemd-killsignal-invalid@3"]),
        ("final-kill.service", ["systemd-final-kill-signal@4"]),
        ("final-kill-term.service", ["systemd-final-kill-signal@3"]),
        ("sendsigkill.service", ["systemd-sendsigkill-no@4"]),
        ("sendsighup.service", ["systemd-sendsighup-reload@4"]),
        ("timeout-infinity.service", ["systemd-stop-timeout-infinite@4"]),
        ("budget.service", []),
        ("budget-default.service", []),
        ("execstop-kill.service", ["systemd-execstop-async@3"]),
        ("execstop-same.service", ["systemd-execstop-async@3"]),
        ("execstop-waits.service", []),
        ("execstop-true.service", ["systemd-execstop-no-stop@3"]),
        ("forking.service", ["systemd-forking-no-pidfile@2"]),
        ("forking-noguess.service", ["systemd-forking-no-pidfile@2"]),
        ("shell.service", ["systemd-execstart-shell@4"]),
        ("shell-exec.service", []),
        ("reload-stops.service", ["systemd-execreload-stops@4"]),
        ("invalid.service", ["systemd-unit-invalid@1", "systemd-unit-invalid@4", "systemd-unit-invalid@5",
                             "systemd-unit-invalid@6", "systemd-unit-invalid@7"]),
        ("suppressed.service", []),
        ("oneshot.service", []),
        // The drop-ins replace ExecStart= with nginx (20-nginx.conf line 4) and the timeout (10-timeout.conf).
        ("app.service", ["systemd-killsignal-server-mismatch@dropin:4"]),
    ]

    @Test(arguments: expected.map(\.0))
    func fixtureFindings(name: String) {
        let want = Self.expected.first { $0.0 == name }!.1
        #expect(Self.findings(name) == want, "\(name)")
    }

    @Test func severitiesFollowTheFacts() throws {
        let linter = Linter()
        func severity(_ name: String) throws -> Severity {
            try #require(linter.lintFile("\(Self.directory)/\(name)").findings.first).severity
        }
        // No ExecStop= with KillMode=none: nothing stops the service at all.
        #expect(try severity("killmode-none.service") == .error)
        // nginx with Restart=always: a crashed master leaves its workers beside the new one.
        #expect(try severity("killmode-process.service") == .warning)
        // GuessMainPID=no with KillMode=mixed: there is no main process to send SIGTERM to.
        #expect(try severity("forking-noguess.service") == .warning)
        #expect(try severity("forking.service") == .info)
        #expect(try severity("execstop-true.service") == .info)
    }

    @Test func stopBudgetAgainstTimeoutStopSec() {
        // budget.service: TimeoutStopSec=1min 30s, margin max(2s, 10%) = 9s.
        #expect(Self.findings("budget.service", shutdown: .seconds(80)) == [])
        #expect(Self.findings("budget.service", shutdown: .seconds(85)) == ["systemd-stop-budget-tight@3"])
        #expect(Self.findings("budget.service", shutdown: .seconds(95)) == ["systemd-stop-budget-exceeded@3"])
        // No TimeoutStopSec=: systemd's default of 90 s, pointed at the [Service] header.
        #expect(Self.findings("budget-default.service", shutdown: .seconds(91)) == ["systemd-stop-budget-exceeded@1"])
        // The drop-in's TimeoutSec=5s overrides the unit's TimeoutStopSec=90.
        #expect(Self.findings("app.service", shutdown: .seconds(6))
                    == ["systemd-stop-budget-exceeded@dropin:2", "systemd-killsignal-server-mismatch@dropin:4"])
        // infinity never runs out.
        #expect(Self.findings("timeout-infinity.service", shutdown: .seconds(600))
                    == ["systemd-stop-timeout-infinite@4"])
    }

    @Test func budgetFromACheckReport() throws {
        let report = try LintCheckReport(json: Data(#"{"verdict":"pass","shutdown_seconds":19.5}"#.utf8),
                                         source: "r.json")
        let manifestLint = KubernetesManifestLint(shutdown: report.budgetedShutdown,
                                                  shutdownSource: "measured in r.json")
        let findings = Linter(manifestLint: manifestLint).lintFile("\(Self.directory)/sendsigkill.service").findings
        let budget = try #require(findings.first { $0.rule == "systemd-stop-budget-tight" })
        #expect(budget.message.contains("shutdown 19.5s (measured in r.json)"))
        #expect(budget.message.contains("TimeoutStopSec=20s"))
    }

    @Test func parserJoinsContinuationsAndSkipsComments() {
        let unit = SystemdUnit(text: """
            # comment
            ; another
            [Unit]
            Description=one \\
              two \\
            # skipped inside the continuation
              three
            [Service]
            ExecStart = /bin/prog  --flag\t
            Environment=A=1
            """, path: "u.service")
        // The backslash becomes a space beside the one before it, as in systemd's parser.
        #expect(unit.last("Description", in: "Unit")?.value == "one  two  three")
        #expect(unit.last("Description", in: "Unit")?.line == 4)
        #expect(unit.last("ExecStart")?.value == "/bin/prog  --flag")
        #expect(unit.last("Environment")?.value == "A=1")
        #expect(unit.problems.isEmpty)
    }

    @Test func dropInsOverrideAndEmptyAssignmentsReset() {
        var unit = SystemdUnit(text: "[Service]\nExecStart=/bin/a\nExecStop=/bin/x\nTimeoutStopSec=30\n",
                               path: "u.service")
        unit.applyDropIn(text: "[Service]\nExecStart=\nExecStart=/bin/b\nExecStop=/bin/y\n", path: "10.conf")
        unit.applyDropIn(text: "[Service]\nTimeoutStopSec=\n", path: "20.conf")
        #expect(unit.list("ExecStart").map(\.value) == ["/bin/b"])
        #expect(unit.list("ExecStop").map(\.value) == ["/bin/x", "/bin/y"])
        #expect(unit.last("TimeoutStopSec") == nil)
        let settings = SystemdStopSettings(unit)
        #expect(settings.stopTimeoutSeconds == 90)
        #expect(settings.execStart.first?.assignment.file == "10.conf")
    }

    @Test func dropInDirectoriesInSystemdOrder() throws {
        let root = NSTemporaryDirectory() + "sigscope-dropins-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        for directory in ["web-.service.d", "web-app@.service.d", "web-app@blue.service.d"] {
            try fm.createDirectory(atPath: "\(root)/\(directory)", withIntermediateDirectories: true)
        }
        try "[Service]\nTimeoutStopSec=1\n".write(toFile: "\(root)/web-.service.d/50-a.conf", atomically: true,
                                                   encoding: .utf8)
        try "[Service]\nTimeoutStopSec=2\n".write(toFile: "\(root)/web-app@.service.d/10-b.conf", atomically: true,
                                                   encoding: .utf8)
        try "[Service]\nTimeoutStopSec=3\n".write(toFile: "\(root)/web-app@blue.service.d/50-a.conf",
                                                   atomically: true, encoding: .utf8)
        try "not a drop-in".write(toFile: "\(root)/web-app@blue.service.d/README", atomically: true, encoding: .utf8)
        let found = Linter.dropIns(forUnit: "\(root)/web-app@blue.service").map {
            $0.split(separator: "/").suffix(2).joined(separator: "/")
        }
        // Sorted by file name; the instance's own 50-a.conf replaces the prefix directory's.
        #expect(found == ["web-app@.service.d/10-b.conf", "web-app@blue.service.d/50-a.conf"])
    }

    @Test func commandLinesSplitAsSystemdSplitsThem() {
        let commands = SystemdCommand.parse(#"-@/usr/sbin/nginx nginx -g "daemon off; master_process on;" ; /bin/true"#)
        #expect(commands.count == 2)
        #expect(commands[0].prefixes == "-@")
        #expect(commands[0].executable == "/usr/sbin/nginx")
        #expect(commands[0].arguments == ["-g", "daemon off; master_process on;"])
        #expect(commands[0].failureIgnored)
        #expect(commands[1].programName == "true")
        let quoted = SystemdCommand.parse(#"/bin/sh -c 'echo "%i" $MAINPID ${X}' \; done"#)
        #expect(quoted.first?.words == ["/bin/sh", "-c", #"echo "%i" $MAINPID ${X}"#, "\\;", "done"])
    }

    @Test func stopCommandsClassified() {
        func classify(_ text: String) -> SystemdStopCommand { SystemdStopCommand.classify(SystemdCommand.parse(text)[0]) }
        #expect(classify("/bin/kill -s QUIT $MAINPID")
                    == .signalsAndReturns(signal: .quit, targetsMainPID: true, how: "kill"))
        #expect(classify("/bin/kill -HUP ${MAINPID}")
                    == .signalsAndReturns(signal: .hup, targetsMainPID: true, how: "kill"))
        #expect(classify("/sbin/start-stop-daemon --quiet --stop --retry QUIT/5 --pidfile /run/nginx.pid") == .waits)
        #expect(classify("/sbin/start-stop-daemon --stop --signal INT --pidfile /run/x.pid")
                    == .signalsAndReturns(signal: .int, targetsMainPID: false, how: "start-stop-daemon --stop"))
        #expect(classify("/usr/sbin/nginx -s quit")
                    == .signalsAndReturns(signal: .quit, targetsMainPID: false, how: "nginx -s quit"))
        #expect(classify("/usr/sbin/apachectl graceful-stop")
                    == .signalsAndReturns(signal: .winch, targetsMainPID: false, how: "apachectl graceful-stop"))
        #expect(classify("/bin/sh -c 'kill -QUIT $MAINPID; while kill -0 $MAINPID; do sleep 1; done'") == .waits)
        #expect(classify("/usr/bin/pg_ctlcluster 15 main stop -m fast") == .unknown)
        #expect(classify("/bin/true") == .noOp)
    }

    @Test func systemdTimeSpans() throws {
        func seconds(_ text: String) throws -> Double? {
            switch try DurationParser.parseSystemdTimeSpan(text) {
            case .infinity: nil
            case .finite(let duration): duration.seconds
            }
        }
        #expect(try seconds("90") == 90)
        #expect(try seconds("1min 30s") == 90)
        #expect(try seconds("1min30s") == 90)
        #expect(try seconds("2h") == 7200)
        #expect(try seconds("1.5s") == 1.5)
        #expect(try seconds("500ms") == 0.5)
        #expect(try seconds("5 min") == 300)
        #expect(try seconds("1M") == 2_629_800)
        #expect(try seconds("infinity") == nil)
        #expect(throws: SigscopeError.self) { try DurationParser.parseSystemdTimeSpan("5 parsecs") }
        #expect(throws: SigscopeError.self) { try DurationParser.parseSystemdTimeSpan("") }
        #expect(throws: SigscopeError.self) { try DurationParser.parseSystemdTimeSpan("-5s") }
    }

    /// Every service unit Debian packages installed here is linted without a crash, as a unit; the units whose
    /// findings were judged by hand keep their verdicts while they are installed.
    @Test func debianUnitsOnThisMachine() throws {
        let directory = "/lib/systemd/system"
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".service") }.sorted()
        guard !names.isEmpty else {
            print("skipped: no unit files in \(directory) on this machine")
            return
        }
        let linter = Linter()
        var rules: [String: [String]] = [:]
        for name in names {
            let result = linter.lintFile("\(directory)/\(name)")
            #expect(result.kind == .systemd, "\(name)")
            rules[name] = result.findings.filter { $0.severity >= .warning }.map(\.rule)
        }
        // Debian's nginx.service stops with start-stop-daemon --retry QUIT/5: graceful and synchronous.
        if let nginx = rules["nginx.service"] { #expect(nginx.isEmpty) }
        // postgresql@.service stops through pg_ctlcluster -m fast stop, which waits.
        if let postgres = rules["postgresql@.service"] { #expect(postgres.isEmpty) }
        // sshd's KillMode=process keeps login sessions alive across restarts: information, not a warning.
        if let ssh = rules["ssh.service"] { #expect(ssh.isEmpty) }
        // apachectl graceful-stop signals httpd and returns; systemd's SIGTERM follows at once.
        if let apache = rules["apache2.service"] { #expect(apache == ["systemd-execstop-async"]) }
        print("linted \(names.count) Debian units: \(rules.values.map(\.count).reduce(0, +)) warnings and errors")
    }
}
