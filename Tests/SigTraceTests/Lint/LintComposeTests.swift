import Foundation
import Testing

@testable import SigTrace

/// Compose rules on fixtures/lint/compose, the merge of override files, Go durations and Compose's word
/// splitting.
@Suite struct LintComposeTests {
    static let directory = "\(TestPaths.packageRoot)/fixtures/lint/compose"

    static func findings(_ files: [String], shutdown: Duration? = nil) -> [String] {
        let linter = Linter(manifestLint: KubernetesManifestLint(shutdown: shutdown))
        return linter.lintCompose(files: files.map { "\(directory)/\($0)" }).findings.map {
            let file = ($0.file ?? "").split(separator: "/").last.map(String.init) ?? ""
            return "\($0.rule)@\(file):\($0.line ?? 0)"
        }
    }

    @Test func everyRuleOnItsService() {
        #expect(Self.findings(["basic/compose.yaml"]) == [
            "stopsignal-server-mismatch@compose.yaml:5",  // web: nginx with stop_signal SIGTERM
            "interpreter-pid1@compose.yaml:8",  // api: command [node, server.js] replaces the image's CMD
            "shell-form-pid1@compose.yaml:11",  // api-as-built: the Dockerfile's shell-form CMD, at build:
            "shell-form-pid1@compose.yaml:15",  // worker: sh -c "a && b"
            "compose-command-no-shell@compose.yaml:18",  // setup: npm install && npm start, no shell
            "launcher-pid1@compose.yaml:18",  // ... so npm is PID 1 (node's entrypoint execs it)
            "compose-stop-signal-invalid@compose.yaml:21",  // killer: SIGKILL
            "compose-grace-zero@compose.yaml:24",  // cache: 0s
            "compose-invalid@compose.yaml:27",  // queue: 10 without a unit
            "compose-rolling-no-healthcheck@compose.yaml:33",  // rolling: start-first, image unknown
            "compose-rolling-no-healthcheck@compose.yaml:41",  // rolling-built: start-first, no HEALTHCHECK
            "compose-rolling-stop-first@compose.yaml:46",  // single: stop-first, one replica
            // quoted: `nginx -g "daemon off;"` has no shell syntax, and nginx as PID 1 handles its signals and
            // reaps its workers, so no no-init (the image's STOPSIGNAL SIGQUIT applies).
        ])
    }

    @Test func severitiesFollowWhatIsKnown() throws {
        let linter = Linter()
        let findings = linter.lintCompose(files: ["\(Self.directory)/basic/compose.yaml"]).findings
        func severity(_ rule: String, _ line: Int) throws -> Severity {
            try #require(findings.first { $0.rule == rule && $0.line == line }).severity
        }
        #expect(try severity("shell-form-pid1", 15) == .error)
        // The image of `rolling` is not built here and not known: it may define a HEALTHCHECK.
        #expect(try severity("compose-rolling-no-healthcheck", 33) == .info)
        #expect(try severity("compose-rolling-no-healthcheck", 41) == .warning)
        let fromDockerfile = try #require(findings.first { $0.line == 11 })
        #expect(fromDockerfile.message.contains("api/Dockerfile line 4"))
    }

    @Test func overrideFileBesideTheProjectIsMergedIn() {
        // docker-compose.override.yml sets proxy's stop_signal back to SIGTERM over the anchor's SIGQUIT, and
        // replaces app's exec'ing command with a compound one.
        #expect(Self.findings(["override/docker-compose.yml"]) == [
            "stopsignal-server-mismatch@docker-compose.override.yml:4",
            "shell-form-pid1@docker-compose.override.yml:6",
        ])
        let linter = Linter()
        let result = linter.lintFile("\(Self.directory)/override/docker-compose.yml")
        #expect(result.kind == .compose)
        #expect(result.findings.first?.message.contains("set in docker-compose.override.yml line 4") == true)
        // The walk lints the project once, not the override file on its own.
        let walked = Linter.walk("\(Self.directory)/override").map { ($0 as NSString).lastPathComponent }
        #expect(walked == ["docker-compose.yml"])
    }

    @Test func filesMergedInOrderWithResetAndOverride() {
        // base.yaml alone: stop_grace_period 20s against a 50s shutdown.
        #expect(Self.findings(["multi/base.yaml"], shutdown: .seconds(50))
                    == ["compose-grace-budget-exceeded@base.yaml:6"])
        // prod.yaml: stop_grace_period 1m (fits 50s with the 6s margin), stop_signal reset, and the command
        // replaced (!override) by `sh -c` under the init base.yaml turned on.
        #expect(Self.findings(["multi/base.yaml", "multi/prod.yaml"], shutdown: .seconds(50))
                    == ["shell-form-pid1@prod.yaml:5"])
        #expect(Self.findings(["multi/base.yaml", "multi/prod.yaml"], shutdown: .seconds(56))
                    == ["compose-grace-budget-tight@prod.yaml:4", "shell-form-pid1@prod.yaml:5"])
    }

    @Test func composeFilesUnderOtherNamesAreRecognised() {
        let linter = Linter()
        let base = linter.lintFile("\(Self.directory)/multi/base.yaml")
        #expect(base.kind == .compose)
        // prod.yaml alone: its `!reset` stop_signal is simply absent, not a signal named "null".
        let prod = linter.lintFile("\(Self.directory)/multi/prod.yaml")
        #expect(prod.kind == .compose && prod.findings.isEmpty)
        #expect(linter.lintFile("\(TestPaths.packageRoot)/fixtures/lint/k8s/list.yaml").kind == .manifest)
    }

    @Test func mergeRules() throws {
        var file = try ComposeFile(text: """
            services:
              a:
                image: x
                command: ["one", "two"]
                ports: ["80"]
                deploy: {replicas: 2, update_config: {order: start-first}}
            """, file: "base.yaml")
        try file.merge(text: """
            services:
              a:
                command: ["three"]
                ports: ["443"]
                deploy: {update_config: {parallelism: 2}}
              b:
                image: y
            """, file: "over.yaml")
        let a = try #require(file.services.first { $0.name == "a" }?.value)
        #expect(a["command"]?.sequence?.compactMap(\.text) == ["three"])
        #expect(a["ports"]?.sequence?.compactMap(\.text) == ["80", "443"])
        #expect(a["deploy"]?["replicas"]?.text == "2")
        #expect(a["deploy"]?["update_config"]?["order"]?.text == "start-first")
        #expect(a["deploy"]?["update_config"]?["parallelism"]?.location == ComposeFile.Location(file: "over.yaml",
                                                                                                  line: 5))
        #expect(file.services.map(\.name) == ["a", "b"])
        #expect(throws: SigscopeError.self) { try ComposeFile(text: "services: [unclosed\n", file: "bad.yaml") }
        #expect(throws: SigscopeError.self) { try ComposeFile(text: "- a list\n", file: "list.yaml") }
    }

    @Test func interpolationTakesDefaults() {
        #expect(ComposeFile.interpolate("${GRACE:-30s}") == "30s")
        #expect(ComposeFile.interpolate("${GRACE-1m}") == "1m")
        #expect(ComposeFile.interpolate("$$HOME") == "$HOME")
        #expect(ComposeFile.interpolate("${GRACE}") == nil)
        #expect(ComposeFile.interpolate("$GRACE") == nil)
        #expect(ComposeFile.interpolate("10s") == "10s")
    }

    @Test func goDurations() throws {
        #expect(try DurationParser.parseGoDuration("1m30s").seconds == 90)
        #expect(try DurationParser.parseGoDuration("1.5s").seconds == 1.5)
        #expect(try DurationParser.parseGoDuration("300ms").seconds == 0.3)
        #expect(try DurationParser.parseGoDuration("1h").seconds == 3600)
        #expect(try DurationParser.parseGoDuration("0") == .zero)
        for bad in ["10", "", "1d", "s", "1m30"] {
            #expect(throws: SigscopeError.self, "\(bad)") { try DurationParser.parseGoDuration(bad) }
        }
    }

    @Test func stringCommandsSplitWithoutAShell() {
        #expect(ComposeLint.splitWords(#"nginx -g "daemon off;""#) == ["nginx", "-g", "daemon off;"])
        #expect(ComposeLint.splitWords(#"sh -c 'a && b'"#) == ["sh", "-c", "a && b"])
        #expect(ComposeLint.splitWords(#"echo a\ b"#) == ["echo", "a b"])
        #expect(ComposeLint.words("npm install && npm start").contains { $0.text == "&&" && !$0.quoted })
    }

    @Test func containerAppliesOverridesAsDockerDoes() {
        var overrides = ComposeContainer.Overrides()
        let here = ComposeFile.Location(file: "c.yaml", line: 3)
        overrides.entrypoint = (.exec(["/app/run"]), here)
        let container = ComposeContainer(baseText: "FROM debian\nENTRYPOINT [\"/x\"]\nCMD [\"serve\"]\n", image: nil,
                                         dockerfile: "Dockerfile", context: ".", target: nil, overrides: overrides)
        // An entrypoint set by the run drops the image's CMD.
        #expect(container.text.hasSuffix("ENTRYPOINT [\"/app/run\"]\n"))
        #expect(container.overrideLines[container.firstOverrideLine] == here)
        var initOnly = ComposeContainer.Overrides()
        initOnly.initProcess = here
        let wrapped = ComposeContainer(baseText: "FROM debian\nCMD node server.js\n", image: nil, dockerfile: "D",
                                       context: ".", target: nil, overrides: initOnly)
        #expect(wrapped.text.contains("ENTRYPOINT [\"docker-init\",\"--\"]\nCMD node server.js\n"))
        let staged = ComposeContainer.truncated("FROM a AS build\nCMD [\"b\"]\nFROM c\nCMD [\"d\"]\n",
                                                toTarget: "build")
        #expect(staged == "FROM a AS build\nCMD [\"b\"]\n")
    }
}
