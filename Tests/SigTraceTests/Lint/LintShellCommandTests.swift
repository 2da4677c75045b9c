import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// What lint says each shell does with the last command of `sh -c`, checked against the real shells: run the
    /// script, then see whether the shell's own pid became `sleep` (exec) or kept `sleep` as its child.
    @Suite struct LintShellCommandTests {
        static let shells: [(ImageShell, String)] = [
            (.dash, "/bin/dash"), (.bash, "/bin/bash"), (.busyboxAsh, "/bin/busybox"),
        ]
        static let scripts = [
            "sleep 30", "true; sleep 30", "true && sleep 30", "false || sleep 30", "sleep 30 2>&1",
            "sleep 30 > /dev/null", "X=1 sleep 30", "if true; then sleep 30; fi", "trap 'exit 0' TERM; sleep 30",
            "echo x | sleep 30", "exec sleep 30", "cd / && exec sleep 30 2>&1", "while true; do sleep 30; done",
        ]

        /// True when the shell replaced itself with `sleep`, false when `sleep` runs as its child.
        static func execs(shell path: String, script: String) throws -> Bool? {
            var options = SpawnedProcess.Options()
            options.newProcessGroup = true
            let arguments = path.hasSuffix("busybox") ? [path, "sh", "-c", script] : [path, "-c", script]
            let running = try Running(arguments, options: options)
            var answer: Bool?
            _ = waitUntil(timeout: .seconds(5)) {
                if (try? ProcFiles().read("/proc/\(running.pid)/comm"))?.trimmingWhitespace() == "sleep" {
                    answer = true
                    return true
                }
                let children = (try? ProcFiles().read("/proc/\(running.pid)/task/\(running.pid)/children")) ?? ""
                for child in children.split(separator: " ") {
                    if (try? ProcFiles().read("/proc/\(child)/comm"))?.trimmingWhitespace() == "sleep" {
                        answer = false
                        return true
                    }
                }
                return false
            }
            return answer
        }

        @Test(arguments: scripts)
        func lintAgreesWithTheRealShells(script: String) throws {
            for (shell, path) in Self.shells {
                guard FileManager.default.isExecutableFile(atPath: path) else {
                    print("skipped \(path): not installed")
                    continue
                }
                let observed = try #require(try Self.execs(shell: path, script: script), "\(path) -c '\(script)'")
                let predicted = LintShellCommand(script: script, shell: shell).programReplacesShell(in: shell)
                #expect(predicted == observed, "\(path) -c '\(script)': lint says \(predicted), the shell did \(observed)")
            }
        }
    }
}
