import Foundation
import Testing

@testable import SigTrace

/// The Python tools the CI-format tests read sigscope's output with, as users' pipelines do: sarif-pydantic's SARIF
/// 2.1.0 model, sarif-tools and junitparser, in the venv `scripts/install-deps` makes (installed here when missing).
enum PythonTools {
    static let root = ProcessInfo.processInfo.environment["SIGSCOPE_PYTOOLS"] ?? "/opt/sigscope-pytools"
    static var python: String { root + "/bin/python" }

    /// Nil when the tools import; otherwise why not, after one attempt to install them.
    static let missing: String? = {
        func imports() -> Bool {
            (try? SigTraceTests.run([python, "-c", "import sarif_pydantic, sarif, junitparser"]).exitCode) == 0
        }
        if imports() { return nil }
        let venv = try? SigTraceTests.run(["/usr/bin/python3", "-m", "venv", root], timeout: .seconds(120))
        let pip = try? SigTraceTests.run([root + "/bin/pip", "install", "-q", "sarif-pydantic", "sarif-tools",
                                          "junitparser"], timeout: .seconds(300))
        if imports() { return nil }
        return "pip could not install sarif-pydantic, sarif-tools and junitparser into \(root): "
            + ((pip?.stderr ?? venv?.stderr ?? "").split(separator: "\n").last.map(String.init) ?? "no pip")
    }()

    /// Runs a Python program with the tools' interpreter; the program reads `sys.argv[1:]`.
    static func run(_ program: String, _ arguments: [String]) throws -> CommandResult {
        try SigTraceTests.run([python, "-c", program] + arguments, timeout: .seconds(120))
    }
}

extension ProcessTests {
    /// The output contracts of docs/json.md and the CI formats: `schema_version` everywhere, one vocabulary, SARIF
    /// read by real SARIF consumers, JUnit by junitparser, GitHub paths relative to the workspace, colour choices.
    @Suite struct OutputContract {
        /// A scratch directory with `k8s/grace-zero.yaml` (an error) and a clean Dockerfile.
        struct Project {
            let root = NSTemporaryDirectory() + "sigscope-contract-\(UUID().uuidString)"

            init() throws {
                try FileManager.default.createDirectory(atPath: root + "/k8s", withIntermediateDirectories: true)
                try FileManager.default.copyItem(atPath: "\(TestPaths.packageRoot)/fixtures/lint/k8s/grace-zero.yaml",
                                                 toPath: root + "/k8s/grace-zero.yaml")
                try "FROM scratch\nCOPY server /server\nENTRYPOINT [\"/server\"]\n"
                    .write(toFile: root + "/k8s/Dockerfile", atomically: true, encoding: .utf8)
            }

            func remove() { try? FileManager.default.removeItem(atPath: root) }
        }

        func object(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
            try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
                         sourceLocation: sourceLocation)
        }

        @Test(.timeLimit(.minutes(2))) func everyDocumentStartsWithItsSchemaVersion() throws {
            let sleeper = try Running(["/bin/sleep", "30"])
            let pid = String(sleeper.pid)
            var documents: [(String, String)] = [
                ("inspect", try sigscope("inspect", pid, "--format", "json").stdout),
                ("rules", try sigscope("rules", "--format", "json").stdout),
                ("lint --list-rules", try sigscope("lint", "--list-rules", "--format", "json").stdout),
                ("lint", try sigscope("lint", "--format", "json", "\(TestPaths.packageRoot)/fixtures/lint/k8s").stdout),
                ("check", try sigscope("check", "--grace", "2s", "--format", "json", "--", "/bin/sleep", "30").stdout),
            ]
            // Each JSON line of watch is a document of its own, the summary too.
            let watch = try sigscope("watch", "--backend", "ptrace", "--format", "json", "--", "/bin/sh", "-c",
                                     "kill -USR1 $$ 2>/dev/null; exit 3")
            documents += watch.stdout.split(separator: "\n").map { ("watch line", String($0)) }
            #expect(watch.stdout.split(separator: "\n").count >= 2, "\(watch.stderr)")
            for (name, text) in documents {
                // The first key, as written: a program reading the stream sees the version before anything else.
                #expect(text.drop(while: { $0 != "\"" }).hasPrefix("\"schema_version\""), "\(name): \(text.prefix(80))")
                #expect(try object(text)["schema_version"] as? Int == JSONSchema.version, "\(name)")
            }
        }

