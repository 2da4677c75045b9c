import Foundation
import Testing
import Yams

@testable import SigTrace

extension ProcessTests {
    /// What a user installs and wires into CI: man pages, completions, the pre-commit hooks and the GitHub Action.
    @Suite struct Distribution {
        static let root = TestPaths.packageRoot

        /// `scripts/install --binary` into a scratch prefix; nil (with the reason printed) when the man pages
        /// cannot be generated here: `swift package generate-manual` needs the package's build lock, which this
        /// test run holds, so CI generates them first (scripts/test) and this test installs what it made.
        func installedPrefix() throws -> String? {
            let pages = "\(Self.root)/.build/plugins/GenerateManual/outputs/sigscope"
            guard FileManager.default.fileExists(atPath: "\(pages)/sigscope.1") else {
                print("skipped: no generated man pages in \(pages) (scripts/test runs `swift package generate-manual "
                      + "--multi-page` before the tests)")
                return nil
            }
            let prefix = NSTemporaryDirectory() + "sigscope-prefix-\(UUID().uuidString)"
            let install = try run(["\(Self.root)/scripts/install", "--prefix", prefix, "--binary", TestPaths.sigscope,
                                   "--man-pages", pages])
            #expect(install.exitCode == 0, "\(install.stderr)")
            return prefix
        }

        @Test func completionsAreGeneratedForEachShell() throws {
            for shell in ["bash", "zsh", "fish"] {
                let script = try sigscope("--generate-completion-script", shell)
                #expect(script.exitCode == 0, "\(shell)")
                // fish names long options without their dashes.
                for word in ["inspect", "check", "lint", "watch", "detach-on-interrupt", "fail-on"] {
                    #expect(script.stdout.contains(word), "\(shell) completion lacks \(word)")
                }
                // Values complete too: --platform's names (before, nothing came after `--platform <TAB>`).
                #expect(script.stdout.contains("kubernetes") && script.stdout.contains("cloudrun"),
                        "\(shell) completion lacks --platform's names")
            }
            // bash reads the script without a syntax error.
            let bash = try run(["/bin/bash", "-n", "-c", try sigscope("--generate-completion-script", "bash").stdout])
            #expect(bash.exitCode == 0, "\(bash.stderr)")
        }

        @Test(.timeLimit(.minutes(2))) func manPagesRenderWithManL() throws {
            guard let prefix = try installedPrefix() else { return }
            defer { try? FileManager.default.removeItem(atPath: prefix) }
            // What scripts/install put in place: the binary, a page per command, a completion per shell.
            #expect(FileManager.default.isExecutableFile(atPath: "\(prefix)/bin/sigscope"))
            for file in ["share/bash-completion/completions/sigscope", "share/zsh/site-functions/_sigscope",
                         "share/fish/vendor_completions.d/sigscope.fish"] {
                let text = (try? String(contentsOfFile: "\(prefix)/\(file)", encoding: .utf8)) ?? ""
                #expect(text.contains("lint"), "\(file)")
            }
            let pages = "\(prefix)/share/man/man1"
            let names = try FileManager.default.contentsOfDirectory(atPath: pages).filter { $0.hasSuffix(".1") }.sorted()
            #expect(names.count >= 6, "\(names)")
            guard FileManager.default.isExecutableFile(atPath: "/usr/bin/man") else {
                print("skipped: man is not installed (apt-get install man-db)")
                return
            }
            for name in names {
                let page = try run(["/usr/bin/man", "-l", "\(pages)/\(name)"], environment: ["MANPAGER": "cat",
                                                                                           "PAGER": "cat",
                                                                                           "MANWIDTH": "80"])
                #expect(page.exitCode == 0, "\(name): \(page.stderr)")
                #expect(page.stdout.contains("NAME") && page.stdout.contains("SYNOPSIS"), "\(name)")
                #expect(!page.stderr.contains("warning"), "\(name): \(page.stderr)")
            }
            let check = try run(["/usr/bin/man", "-l", "\(pages)/sigscope.check.1"], environment: ["MANPAGER": "cat"])
            #expect(check.stdout.contains("--grace"))
            #expect(check.stdout.contains("EXIT CODES"))
            // Indented blocks stay as --help shows them (before, man refilled them and joined the next line), a
            // heading ends its line, and EXIT STATUS points at the command's own codes, not mdoc's generic ">0".
            let manWide = try run(["/usr/bin/man", "-l", "\(pages)/sigscope.check.1"],
                                  environment: ["MANPAGER": "cat", "PAGER": "cat", "MANWIDTH": "80"]).stdout
            #expect(manWide.contains("exited with a code not accepted (0 and --accept-exit\n"), "\(manWide)")
            #expect(manWide.contains("delay:DURATION    this long after the start\n"))
            #expect(manWide.contains("LOAD (--load RATE)\n"))
            #expect(!manWide.contains(">0 if an error occurs"))
        }

        @Test func preCommitHooksLintWhatLintReads() throws {
            let text = try String(contentsOfFile: "\(Self.root)/.pre-commit-hooks.yaml", encoding: .utf8)
            let hooks = try #require(try Yams.load(yaml: text) as? [[String: Any]])
            #expect(Set(hooks.compactMap { $0["id"] as? String }) == ["sigscope-lint", "sigscope-lint-system"])
            for hook in hooks {
                #expect(hook["entry"] as? String == "sigscope lint")
                let files = try NSRegularExpression(pattern: try #require(hook["files"] as? String))
                let exclude = try NSRegularExpression(pattern: try #require(hook["exclude"] as? String))
                func picked(_ path: String) -> Bool {
                    let range = NSRange(path.startIndex..., in: path)
                    return files.firstMatch(in: path, range: range) != nil
                        && exclude.firstMatch(in: path, range: range) == nil
                }
                for path in ["Dockerfile", "docker/Dockerfile.prod", "Dockerfile-alpine", "api.Dockerfile",
                             "Containerfile", "k8s/deploy.yaml", "chart/values.yml"] {
                    #expect(picked(path), "\(path)")
                }
                for path in [".sigscope.yml", "sub/.sigscope.yaml", "README.md", "main.go", "Dockerfiles/README"] {
                    #expect(!picked(path), "\(path)")
                }
            }
        }

        @Test func theActionLintsWithSarifAndChecksWithExistingOptions() throws {
            let text = try String(contentsOfFile: "\(Self.root)/action.yml", encoding: .utf8)
            let action = try #require(try Yams.load(yaml: text) as? [String: Any])
            let runs = try #require(action["runs"] as? [String: Any])
            #expect(runs["using"] as? String == "composite")
            let steps = try #require(runs["steps"] as? [[String: Any]])
            #expect(steps.contains { ($0["uses"] as? String)?.hasPrefix("github/codeql-action/upload-sarif@") == true })
            let scripts = steps.compactMap { $0["run"] as? String }.joined(separator: "\n")
            #expect(scripts.contains("lint --format sarif"))
            #expect(scripts.contains("check --format github"))
            // Every option the action passes exists in that command's help.
            let lintHelp = try sigscope("lint", "--help").stdout
            let checkHelp = try sigscope("check", "--help").stdout
            for option in ["--format", "--fail-on"] { #expect(lintHelp.contains(option)) }
            for option in ["--format", "--grace", "--ready"] { #expect(checkHelp.contains(option)) }
            let inputs = try #require(action["inputs"] as? [String: Any])
            #expect(Set(inputs.keys).isSuperset(of: ["paths", "fail-on", "check", "check-ready", "check-grace"]))
        }
    }
}
