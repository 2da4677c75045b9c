import Foundation
import Testing

@testable import SigTrace

/// The patterns a corpus of real public Dockerfiles and manifests showed lint getting wrong, each as a minimal
/// fixture of our own under fixtures/lint with the findings it must give (rule@line:severity).
@Suite struct LintPatternTests {
    static let root = "\(TestPaths.packageRoot)/fixtures/lint"

    static func findings(_ name: String) -> [String] {
        Linter().lintFile("\(root)/\(name)").findings.map { "\($0.rule)@\($0.line ?? 0):\($0.severity.rawValue)" }
    }

    static let dockerfiles: [(String, [String])] = [
        // Shells: which one runs decides whether it execs the last command.
        ("docker/redirect-alpine.Dockerfile", []),
        ("docker/shell-form-debian.Dockerfile", ["shell-form-pid1@4:error"]),
        ("docker/shell-directive.Dockerfile", []),
        ("docker/or-then-exec.Dockerfile", []),
        ("docker/and-list-bash.Dockerfile", []),
        ("docker/and-list-sh.Dockerfile", ["shell-form-pid1@3:error"]),
        ("docker/trap-foreground.Dockerfile", ["shell-form-pid1@3:error"]),
        ("docker/empty-sh-c.Dockerfile", []),
        // The base image's ENTRYPOINT, interpreters and the app's source.
        ("docker/node-require/Dockerfile", []),
        ("docker/node-nohandler/Dockerfile", ["interpreter-pid1@5:warning"]),
        ("docker/node-nosource.Dockerfile", ["interpreter-pid1@4:info"]),
        ("docker/django-runserver/Dockerfile", []),
        ("docker/flask-debug/Dockerfile", []),
        ("docker/python-handler/Dockerfile", []),
        ("docker/python-nohandler/Dockerfile", ["interpreter-pid1@4:warning"]),
        ("docker/python-execs/Dockerfile", []),
        ("docker/npm-start.Dockerfile", ["launcher-pid1@4:warning"]),
        ("docker/go-server.Dockerfile", []),
        ("docker/bare-shell.Dockerfile", ["no-init@3:info"]),
        // Entrypoint scripts, however they are copied.
        ("docker/docker-init/Dockerfile", []),
        ("docker/copy-dot/Dockerfile", ["entrypoint-script-no-exec@5:error"]),
        ("docker/copy-chmod/Dockerfile", ["stopsignal-server-mismatch@5:warning"]),
        ("docker/function-exec/Dockerfile", []),
        ("docker/script-glob/Dockerfile", ["entrypoint-script-no-exec@4:error"]),
        ("docker/script-trap-wait/Dockerfile", []),
        ("docker/subdir-context/app/Dockerfile", ["entrypoint-script-no-exec@4:error"]),
        // Stop signals of known servers, and of official images by tag.
        ("docker/stopsignal-haproxy.Dockerfile", ["stopsignal-server-mismatch@3:warning"]),
        ("docker/stopsignal-phpfpm.Dockerfile", ["stopsignal-server-mismatch@3:warning"]),
        ("docker/stopsignal-phpfpm-official.Dockerfile", []),
        ("docker/stopsignal-php-apache.Dockerfile", []),
        ("docker/stopsignal-lighttpd.Dockerfile", ["stopsignal-server-mismatch@3:warning"]),
        ("docker/stopsignal-httpd.Dockerfile", ["stopsignal-server-mismatch@3:warning"]),
        ("docker/stopsignal-postgres.Dockerfile", ["stopsignal-server-mismatch@4:warning"]),
        ("docker/stopsignal-nginx-old.Dockerfile", ["stopsignal-server-mismatch@2:warning"]),
        ("docker/uwsgi-die-on-term/Dockerfile", []),
        ("docker/uwsgi-reload.Dockerfile", ["stopsignal-server-mismatch@4:warning"]),
    ]

    static let manifests: [(String, [String])] = [
        ("k8s/sh-script-configmap.yaml", ["entrypoint-script-no-exec@21:error"]),
        ("k8s/bash-and-list.yaml", []),
        ("k8s/multiline-exec.yaml", []),
        ("k8s/multiline-loop.yaml", ["shell-wrapper-command@9:error"]),
    ]

