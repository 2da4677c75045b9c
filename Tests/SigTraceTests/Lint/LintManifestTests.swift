import Foundation
import Testing

@testable import SigTrace

/// Kubernetes rules on fixtures/lint/k8s, the grace budget with a measured shutdown, suppression and the
/// check report reader.
@Suite struct LintManifestTests {
    static let directory = "\(TestPaths.packageRoot)/fixtures/lint/k8s"

    static func findings(_ name: String, shutdown: Duration? = nil, suppression: Suppression = Suppression())
        -> [String] {
        let linter = Linter(manifestLint: KubernetesManifestLint(shutdown: shutdown), suppression: suppression)
        return linter.lintFile("\(directory)/\(name)").findings.map { "\($0.rule)@\($0.line ?? 0)" }
    }

    static let expected: [(String, [String])] = [
        ("grace-zero.yaml", ["grace-period-zero@8"]),
        ("prestop.yaml", ["prestop-exceeds-grace@14"]),
        ("list.yaml", ["prestop-duration-unknown@13", "shell-wrapper-command@30"]),
        ("stop-signal.yaml", ["share-process-namespace@6", "stopsignal-server-mismatch@11", "stopsignal-invalid@15"]),
        ("budget.yaml", []),
        ("suppressed.yaml", []),
        ("garbage.yaml", ["manifest-invalid@5"]),
    ]

    @Test(arguments: expected.map(\.0))
    func fixtureFindings(name: String) {
        let want = Self.expected.first { $0.0 == name }!.1
        #expect(Self.findings(name) == want, "\(name)")
    }

    @Test func graceBudgetWithMeasuredShutdown() {
        // budget.yaml: grace 30, preStop `sh -c "sleep 5"`; the margin is max(2s, 10%) = 3s.
        #expect(Self.findings("budget.yaml", shutdown: .seconds(20)) == [])
        #expect(Self.findings("budget.yaml", shutdown: .seconds(23)) == ["grace-budget-tight@14"])
        #expect(Self.findings("budget.yaml", shutdown: .seconds(26)) == ["grace-budget-exceeded@14"])
        // prestop.yaml's StatefulSet: default grace 30, preStop sleep action 10s.
        #expect(Self.findings("prestop.yaml", shutdown: .milliseconds(17500))
                    == ["prestop-exceeds-grace@14", "grace-budget-tight@29"])
    }

    @Test func budgetMessageNamesTheArithmetic() throws {
        let linter = Linter(manifestLint: KubernetesManifestLint(shutdown: .seconds(26)))
        let finding = try #require(linter.lintFile("\(Self.directory)/budget.yaml").findings.first)
        #expect(finding.message.contains("preStop 5s + shutdown 26s (--shutdown) = 31s"))
        #expect(finding.message.contains("terminationGracePeriodSeconds 30"))
        #expect(finding.hint.contains("at least 34"))
    }

    @Test func configSuppressionByRuleAndPath() throws {
        let config = try Suppression(configText: """
            ignore:
              - rule: prestop-duration-unknown
                path: "*/list.yaml"
              - rule: shell-wrapper-command
                path: other.yaml
            """, source: ".sigscope.yml")
        #expect(Self.findings("list.yaml", suppression: config) == ["shell-wrapper-command@30"])
        #expect(throws: SigscopeError.self) { try Suppression(configText: "ignore:\n  - no-such-rule\n", source: "c") }
        #expect(throws: SigscopeError.self) { try Suppression(configText: "ignore: [unclosed\n", source: "c") }
    }

    @Test func inlineCommentOnLineAbove() {
        let lines = ["a", "# sigscope ignore=grace-period-zero,no-init", "b"]
        #expect(Suppression.inlineRules(lines: lines, line: 3) == ["grace-period-zero", "no-init"])
        #expect(Suppression.inlineRules(lines: lines, line: 1).isEmpty)
    }

    @Test func preStopDurations() throws {
        let manifest = try KubernetesManifest(text: """
            kind: Pod
            spec:
              containers:
                - name: a
                  lifecycle: {preStop: {exec: {command: ["sh", "-c", "sleep 3; nginx -s quit; sleep 2"]}}}
            """)
        let hook = try #require(manifest.podSpecs.first?.spec["containers"]?.sequence?.first?["lifecycle"]?["preStop"])
        let duration = KubernetesManifestLint.preStopDuration(hook)
        #expect(duration.seconds == 5)
        #expect(!duration.known)
    }

    @Test func checkReportFeedsTheBudget() throws {
        let pass = try LintCheckReport(json: Data("""
            {"verdict": "pass", "shutdown_seconds": 2.5, "exit": "exited 0", "grace_seconds": 10, "findings": []}
            """.utf8), source: "r.json")
        #expect(pass.budgetedShutdown == .milliseconds(2500))
        #expect(pass.finding(file: "r.json") == nil)
        let fail = try LintCheckReport(json: Data("""
            {"verdict": "fail", "shutdown_seconds": null, "exit": {"signal": "KILL"}, "grace_seconds": 3,
             "findings": []}
            """.utf8), source: "r.json")
        #expect(fail.budgetedShutdown == .seconds(3))
        #expect(fail.finding(file: "r.json")?.rule == "check-report-failed")
        #expect(throws: SigscopeError.self) { try LintCheckReport(json: Data("[1]".utf8), source: "r.json") }
        #expect(throws: SigscopeError.self) {
            try LintCheckReport(json: Data("{\"verdict\":\"pass\"}".utf8), source: "r")
        }
    }
}
