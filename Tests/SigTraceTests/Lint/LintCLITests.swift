import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `sigscope lint` as CI runs it: formats, exit codes, the grace budget inputs and suppression files.
    @Suite struct LintCLI {
        static let docker = "\(TestPaths.packageRoot)/fixtures/lint/docker"
        static let k8s = "\(TestPaths.packageRoot)/fixtures/lint/k8s"

        func json(_ text: String) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        }

        @Test func exitCodesFollowFailOn() throws {
            let npmStart = "\(Self.docker)/npm-start.Dockerfile"
            #expect(try sigscope("lint", npmStart).exitCode == 0)
            #expect(try sigscope("lint", "--fail-on", "warning", npmStart).exitCode == 1)
            #expect(try sigscope("lint", "\(Self.k8s)/grace-zero.yaml").exitCode == 1)
            #expect(try sigscope("lint", "\(Self.docker)/tini.Dockerfile", "--fail-on", "info").exitCode == 0)
        }

        @Test func usageErrorsExitTwoWithOneLine() throws {
            for arguments in [["lint"], ["lint", "--shutdown", "soon", "x.yaml"], ["lint", "--fail-on", "fatal", "x"],
                              ["lint", "--check-report", "/nonexistent.json", "x.yaml"],
                              ["lint", "--config", "/nonexistent.yml", "x.yaml"]] {
                let result = try run([TestPaths.sigscope] + arguments)
                #expect(result.exitCode == 2, "\(arguments)")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
                #expect(result.stderr.hasPrefix("sigscope: ") || result.stderr.hasPrefix("Error: "), "\(result.stderr)")
            }
        }

        @Test func textIsGroupedByFileWithSummary() throws {
            let result = try sigscope("lint", "\(Self.k8s)/list.yaml", "\(Self.docker)/tini.Dockerfile")
            let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines.first?.hasPrefix("\(Self.k8s)/list.yaml") == true)
            #expect(result.stdout.contains("  13  info     prestop-duration-unknown"))
            #expect(result.stdout.contains("  30  warning  shell-wrapper-command"))
            #expect(result.stdout.contains("hint: run the program directly"))
            #expect(result.stdout.contains("\(Self.docker)/tini.Dockerfile  (dockerfile)\n  clean"))
            #expect(result.stdout.hasSuffix("2 files: 0 errors, 1 warning, 1 info\n"))
            #expect(!result.stdout.contains("\u{1B}["))
        }

        @Test func jsonHasStableKeys() throws {
            let go = try Fixtures.go("lint-notify")
            let result = try sigscope("lint", "--format", "json", "\(Self.k8s)/prestop.yaml", go)
            let report = try json(result.stdout)
            let findings = try #require(report["findings"] as? [[String: Any]])
            #expect(findings.count == 2)
            for finding in findings {
                #expect(Set(finding.keys) == ["rule", "severity", "file", "line", "message", "hint"])
            }
            let files = try #require(report["files"] as? [[String: Any]])
            let binary = try #require(files[1]["binary"] as? [String: Any])
            #expect(binary["runtime"] as? String == "go")
            #expect(binary["go_module"] as? String == "example.com/lint-notify")
            #expect((binary["signal_libraries"] as? [String]) == ["os/signal.NotifyContext"])
            #expect(report["failed"] as? Bool == true)
        }

        @Test func sarifIsWellFormed() throws {
            let result = try sigscope("lint", "--format", "sarif", "\(Self.k8s)/stop-signal.yaml",
                                      try Fixtures.c("lint-plain"))
            #expect(result.exitCode == 1)
            let log = try json(result.stdout)
            #expect(log["version"] as? String == "2.1.0")
            #expect((log["$schema"] as? String)?.contains("sarif-2.1.0") == true)
            let run = try #require((log["runs"] as? [[String: Any]])?.first)
            let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
            #expect(driver["name"] as? String == "sigscope")
            let rules = try #require(driver["rules"] as? [[String: Any]])
            let ids = rules.compactMap { $0["id"] as? String }
            #expect(ids.count == Rule.reported(by: .lint).count && Set(ids).count == ids.count)
            let results = try #require(run["results"] as? [[String: Any]])
            #expect(results.count == 4)
            for entry in results {
                let index = try #require(entry["ruleIndex"] as? Int)
                #expect(ids[index] == entry["ruleId"] as? String)
                #expect(["error", "warning", "note"].contains(entry["level"] as? String ?? ""))
                #expect(((entry["message"] as? [String: Any])?["text"] as? String)?.isEmpty == false)
                let location = try #require((entry["locations"] as? [[String: Any]])?.first?["physicalLocation"]
                                            as? [String: Any])
                // Absolute paths inside the directory linted from are relative to %SRCROOT% (that directory).
                let artifact = try #require(location["artifactLocation"] as? [String: Any])
                let uri = try #require(artifact["uri"] as? String)
                #expect(uri.hasPrefix("file:///") || artifact["uriBaseId"] as? String == "%SRCROOT%", "\(artifact)")
                if let region = location["region"] as? [String: Any] {
                    #expect((region["startLine"] as? Int ?? 0) >= 1)
                }
            }
        }

        @Test func junitAndGithub() throws {
            let files = ["\(Self.k8s)/grace-zero.yaml", "\(Self.docker)/tini.Dockerfile"]
            let junit = try run([TestPaths.sigscope, "lint", "--format", "junit"] + files)
            #expect(junit.stdout.contains("<testsuite name=\"sigscope lint\" tests=\"2\" failures=\"1\""))
            #expect(junit.stdout.contains("<failure type=\"grace-period-zero\""))
            let github = try run([TestPaths.sigscope, "lint", "--format", "github"] + files)
            #expect(github.stdout.split(separator: "\n").count == 1)
            #expect(github.stdout.contains("title=sigscope grace-period-zero::Deployment api: "))
            #expect(github.stdout.hasPrefix("::error file=\(Self.k8s)/grace-zero.yaml,line=8,"))
        }

        @Test func shutdownAndCheckReportFeedTheBudget() throws {
            let budget = "\(Self.k8s)/budget.yaml"
            let tight = try sigscope("lint", "--format", "json", "--shutdown", "23s", budget)
            #expect((try json(tight.stdout)["findings"] as? [[String: Any]])?.first?["rule"] as? String
                        == "grace-budget-tight")
            #expect(tight.exitCode == 0)
            let report = NSTemporaryDirectory() + "sigscope-check-\(UUID().uuidString).json"
            defer { unlink(report) }
            try """
                {"verdict": "fail", "shutdown_seconds": null, "exit": "killed by SIGKILL", "grace_seconds": 30,
                 "findings": []}
                """.write(toFile: report, atomically: true, encoding: .utf8)
            let failed = try sigscope("lint", "--format", "json", "--check-report", report, budget)
            #expect(failed.exitCode == 1)
            let rules = (try json(failed.stdout)["findings"] as? [[String: Any]])?.compactMap { $0["rule"] as? String }
            #expect(rules == ["check-report-failed", "grace-budget-exceeded"])
            try "{\"shutdown_seconds\": 1}".write(toFile: report, atomically: true, encoding: .utf8)
            #expect(try sigscope("lint", "--check-report", report, budget).exitCode == 2)
        }

        @Test func configFileSuppresses() throws {
            let config = NSTemporaryDirectory() + "sigscope-\(UUID().uuidString).yml"
            defer { unlink(config) }
            try "ignore:\n  - rule: grace-period-zero\n    path: \"*grace-zero.yaml\"\n"
                .write(toFile: config, atomically: true, encoding: .utf8)
            let result = try sigscope("lint", "--config", config, "--format", "json", "\(Self.k8s)/grace-zero.yaml")
            #expect(result.exitCode == 0)
            let summary = try #require(try json(result.stdout)["summary"] as? [String: Any])
            #expect(summary["suppressed"] as? Int == 1)
            try "ignore:\n  - not-a-rule\n".write(toFile: config, atomically: true, encoding: .utf8)
            let bad = try sigscope("lint", "--config", config, "\(Self.k8s)/grace-zero.yaml")
            #expect(bad.exitCode == 2)
            #expect(bad.stderr.contains("unknown rule 'not-a-rule'"))
        }

        @Test func directoryWalkAndRuleList() throws {
            let result = try sigscope("lint", "--format", "json", Self.docker)
            let files = try #require(try json(result.stdout)["files"] as? [[String: Any]])
            let dockerfiles = try #require(FileManager.default.subpaths(atPath: Self.docker))
                .filter { $0.hasSuffix(".Dockerfile") || $0.hasSuffix("/Dockerfile") }
            #expect(files.count == dockerfiles.count)
            let list = try sigscope("lint", "--list-rules")
            #expect(list.exitCode == 0)
            for rule in Rule.reported(by: .lint) { #expect(list.stdout.contains(rule.id)) }
            // A rule whose findings can carry another severity is marked, and the note says where to read why.
            let shellForm = list.stdout.split(separator: "\n").first { $0.hasPrefix("shell-form-pid1 ") }
            #expect(shellForm?.split(separator: " ").dropFirst().first == "warning*")
            // Within 80 columns but for a URL that has no space to break at.
            for line in list.stdout.split(separator: "\n") where !line.contains("://") { #expect(line.count <= 80) }
            #expect(list.stdout.contains("`sigscope rules RULE` says when and why"))
        }
    }
}
