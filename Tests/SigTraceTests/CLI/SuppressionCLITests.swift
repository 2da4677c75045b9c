import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `.sigscope.yml`, `--ignore`, severity overrides, `--fail-on none` and the Kubernetes annotation, as a user
    /// with hadolint and kube-linter habits reaches for them.
    @Suite struct SuppressionCLI {
        /// A scratch project: `.sigscope.yml` and `k8s/grace-zero.yaml` (an error: grace-period-zero).
        struct Project {
            let root = NSTemporaryDirectory() + "sigscope-suppress-\(UUID().uuidString)"

            init(config: String, manifest: String? = nil) throws {
                try FileManager.default.createDirectory(atPath: root + "/k8s", withIntermediateDirectories: true)
                try config.write(toFile: root + "/.sigscope.yml", atomically: true, encoding: .utf8)
                let zero = try String(contentsOfFile: "\(TestPaths.packageRoot)/fixtures/lint/k8s/grace-zero.yaml",
                                      encoding: .utf8)
                try (manifest ?? zero).write(toFile: root + "/k8s/grace-zero.yaml", atomically: true, encoding: .utf8)
            }

            func lint(_ arguments: [String], in directory: String? = nil) throws -> CommandResult {
                try run([TestPaths.sigscope, "lint", "--format", "json"] + arguments, directory: directory ?? root)
            }

            func remove() { try? FileManager.default.removeItem(atPath: root) }
        }

        func report(_ result: CommandResult) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        }

        func suppressedCount(_ result: CommandResult) throws -> Int? {
            (try report(result)["summary"] as? [String: Any])?["suppressed"] as? Int
        }

        @Test func aPathRuleMatchesHoweverTheFileIsNamed() throws {
            let project = try Project(config: "ignore:\n  - rule: grace-period-zero\n    path: k8s/*.yaml\n")
            defer { project.remove() }
            // Before, only the first spelling matched: the pattern was compared with the path as typed.
            for arguments in [["k8s"], ["./k8s"], ["k8s/grace-zero.yaml"], ["\(project.root)/k8s"],
                              ["./k8s/../k8s/grace-zero.yaml"]] {
                let result = try project.lint(arguments)
                #expect(result.exitCode == 0, "\(arguments): \(result.stdout)")
                #expect(try suppressedCount(result) == 1, "\(arguments)")
            }
            // From another directory, with --config: the pattern stays relative to the config file's folder.
            let elsewhere = try project.lint(["--config", "\(project.root)/.sigscope.yml", "\(project.root)/k8s"],
                                             in: "/")
            #expect(elsewhere.exitCode == 0, "\(elsewhere.stdout) \(elsewhere.stderr)")
            #expect(try suppressedCount(elsewhere) == 1)
            // A pattern that names another folder does not match.
            let other = try Project(config: "ignore:\n  - rule: grace-period-zero\n    path: staging/*.yaml\n")
            defer { other.remove() }
            #expect(try other.lint(["k8s"]).exitCode == 1)
        }

        @Test func unknownKeysAndRulesAreErrors() throws {
            for (config, expected) in [
                ("ignroe:\n  - no-init\n", "line 1: unknown key 'ignroe' (known: ignore, override)"),
                ("ignore:\n  - rule: no-init\n    paths: x\n", "line 3: unknown key 'paths' (known: path, rule)"),
                ("ignore:\n  - no-inti\n", "unknown rule 'no-inti'"),
                ("override:\n  no-init: fatal\n", "line 2: override no-init: use error, warning or info"),
                ("override:\n  no-inti: info\n", "unknown rule 'no-inti'"),
            ] {
                let project = try Project(config: config)
                defer { project.remove() }
                let result = try project.lint(["k8s"])
                #expect(result.exitCode == 2, "\(config)")
                #expect(result.stderr.contains(expected), "\(config): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1)
            }
        }

        @Test func anIgnoreCommentNamingNoRuleIsAFinding() throws {
            let manifest = "# sigscope ignore=grace-perod-zero\n"
                + (try String(contentsOfFile: "\(TestPaths.packageRoot)/fixtures/lint/k8s/grace-zero.yaml",
                              encoding: .utf8))
            let project = try Project(config: "", manifest: manifest)
            defer { project.remove() }
            let result = try project.lint(["k8s"])
            #expect(result.exitCode == 1)
            let findings = try #require(try report(result)["findings"] as? [[String: Any]])
            let unknown = try #require(findings.first { $0["rule"] as? String == "suppression-unknown-rule" })
            #expect(unknown["line"] as? Int == 1)
            #expect((unknown["message"] as? String)?.contains("grace-perod-zero") == true)
        }

        @Test func ignoreOverrideAndFailOnNone() throws {
            let project = try Project(config: "")
            defer { project.remove() }
            #expect(try project.lint(["k8s"]).exitCode == 1)
            let ignored = try project.lint(["--ignore", "grace-period-zero", "k8s"])
            #expect(ignored.exitCode == 0)
            #expect(try suppressedCount(ignored) == 1)
            let bad = try project.lint(["--ignore", "grace-perod-zero", "k8s"])
            #expect(bad.exitCode == 2)
            #expect(bad.stderr == "sigscope: --ignore: unknown rule 'grace-perod-zero' (see `sigscope lint --list-rules`)\n")
            let none = try project.lint(["--fail-on", "none", "k8s"])
            #expect(none.exitCode == 0)
            #expect(try report(none)["fail_on"] as? String == "none")
            #expect((try report(none)["findings"] as? [[String: Any]])?.first?["severity"] as? String == "error")

            let lowered = try Project(config: "override:\n  grace-period-zero: warning\n")
            defer { lowered.remove() }
            let result = try lowered.lint(["k8s"])
            #expect(result.exitCode == 0)
            let findings = try #require(try report(result)["findings"] as? [[String: Any]])
            #expect(findings.first { $0["rule"] as? String == "grace-period-zero" }?["severity"] as? String == "warning")
        }

        @Test func theKubeLinterStyleAnnotationSilencesARuleForOneObject() throws {
            let manifest = """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: quiet
                  annotations:
                    ignore-check.sigscope.dev/grace-period-zero: "drained by the load balancer first"
                spec:
                  template:
                    spec:
                      terminationGracePeriodSeconds: 0
                      containers:
                        - name: api
                          image: example/api:1.0
                ---
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: loud
                spec:
                  template:
                    metadata:
                      annotations:
                        ignore-check.sigscope.dev/grace-periodzero: "typo"
                    spec:
                      terminationGracePeriodSeconds: 0
                      containers:
                        - name: api
                          image: example/api:1.0

                """
            let project = try Project(config: "", manifest: manifest)
            defer { project.remove() }
            let result = try project.lint(["k8s"])
            #expect(result.exitCode == 1)
            let findings = try #require(try report(result)["findings"] as? [[String: Any]])
            let rules = findings.map { "\($0["rule"] as? String ?? "") \($0["line"] as? Int ?? 0)" }
            // The quiet Deployment's finding is silenced; the loud one's stays, with its misspelt annotation (line 23).
            #expect(rules == ["suppression-unknown-rule 23", "grace-period-zero 25"])
            #expect(try suppressedCount(result) == 1)
        }
    }
}

