import Foundation
import Testing

@testable import SigTrace

/// Dockerfile rules on the fixtures under fixtures/lint/docker: each file's findings as (rule, line).
@Suite struct LintDockerfileTests {
    static let directory = "\(TestPaths.packageRoot)/fixtures/lint/docker"

    static func findings(_ name: String) -> [String] {
        let file = Linter().lintFile("\(directory)/\(name)")
        #expect(file.kind == .dockerfile)
        return file.findings.map { "\($0.rule)@\($0.line ?? 0)" }
    }

    static let expected: [(String, [String])] = [
        ("shell-form.Dockerfile", ["shell-form-pid1@3"]),
        ("multi-stage.Dockerfile", ["shell-form-pid1@14"]),
        ("exec-prefix.Dockerfile", []),
        ("invalid-json.Dockerfile", ["exec-form-invalid-json@3", "shell-form-pid1@3"]),
        ("entrypoint-script.Dockerfile", ["entrypoint-script-no-exec@4"]),
        ("entrypoint-exec.Dockerfile", ["no-init@5"]),
        ("stopsignal-invalid.Dockerfile", ["stopsignal-invalid@2", "no-init@3"]),
        ("stopsignal-kill.Dockerfile", ["no-init@2", "stopsignal-invalid@3"]),
        ("nginx-term.Dockerfile", ["stopsignal-server-mismatch@3"]),
        ("nginx-debian.Dockerfile", ["no-init@3", "stopsignal-server-mismatch@3"]),
        ("nginx-official.Dockerfile", []),
        ("node-pid1.Dockerfile", ["interpreter-pid1@4"]),
        ("tini.Dockerfile", []),
        ("suppressed.Dockerfile", []),
        ("no-from.Dockerfile", ["dockerfile-no-from@1"]),
    ]

    @Test(arguments: expected.map(\.0))
    func fixtureFindings(name: String) {
        let want = Self.expected.first { $0.0 == name }!.1
        #expect(Self.findings(name) == want, "\(name)")
    }

    @Test func everyDockerfileRuleHasAFixture() {
        let covered = Set(Self.expected.flatMap(\.1).map { String($0.split(separator: "@")[0]) })
        #expect(!Rule.dockerfileRules.isEmpty)
        for rule in Rule.dockerfileRules { #expect(covered.contains(rule.id), "\(rule.id)") }
    }

    @Test func severitiesFollowTheShell() {
        let simple = Linter().lintFile("\(Self.directory)/shell-form.Dockerfile").findings[0]
        let compound = Linter().lintFile("\(Self.directory)/multi-stage.Dockerfile").findings[0]
        #expect(simple.severity == .warning)
        #expect(compound.severity == .error)
        #expect(compound.message.contains("compound"))
    }

    @Test func suppressedFindingIsCounted() {
        let file = Linter().lintFile("\(Self.directory)/suppressed.Dockerfile")
        #expect(file.findings.isEmpty)
        #expect(file.suppressed == 1)
    }

    @Test func parserJoinsContinuationsAndSkipsHeredocsAndEscapeDirective() {
        let text = "# escape=`\nFROM windows AS base\nRUN echo a `\n  # comment inside\n  b\nRUN <<EOF\nCMD no\nEOF\n"
            + "CMD [\"app\", \"--flag\"]\n"
        let file = Dockerfile(text: text)
        let keywords = file.stages.last!.instructions.map(\.keyword)
        #expect(keywords == ["RUN", "RUN", "CMD"])
        #expect(file.stages.last!.instructions[0].arguments == "echo a b")
        #expect(file.stages.last!.instructions[2].line == 9)
        #expect(file.stages.last!.instructions[2].execForm.arguments == ["app", "--flag"])
        #expect(file.stages.last!.name == "base")
    }

    @Test func finalStageInheritsFromEarlierStage() {
        let text = "FROM nginx:1.27 AS web\nSTOPSIGNAL SIGTERM\nFROM web\nCOPY a /a\n"
        let findings = DockerfileLint(context: "/").lint(Dockerfile(text: text), display: "D")
        #expect(findings.map(\.rule) == ["stopsignal-server-mismatch"])
        #expect(findings.first?.line == 2)
    }

    @Test func shellCommandShapes() {
        #expect(LintShellCommand(script: "exec app --x").shape == .execs)
        #expect(LintShellCommand(script: "app --x").shape == .simple)
        #expect(LintShellCommand(script: "migrate && app").shape == .compound)
        #expect(LintShellCommand(script: "migrate && exec app").shape == .execs)
        #expect(LintShellCommand(script: "app | tee log").shape == .compound)
        #expect(LintShellCommand(script: "echo 'a;b'").shape == .simple)
        #expect(LintShellCommand.script(ofArguments: ["/bin/sh", "-ec", "x"]) == "x")
        #expect(LintShellCommand.script(ofArguments: ["python", "-c", "x"]) == nil)
    }
}