        /// The keys of a docs/json.md table: the first cell's backticked names of each row, from the section whose
        /// heading starts with `heading` to the next heading.
        static func documentedKeys(_ heading: String) throws -> Set<String> {
            let text = try String(contentsOfFile: "\(TestPaths.packageRoot)/docs/json.md", encoding: .utf8)
            var keys: Set<String> = []
            var inside = false
            for line in text.split(separator: "\n") {
                if line.hasPrefix("#") {
                    if inside { break }
                    inside = line.hasPrefix(heading)
                    continue
                }
                guard inside, line.hasPrefix("| `") else { continue }
                let cell = line.dropFirst(2).prefix { $0 != "|" }
                keys.formUnion(cell.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    .filter { $0.hasPrefix("`") }.map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "`")) })
            }
            return keys
        }

        /// docs/json.md lists exactly the keys each document has: nothing emitted goes undocumented, and nothing
        /// documented is missing (before, inspect's `go_notify` and `deferred` were not in it).
        @Test(.timeLimit(.minutes(2))) func docsListExactlyTheKeysEmitted() throws {
            let sleeper = try Running(["/bin/sleep", "30"])
            let inspect = try object(try sigscope("inspect", String(sleeper.pid), "--format", "json").stdout)
            let process = try #require((inspect["processes"] as? [[String: Any]])?.first)
            let check = try object(try sigscope("check", "--grace", "2s", "--format", "json", "--", "/bin/sleep",
                                                "30").stdout)
            let lint = try object(try sigscope("lint", "--format", "json",
                                               "\(TestPaths.packageRoot)/fixtures/lint/k8s").stdout)
            for (heading, document) in [("## `sigscope inspect", process), ("## `sigscope check", check),
                                        ("## `sigscope lint --format", lint)] {
                let documented = try Self.documentedKeys(heading)
                let emitted = Set(document.keys).subtracting(["schema_version"])
                #expect(emitted.subtracting(documented).isEmpty,
                        "\(heading): emitted, not documented: \(emitted.subtracting(documented).sorted())")
                #expect(documented.subtracting(emitted).isEmpty,
                        "\(heading): documented, not emitted: \(documented.subtracting(emitted).sorted())")
            }
        }

        @Test(.timeLimit(.minutes(2))) func oneVocabularyAcrossCommands() throws {
            let sleeper = try Running(["/bin/sleep", "30"])
            let inspect = try object(try sigscope("inspect", String(sleeper.pid), "--format", "json").stdout)
            let process = try #require((inspect["processes"] as? [[String: Any]])?.first)
            #expect(process["cmdline"] as? [String] == ["/bin/sleep", "30"])
            let signals = try #require(process["signals"] as? [[String: Any]])
            // A signal is `signal` everywhere (it was `name` here and `signal` in watch and check).
            #expect(signals.contains { $0["signal"] as? String == "SIGTERM" && $0["number"] as? Int == 15 })
            #expect(signals.allSatisfy { $0["name"] == nil })

            let check = try object(try sigscope("check", "--grace", "2s", "--format", "json", "--",
                                                "/bin/sleep", "30").stdout)
            // cmdline is a list (it was one string under `command`).
            #expect(check["cmdline"] as? [String] == ["/bin/sleep", "30"])
            #expect(check["command"] == nil)
            // exit says how it ended with why's words.
            let exit = try #require(check["exit"] as? [String: Any])
            #expect(exit["status"] as? String == "killed" && exit["signal"] as? String == "SIGTERM", "\(exit)")
            // Timeline moments: relative seconds, an ISO time, a machine kind beside the text.
            let started = try #require(check["started_at"] as? String)
            #expect(started.hasSuffix("Z") && started.contains("T"))
            let timeline = try #require(check["timeline"] as? [[String: Any]])
            let kinds = timeline.compactMap { $0["kind"] as? String }
            #expect(kinds.count == timeline.count)
            #expect(kinds.contains("started") && kinds.contains("signal") && kinds.contains("exit"), "\(kinds)")
            #expect(Set(kinds).isSubset(of: Set(TimelineEvent.Kind.allCases.map(\.rawValue))))
            let signal = try #require(timeline.first { $0["kind"] as? String == "signal" })
            #expect((signal["text"] as? String)?.hasPrefix("sent SIGTERM") == true)
            #expect((signal["time"] as? String).map { $0 >= started } == true)
            #expect(signal["seconds"] is Double || signal["seconds"] is Int)
        }

        @Test func listRulesWritesJSON() throws {
            let result = try sigscope("lint", "--list-rules", "--format", "json")
            #expect(result.exitCode == 0)
            let rules = try #require(try object(result.stdout)["rules"] as? [[String: Any]])
            let ids = rules.compactMap { $0["id"] as? String }
            #expect(ids == Rule.reported(by: .lint).map(\.id))
            #expect(rules.allSatisfy { $0["summary"] is String && $0["source"] is String && $0["severity"] is String })
            // A CI format has no rule listing: refused by name, exit 2.
            let sarif = try sigscope("lint", "--list-rules", "--format", "sarif")
            #expect(sarif.exitCode == 2 && sarif.stderr.contains("--list-rules writes text or json"), "\(sarif.stderr)")
        }

        @Test(.timeLimit(.minutes(6))) func sarifIsReadByRealConsumers() throws {
            let project = try Project()
            defer { project.remove() }
            // Absolute paths inside the directory linted from become relative to %SRCROOT%, that directory.
            let result = try run([TestPaths.sigscope, "lint", "--format", "sarif", project.root + "/k8s"],
                                 directory: project.root)
            #expect(result.exitCode == 1)
            let log = try object(result.stdout)
            let sarifRun = try #require((log["runs"] as? [[String: Any]])?.first)
            let base = try #require((sarifRun["originalUriBaseIds"] as? [String: [String: Any]])?["%SRCROOT%"])
            let root = URL(fileURLWithPath: project.root).resolvingSymlinksInPath().path
            #expect(base["uri"] as? String == "file://\(root)/" || base["uri"] as? String == "file://\(project.root)/",
                    "\(base)")
            let invocation = try #require((sarifRun["invocations"] as? [[String: Any]])?.first)
            #expect(invocation["executionSuccessful"] as? Bool == true && invocation["exitCode"] as? Int == 1)
            let results = try #require(sarifRun["results"] as? [[String: Any]])
            let zero = try #require(results.first { $0["ruleId"] as? String == "grace-period-zero" })
            let location = try #require(((zero["locations"] as? [[String: Any]])?.first?["physicalLocation"]
                as? [String: Any])?["artifactLocation"] as? [String: Any])
            #expect(location["uri"] as? String == "k8s/grace-zero.yaml")
            #expect(location["uriBaseId"] as? String == "%SRCROOT%")
            #expect(results.allSatisfy {
                (($0["partialFingerprints"] as? [String: String])?["sigscopeFinding/v1"]?.count ?? 0) == 16
            })
            let rules = try #require(((sarifRun["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"]
                as? [[String: Any]])
            let zeroRule = try #require(rules.first { $0["id"] as? String == "grace-period-zero" })
            #expect((zeroRule["helpUri"] as? String)?.hasPrefix("https://kubernetes.io/") == true, "\(zeroRule)")
            let full = try #require((zeroRule["fullDescription"] as? [String: Any])?["text"] as? String)
            #expect(full.contains(Rule.named("grace-period-zero")!.help) && full.contains("Source:"))
            // Without a base (files outside the directory linted from) no %SRCROOT% is declared.
            let outside = try run([TestPaths.sigscope, "lint", "--format", "sarif", project.root + "/k8s"],
                                  directory: TestPaths.packageRoot)
            #expect(outside.stdout.contains("\"uri\": \"file://\(project.root)/k8s/grace-zero.yaml\""))
            #expect(!outside.stdout.contains("\"uriBaseId\"") && !outside.stdout.contains("originalUriBaseIds"))

            if let missing = PythonTools.missing {
                print("skipped: SARIF consumers: \(missing)")
                return
            }
            let file = project.root + "/out.sarif"
            try result.stdout.write(toFile: file, atomically: true, encoding: .utf8)
            // sarif-pydantic's SARIF 2.1.0 model validates the whole log.
            let pydantic = try PythonTools.run("""
                import sys, json
                from sarif_pydantic import Sarif
                log = Sarif.model_validate(json.load(open(sys.argv[1])))
                run = log.runs[0]
                print(len(run.results), run.invocations[0].execution_successful, run.tool.driver.rules[0].id)
                """, [file])
            #expect(pydantic.exitCode == 0, "\(pydantic.stderr)")
            #expect(pydantic.stdout.contains("True"), "\(pydantic.stdout)")
            // sarif-tools reads it as a library, and its CLI summarises it and fails the build on errors.
            let tools = try PythonTools.run("""
                import sys
                from sarif import loader
                log = loader.load_sarif_file(sys.argv[1])
                print(log.get_result_count())
                for record in log.get_records():
                    print(record["Location"], record["Line"], record["Severity"], record["Code"])
                """, [file])
            #expect(tools.exitCode == 0, "\(tools.stderr)")
            #expect(tools.stdout.contains("k8s/grace-zero.yaml"), "\(tools.stdout)")
            let summary = try SigTraceTests.run([PythonTools.root + "/bin/sarif", "--check", "error", "summary", file],
                                                directory: project.root)
            #expect(summary.exitCode == 1 && summary.stdout.contains("grace-period-zero"), "\(summary.stdout)")
            #expect(tools.stdout.hasPrefix("\(results.count)\n"), "\(tools.stdout)")
        }

        @Test(.timeLimit(.minutes(6))) func junitHasOneCasePerFindingAndTheServiceOutput() throws {
            let project = try Project()
            defer { project.remove() }
            let lint = try run([TestPaths.sigscope, "lint", "--format", "junit", "--fail-on", "error", "k8s"],
                               directory: project.root)
            let json = try object(try run([TestPaths.sigscope, "lint", "--format", "json", "k8s"],
                                          directory: project.root).stdout)
            let findings = try #require(json["findings"] as? [[String: Any]])
            let files = try #require(json["files"] as? [[String: Any]])
            let cleanFiles = files.filter { $0["findings"] as? Int == 0 }.count
            #expect(lint.stdout.components(separatedBy: "<testcase ").count - 1 == findings.count + cleanFiles)
            // check: the service's own output is in the shutdown case's <system-out>.
            let check = try sigscope("check", "--grace", "1s", "--format", "junit", "--", "/bin/sh", "-c",
                                     "echo service-says-hello; trap '' TERM; sleep 30")
            #expect(check.exitCode == 1)
            #expect(check.stdout.contains("<system-out>service-says-hello"), "\(check.stdout)")

            if let missing = PythonTools.missing {
                print("skipped: junitparser: \(missing)")
                return
            }
            let lintFile = project.root + "/lint.xml"
            let checkFile = project.root + "/check.xml"
            try lint.stdout.write(toFile: lintFile, atomically: true, encoding: .utf8)
            try check.stdout.write(toFile: checkFile, atomically: true, encoding: .utf8)
            let parsed = try PythonTools.run("""
                import sys
                from junitparser import JUnitXml, Failure, Error
                for path in sys.argv[1:]:
                    xml = JUnitXml.fromfile(path)
                    for suite in xml:
                        cases = list(suite)
                        failed = [c for c in cases if any(isinstance(r, (Failure, Error)) for r in c.result)]
                        outs = [c.system_out for c in cases if c.system_out]
                        print(suite.name, len(cases), len(failed), suite.failures, repr(outs[0][:40]) if outs else '-')
                """, [lintFile, checkFile])
            #expect(parsed.exitCode == 0, "\(parsed.stderr)")
            let lines = parsed.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 2, "\(parsed.stdout)")
            let errors = findings.filter { $0["severity"] as? String == "error" }.count
            #expect(lines.first?.hasPrefix("sigscope lint \(findings.count + cleanFiles) \(errors) \(errors) ") == true,
                    "\(parsed.stdout)")
            #expect(lines.last?.hasPrefix("sigscope check ") == true, "\(parsed.stdout)")
            #expect(lines.last?.contains("service-says-hello") == true, "\(parsed.stdout)")
        }

        @Test func githubAnnotationsNameFilesRelativeToTheWorkspace() throws {
            let project = try Project()
            defer { project.remove() }
            // An absolute path, and a relative one from a subdirectory: both relative to GITHUB_WORKSPACE.
            let file = project.root + "/k8s/grace-zero.yaml"
            let absolute = try run([TestPaths.sigscope, "lint", "--format", "github", file],
                                   directory: "/", environment: ["GITHUB_WORKSPACE": project.root])
            #expect(absolute.stdout.contains("file=k8s/grace-zero.yaml,"), "\(absolute.stdout)")
            let relative = try run([TestPaths.sigscope, "lint", "--format", "github", "grace-zero.yaml"],
                                   directory: project.root + "/k8s", environment: ["GITHUB_WORKSPACE": project.root])
            #expect(relative.stdout.contains("file=k8s/grace-zero.yaml,"), "\(relative.stdout)")
            // Outside the workspace a file is named as given.
            let outside = try run([TestPaths.sigscope, "lint", "--format", "github", file],
                                  directory: "/", environment: ["GITHUB_WORKSPACE": "/nonexistent"])
            #expect(outside.stdout.contains("file=\(project.root)/k8s/grace-zero.yaml,"), "\(outside.stdout)")
        }

        @Test func colorFollowsTheFlagAndTheEnvironment() throws {
            let file = "\(TestPaths.packageRoot)/fixtures/lint/k8s/grace-zero.yaml"
            func colored(_ arguments: [String], _ environment: [String: String]) throws -> Bool {
                var env = environment
                for name in ["NO_COLOR", "FORCE_COLOR"] where env[name] == nil { env[name] = "" }
                return try run([TestPaths.sigscope, "lint"] + arguments + [file], environment: env).stdout
                    .contains("\u{1B}[")
            }
            // Output goes to a file here, not a terminal: plain unless forced.
            #expect(try !colored([], [:]))
            #expect(try colored(["--color", "always"], [:]))
            #expect(try colored(["--color", "always"], ["NO_COLOR": "1"]))
            #expect(try colored([], ["FORCE_COLOR": "1"]))
            #expect(try !colored([], ["FORCE_COLOR": "0"]))
            #expect(try !colored(["--color", "never"], ["FORCE_COLOR": "1"]))
            let bad = try sigscope("lint", "--color", "sometimes", file)
            #expect(bad.exitCode == 2 && bad.stderr.contains("--color"), "\(bad.stderr)")
            // The rule behind it, pure.
            #expect(TextStyle.wantsColor(choice: .auto, isTerminal: true, noColor: nil, forceColor: nil, term: "xterm"))
            #expect(!TextStyle.wantsColor(choice: .auto, isTerminal: true, noColor: "1", forceColor: nil,
                                          term: "xterm"))
            #expect(!TextStyle.wantsColor(choice: .auto, isTerminal: true, noColor: nil, forceColor: nil, term: "dumb"))
        }

        @Test(.timeLimit(.minutes(2))) func inspectGivesAPartialVerdictWhereDescriptorsAreUnreadable() throws {
            // PID 1 where even root may not read its descriptors (a sandbox's init here): a verdict with a caveat,
            // where inspect used to refuse with exit 2.
            let init1 = try sigscope("inspect", "1")
            #expect(init1.exitCode == 0, "\(init1.stderr)")
            if init1.stdout.contains("(partial verdict)") {
                #expect(init1.stdout.contains("caveat: /proc/1/fd") && init1.stdout.contains("no-verdict"))
            } else {
                print("skipped: inspect 1 part: sigscope reads all of PID 1 on this machine")
            }
            // A process of root's, inspected by an unprivileged user: /proc/PID/fd and syscall are closed to it.
            guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
                print("skipped: needs root and setpriv to inspect as another user")
                return
            }
            let sleeper = try Running(["/bin/sleep", "30"])
            let binary = TestPaths.sigscope
            let asNobody = ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary, "inspect",
                            String(sleeper.pid)]
            let probe = try run(["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", binary,
                                 "--version"])
            guard probe.exitCode == 0 else {
                print("skipped: user 65534 cannot run \(binary): \(probe.stderr)")
                return
            }
            let text = try run(asNobody)
            #expect(text.exitCode == 0, "\(text.stderr)")
            #expect(text.stdout.contains("SIGTERM: terminates (partial verdict)"), "\(text.stdout)")
            #expect(text.stdout.contains("caveat:") && text.stdout.contains("no-verdict"), "\(text.stdout)")
            let caveat = text.stdout.split(separator: "\n", omittingEmptySubsequences: false).drop { !$0.hasPrefix("  caveat:") }.prefix { !$0.isEmpty }
            #expect(!caveat.isEmpty && caveat.allSatisfy { $0.count <= 80 }, "\(caveat)")
            let json = try object(try run(asNobody + ["--format", "json"]).stdout)
            let process = try #require((json["processes"] as? [[String: Any]])?.first)
            #expect((process["partial"] as? String)?.contains("/proc/\(sleeper.pid)/fd") == true)
            #expect(process["sigterm"] as? String == "terminates")
            // Root reads everything: no caveat.
            let root = try object(try sigscope("inspect", String(sleeper.pid), "--format", "json").stdout)
            #expect((root["processes"] as? [[String: Any]])?.first?["partial"] is NSNull)
        }
    }
}