extension ProcessTests {
    /// `lint DIR` finds what people name their container files and manifests.
    @Suite struct LintWalk {
        @Test func theWalkFindsDockerfileVariantsContainerfilesAndKubernetesJSON() throws {
            let root = NSTemporaryDirectory() + "sigscope-walk-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: root) }
            try FileManager.default.createDirectory(atPath: root + "/deploy", withIntermediateDirectories: true)
            let files = [
                // Debian's /bin/sh is dash, which keeps itself as PID 1 in front of a shell-form CMD.
                "Dockerfile-alpine": "FROM debian:12\nCMD server --port 80\n",
                "api.Dockerfile": "FROM alpine\nCMD [\"server\"]\n",
                "Containerfile": "FROM alpine\nCMD [\"server\"]\n",
                "Containerfile.dev": "FROM alpine\nCMD [\"server\"]\n",
                "deploy/api.json": """
                    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api"},
                     "spec": {"template": {"spec": {"terminationGracePeriodSeconds": 0,
                       "containers": [{"name": "api", "image": "example/api:1.0"}]}}}}
                    """,
                "package.json": "{\"name\": \"not-kubernetes\", \"version\": \"1.0.0\"}\n",
            ]
            for (name, text) in files { try text.write(toFile: "\(root)/\(name)", atomically: true, encoding: .utf8) }
            let result = try sigscope("lint", "--format", "json", "--fail-on", "none", root)
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let found = (report["files"] as? [[String: Any]] ?? []).compactMap { ($0["file"] as? String)?
                .replacingOccurrences(of: root + "/", with: "") }
            #expect(Set(found) == ["Dockerfile-alpine", "api.Dockerfile", "Containerfile", "Containerfile.dev",
                                   "deploy/api.json"], "\(found)")
            let rules = (report["findings"] as? [[String: Any]] ?? []).compactMap { $0["rule"] as? String }
            #expect(rules.contains("grace-period-zero"))  // read from the JSON manifest
            #expect(rules.contains("shell-form-pid1"))  // from Dockerfile-alpine
        }
    }
}
