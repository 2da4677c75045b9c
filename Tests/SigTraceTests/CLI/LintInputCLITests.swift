import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `lint -` from a pipe with `--type`, and measured shutdowns per container: `--shutdown NAME=20s` and the
    /// `shutdown.sigscope.dev/NAME` annotation.
    @Suite struct LintInputCLI {
        static let fixtures = "\(TestPaths.packageRoot)/fixtures/lint"

        /// `sigscope lint ARGUMENTS` with `file` on standard input, as a shell pipes it.
        func lint(stdin file: String, _ arguments: [String]) throws -> CommandResult {
            try run(["/bin/sh", "-c", "exec \"$0\" lint \"$@\" < \"$FILE\"", TestPaths.sigscope] + arguments,
                    environment: ["FILE": file])
        }

        func findings(_ result: CommandResult) throws -> [[String: Any]] {
            let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            return try #require(report["findings"] as? [[String: Any]])
        }

        @Test func standardInputIsLintedAsTheTypeSays() throws {
            let cases: [(type: String, file: String, rule: String)] = [
                ("dockerfile", "\(Self.fixtures)/docker/shell-form.Dockerfile", "shell-form-pid1"),
                ("manifest", "\(Self.fixtures)/k8s/grace-zero.yaml", "grace-period-zero"),
            ]
            for (type, file, rule) in cases {
                let piped = try lint(stdin: file, ["--type", type, "--format", "json", "-"])
                let named = try run([TestPaths.sigscope, "lint", "--format", "json", file])
                // The same findings as the file by name, named `-`.
                let fromPipe = try findings(piped)
                #expect(fromPipe.map { $0["rule"] as? String } == (try findings(named)).map { $0["rule"] as? String })
                #expect(fromPipe.contains { $0["rule"] as? String == rule && $0["file"] as? String == "-" },
                        "\(type): \(piped.stdout) \(piped.stderr)")
                #expect(piped.exitCode == named.exitCode)
            }
            // A systemd unit and a Compose file from a pipe.
            let unit = NSTemporaryDirectory() + "sigscope-stdin-\(UUID().uuidString).service"
            try "[Service]\nExecStart=/bin/sh -c 'exec /usr/bin/myserver'\nKillMode=none\n"
                .write(toFile: unit, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: unit) }
            let systemd = try lint(stdin: unit, ["--type", "systemd", "--format", "json", "-"])
            #expect(try findings(systemd).contains { ($0["rule"] as? String)?.hasPrefix("systemd-") == true },
                    "\(systemd.stdout) \(systemd.stderr)")
            let compose = NSTemporaryDirectory() + "sigscope-stdin-\(UUID().uuidString).yaml"
            try "services:\n  web:\n    image: nginx:1.27\n    stop_grace_period: 0s\n"
                .write(toFile: compose, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: compose) }
            let composed = try lint(stdin: compose, ["--type", "compose", "--format", "json", "-"])
            #expect(try findings(composed).contains { $0["rule"] as? String == "compose-grace-zero" },
                    "\(composed.stdout) \(composed.stderr)")
        }

        @Test func oneCharacterNamesAreLintedNotCrashedOn() throws {
            // NSString's deletingLastPathComponent traps on a one-character path: `lint -f c` and `lint c` of a
            // Compose file or unit named so crashed with a backtrace.
            let directory = NSTemporaryDirectory() + "sigscope-short-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            try "services:\n  web:\n    image: nginx:1.27\n    stop_grace_period: 0s\n"
                .write(toFile: directory + "/c", atomically: true, encoding: .utf8)
            let compose = try run([TestPaths.sigscope, "lint", "-f", "c"], directory: directory)
            #expect(compose.exitCode == 1 && compose.stdout.contains("compose-grace-zero"),
                    "\(compose.stdout) \(compose.stderr.prefix(300))")
            // Named alone, without a YAML extension, it is sniffed (and not a Compose file by name): no crash.
            let alone = try run([TestPaths.sigscope, "lint", "c"], directory: directory)
            #expect(alone.exitCode == 0 && alone.stdout.contains("unknown-file-type"), "\(alone.stderr.prefix(300))")
        }

        @Test func standardInputNeedsItsType() throws {
            let file = "\(Self.fixtures)/k8s/grace-zero.yaml"
            let untyped = try lint(stdin: file, ["-"])
            #expect(untyped.exitCode == 2 && untyped.stderr.contains("lint - needs --type"), "\(untyped.stderr)")
            let badType = try lint(stdin: file, ["--type", "helm", "-"])
            #expect(badType.exitCode == 2 && badType.stderr.contains("--type"), "\(badType.stderr)")
            let typeWithoutDash = try run([TestPaths.sigscope, "lint", "--type", "manifest", file])
            #expect(typeWithoutDash.exitCode == 2, "\(typeWithoutDash.stderr)")
        }

        @Test func shutdownPerContainerFromTheCommandLineOrAnAnnotation() throws {
            let manifest = NSTemporaryDirectory() + "sigscope-shutdown-\(UUID().uuidString).yaml"
            try """
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: shop
                  annotations:
                    shutdown.sigscope.dev/worker: 1m
                spec:
                  template:
                    spec:
                      terminationGracePeriodSeconds: 30
                      containers:
                        - name: web
                          image: example/web:1.0
                          command: ["/web"]
                        - name: worker
                          image: example/worker:1.0
                          command: ["/worker"]
                """.write(toFile: manifest, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: manifest) }
            let result = try run([TestPaths.sigscope, "lint", "--format", "json", "--shutdown", "5s",
                                  "--shutdown", "web=29s", manifest])
            let found = try findings(result)
            // web: its own 29s leaves less than the margin; worker: the annotation's minute exceeds the grace period.
            let web = try #require(found.first { ($0["message"] as? String)?.contains("container web") == true })
            #expect(web["rule"] as? String == "grace-budget-tight")
            #expect((web["message"] as? String)?.contains("(--shutdown web=29s)") == true, "\(web)")
            let worker = try #require(found.first { ($0["message"] as? String)?.contains("container worker") == true })
            #expect(worker["rule"] as? String == "grace-budget-exceeded")
            #expect((worker["message"] as? String)?.contains("annotation shutdown.sigscope.dev/worker") == true)
            // Without NAME= for web, the 5s for all fits: no finding for web.
            let plain = try findings(try run([TestPaths.sigscope, "lint", "--format", "json", "--shutdown", "5s",
                                              manifest]))
            #expect(!plain.contains { ($0["message"] as? String)?.contains("container web") == true })
            // A Compose service by name.
            let compose = NSTemporaryDirectory() + "sigscope-shutdown-\(UUID().uuidString).yaml"
            try "services:\n  api:\n    image: example/api:1\n    stop_grace_period: 10s\n"
                .write(toFile: compose, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: compose) }
            let composed = try findings(try run([TestPaths.sigscope, "lint", "--format", "json", "--shutdown",
                                                 "api=12s", "-f", compose]))
            #expect(composed.contains { $0["rule"] as? String == "compose-grace-budget-exceeded" }, "\(composed)")
            // Refusals name the option.
            let empty = try sigscope("lint", "--shutdown", "=5s", manifest)
            #expect(empty.exitCode == 2 && empty.stderr.contains("--shutdown: '=5s' names no container"))
            let bad = try sigscope("lint", "--shutdown", "web=soon", manifest)
            #expect(bad.exitCode == 2 && bad.stderr.contains("--shutdown: bad duration: 'soon'"), "\(bad.stderr)")
            // A name that matches no container or service is a typo, not a silent no-op.
            let typo = try sigscope("lint", "--shutdown", "wrker=20s", manifest)
            #expect(typo.exitCode == 2, "\(typo.stderr)")
            #expect(typo.stderr == "sigscope: --shutdown wrker=20s: no container or Compose service named wrker in "
                    + "the files linted (they define: web, worker)\n", "\(typo.stderr)")
            let typoInCompose = try sigscope("lint", "--shutdown", "apii=12s", "-f", compose)
            #expect(typoInCompose.exitCode == 2 && typoInCompose.stderr.contains("(they define: api)"))
        }

        @Test func aShutdownAnnotationNamingNoContainerIsAFinding() throws {
            let manifest = NSTemporaryDirectory() + "sigscope-shutdown-\(UUID().uuidString).yaml"
            try """
                apiVersion: v1
                kind: Pod
                metadata:
                  name: shop
                  annotations:
                    shutdown.sigscope.dev/wrker: 50s
                spec:
                  containers:
                    - name: web
                      image: example/web:1.0
                      command: ["/web"]
                """.write(toFile: manifest, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: manifest) }
            let found = try findings(try run([TestPaths.sigscope, "lint", "--format", "json", manifest]))
            let typo = try #require(found.first { $0["rule"] as? String == "manifest-invalid" }, "\(found)")
            #expect(typo["line"] as? Int == 6)
            #expect((typo["message"] as? String)?.contains("shutdown.sigscope.dev/wrker names no container of this "
                                                           + "pod (it has web)") == true, "\(typo)")
        }
    }
}
