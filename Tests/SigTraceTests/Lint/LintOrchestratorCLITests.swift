import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `sigscope lint` on systemd units and Compose files as CI runs it: every format, exit codes, `-f` merging,
    /// the budget from a check report, suppression files and the rule list with sources.
    @Suite struct LintOrchestratorCLI {
        static let systemd = "\(TestPaths.packageRoot)/fixtures/lint/systemd"
        static let compose = "\(TestPaths.packageRoot)/fixtures/lint/compose"

        func json(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        @Test func everyFormatCarriesTheFindings() throws {
            let unit = "\(Self.systemd)/execstop-kill.service"
            let project = "\(Self.compose)/override/docker-compose.yml"
            let text = try sigscope("lint", unit, project)
            // Warnings only: exit 0 at the default --fail-on error, 1 at --fail-on warning.
            #expect(text.exitCode == 0)
            #expect(try sigscope("lint", "--fail-on", "warning", unit, project).exitCode == 1)
            #expect(text.stdout.contains("\(unit)  (systemd)"))
            #expect(text.stdout.contains("docker-compose.override.yml  (compose)"))
            #expect(text.stdout.contains("  3  warning  systemd-execstop-async"))
            let report = try json(try sigscope("lint", "--format", "json", unit, project).stdout)
            let files = try #require(report["files"] as? [[String: Any]])
            #expect(files.compactMap { $0["kind"] as? String } == ["systemd", "compose"])
            let findings = try #require(report["findings"] as? [[String: Any]])
            #expect(findings.compactMap { $0["rule"] as? String } == [
                "systemd-execstop-async", "stopsignal-server-mismatch", "shell-form-pid1",
            ])
            let sarif = try json(try sigscope("lint", "--format", "sarif", unit).stdout)
            let run = try #require((sarif["runs"] as? [[String: Any]])?.first)
            let results = try #require(run["results"] as? [[String: Any]])
            #expect(results.first?["ruleId"] as? String == "systemd-execstop-async")
            let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"]
                as? [[String: Any]])
            #expect(rules.contains { $0["id"] as? String == "compose-grace-zero" })
            let junit = try sigscope("lint", "--format", "junit", unit)
            #expect(junit.stdout.contains("<testsuite") && junit.stdout.contains("systemd-execstop-async"))
            let github = try sigscope("lint", "--format", "github", unit)
            #expect(github.stdout.hasPrefix("::warning file=\(unit),line=3"))
        }

        @Test func exitCodesAndComposeFiles() throws {
            #expect(try sigscope("lint", "\(Self.systemd)/forking.service").exitCode == 0)
            #expect(try sigscope("lint", "--fail-on", "info", "\(Self.systemd)/forking.service").exitCode == 1)
            #expect(try sigscope("lint", "\(Self.systemd)/killmode-none.service").exitCode == 1)
            let merged = try sigscope("lint", "--format", "json", "--shutdown", "56s",
                                      "-f", "\(Self.compose)/multi/base.yaml", "-f", "\(Self.compose)/multi/prod.yaml")
            #expect(merged.exitCode == 0)
            let rules = try #require(try json(merged.stdout)["findings"] as? [[String: Any]]).compactMap {
                $0["rule"] as? String
            }
            #expect(rules == ["compose-grace-budget-tight", "shell-form-pid1"])
            let missing = try run([TestPaths.sigscope, "lint", "-f", "/nonexistent/compose.yaml"])
            #expect(missing.exitCode == 2)
            #expect(missing.stderr.split(separator: "\n").count == 1)
        }

        @Test func budgetFromACheckReportAndSuppressionFile() throws {
            let directory = NSTemporaryDirectory() + "sigscope-orchestrators-\(getpid())"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let report = "\(directory)/check.json"
            try #"{"verdict":"pass","shutdown_seconds":95.0,"grace_seconds":120}"#
                .write(toFile: report, atomically: true, encoding: .utf8)
            let unit = "\(Self.systemd)/budget.service"
            let result = try sigscope("lint", "--check-report", report, unit)
            #expect(result.exitCode == 1)
            #expect(result.stdout.contains("systemd-stop-budget-exceeded"))
            #expect(result.stdout.contains("measured in \(report)"))
            let config = "\(directory)/sigscope.yml"
            try "ignore:\n  - rule: systemd-stop-budget-exceeded\n    path: \"*/budget.service\"\n"
                .write(toFile: config, atomically: true, encoding: .utf8)
            let quiet = try sigscope("lint", "--check-report", report, "--config", config, unit)
            #expect(quiet.exitCode == 0)
            #expect(quiet.stdout.contains("(1 suppressed)"))
        }

        @Test func ruleListNamesTheSources() throws {
            let list = try sigscope("lint", "--list-rules")
            #expect(list.exitCode == 0)
            for rule in Rule.orchestratorRules { #expect(list.stdout.contains(rule.id)) }
            #expect(list.stdout.contains("source: systemd.kill(5)"))
            #expect(list.stdout.contains("source: systemd.service(5)"))
            #expect(list.stdout.contains("source: the Compose specification"))
        }
    }
}