    @Test(arguments: (dockerfiles + manifests).map(\.0))
    func patternFindings(name: String) {
        let want = (Self.dockerfiles + Self.manifests).first { $0.0 == name }!.1
        #expect(Self.findings(name) == want, "\(name)")
    }

    @Test func messagesNameWhatReallyRuns() {
        let message = { (name: String) in Linter().lintFile("\(Self.root)/\(name)").findings.first?.message ?? "" }
        #expect(message("docker/shell-form-debian.Dockerfile").contains("dash"))
        #expect(message("docker/trap-foreground.Dockerfile").contains("BusyBox ash"))
        #expect(message("docker/node-nohandler/Dockerfile").contains("node index.js"))
        #expect(message("docker/copy-dot/Dockerfile").contains("./myserver --port 8080"))
        #expect(message("docker/stopsignal-nginx-old.Dockerfile").contains("nginx:1.17-alpine"))
        #expect(message("docker/npm-start.Dockerfile").contains("npm start"))
    }

    /// A multi-line script is one line in every output format: newlines written as \n.
    @Test func multiLineScriptsRenderOnOneLine() {
        let file = Linter().lintFile("\(Self.root)/k8s/multiline-loop.yaml")
        let finding = try! #require(file.findings.first)
        #expect(!finding.message.contains("\n"))
        #expect(finding.message.contains("do\\n"))
    }

    /// A rule whose findings carry another severity than the catalog's says when, in the catalog.
    @Test func severitiesMatchTheCatalog() {
        for (name, expected) in Self.dockerfiles + Self.manifests {
            for entry in expected {
                let parts = entry.split(separator: "@")
                let rule = try! #require(Rule.named(String(parts[0])))
                let severity = String(parts[1].split(separator: ":")[1])
                if severity != rule.severity.rawValue {
                    #expect(rule.severityVaries != nil, "\(name): \(rule.id) is \(severity), listed \(rule.severity)")
                }
            }
        }
    }

    @Test func shellScriptReading() {
        let script = ShellScript("""
            f() {
              exec nginx
            }
            cat <<-EOF
            	exec not-a-command
            	EOF
            if [ -n "$A" ]; then exec tini -- "$@"; else exec "$@"; fi
            """)
        #expect(script.finalCommands.map(\.words) == [["exec", "tini", "--", "$@"], ["exec", "$@"]])
        #expect(script.functions == ["f"])
        #expect(!script.commands.contains { $0.words.contains("not-a-command") })
        let redirected = ShellScript("locust --host x 2>&1 > /dev/null")
        #expect(redirected.commands.count == 1)
        #expect(redirected.commands[0].redirects)
        #expect(redirected.commands[0].next == .end)
    }

    @Test func entrypointScriptVerdicts() {
        func verdict(_ text: String) -> String {
            "\(EntrypointScript.verdict(text: "#!/bin/sh\n" + text, name: "x.sh"))"
        }
        #expect(verdict("set -- docker-init -- \"$@\"\nexec \"$@\"").hasPrefix("startsInit"))
        #expect(verdict("exec \"$@\"") == "execsArguments")
        #expect(verdict("trap 'kill $p' TERM\napp &\np=$!\nwait $p") == "forwardsTerm")
        #expect(verdict("trap 'exit 0' TERM\napp --serve").hasPrefix("deferredTrap"))
        #expect(verdict("app --serve").hasPrefix("staysPID1"))
        #expect(EntrypointScript.verdict(text: "#!/usr/bin/env python3\nprint(1)", name: "x").description == "notAShellScript")
    }
}

extension EntrypointScript.Verdict: CustomStringConvertible {
    public var description: String {
        switch self {
        case .notAShellScript: "notAShellScript"
        case .execsArguments: "execsArguments"
        case .execsProgram(let words): "execsProgram \(words)"
        case .startsInit(let name): "startsInit \(name)"
        case .forwardsTerm: "forwardsTerm"
        case .deferredTrap(let last): "deferredTrap \(last)"
        case .staysPID1(let what): "staysPID1 \(what)"
        }
    }
}
