import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// Facts of the knowledge base marked "measured here", checked on the real programs of this machine.
    @Suite struct KnowledgeMeasuredTests {
        /// The children of a process, from /proc/PID/task/PID/children.
        static func children(of pid: Int32) -> [Int32] {
            let text = (try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8)) ?? ""
            return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        }

        static func comm(_ pid: Int32) -> String? {
            (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }

        static func alive(_ pid: Int32) -> Bool {
            guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                  let close = text.lastIndex(of: ")") else { return false }
            return !text[text.index(close, offsetBy: 2)...].hasPrefix("Z")
        }

        static func shells() -> [(entry: String, argv: [String])] {
            var shells: [(String, [String])] = [("dash", ["dash"]), ("bash", ["bash"])]
            if FileManager.default.isExecutableFile(atPath: "/usr/bin/busybox") ||
                FileManager.default.isExecutableFile(atPath: "/bin/busybox") {
                shells.append(("busybox-ash", ["busybox", "ash"]))
            } else {
                print("KnowledgeMeasuredTests: busybox is not installed; BusyBox ash is not measured")
            }
            return shells
        }

        /// `sh -c 'true; sleep'`: bash and busybox ash replace themselves with the last command, dash keeps it as
        /// a child. As PID 1 of a namespace no shell gets TERM (no handler), and a shell that got TERM leaves its
        /// child running: none forwards it.
        @Test func shellsExecTheirLastCommand() throws {
            for (id, argv) in Self.shells() {
                let entry = try #require(ProgramKnowledge.program(id: id))
                let shell = try Running(["/usr/bin/env", "--default-signal"] + argv + ["-c", "true; sleep 30"])
                let settled = waitUntil(timeout: .seconds(3)) {
                    Self.comm(shell.pid) == "sleep" || !Self.children(of: shell.pid).isEmpty
                }
                #expect(settled, "\(id): neither exec nor a child")
                let execed = Self.comm(shell.pid) == "sleep"
                #expect(execed == entry.execsLastCommand?.value, "\(id) exec of its last command: \(execed)")

                // Not PID 1: TERM ends the shell (no trap) and its child keeps running.
                let parent = try Running(["/usr/bin/env", "--default-signal"] + argv + ["-c", "sleep 30; true"])
                #expect(waitUntil { !Self.children(of: parent.pid).isEmpty })
                let child = try #require(Self.children(of: parent.pid).first)
                kill(parent.pid, SIGTERM)
                #expect(waitUntil { !Self.alive(parent.pid) }, "\(id) survived TERM")
                let forwarded = !Self.alive(child)
                #expect(forwarded == entry.forwardsStopSignal?.value, "\(id) forwarded TERM: \(forwarded)")
                kill(child, SIGKILL)

                // PID 1 of a PID namespace: the kernel drops TERM for a shell without a trap.
                let namespace = try Running(["unshare", "--pid", "--fork", "--kill-child"] + argv + ["-c", "sleep 30; true"])
                #expect(waitUntil {
                    Self.children(of: namespace.pid).first.map { Self.comm($0) != "unshare" } ?? false
                })
                let pid1 = try #require(Self.children(of: namespace.pid).first)
                #expect(waitUntil { !Self.children(of: pid1).isEmpty })
                kill(pid1, SIGTERM)
                Clocks.sleep(for: .milliseconds(300))
                #expect(Self.alive(pid1) == !(entry.handlesStopSignalAsPID1?.value ?? true), "\(id) as PID 1")
            }
        }

        /// Python installs no TERM handler: as PID 1 of a namespace the kernel drops TERM and it keeps running.
        @Test func pythonAsPID1IgnoresTerm() throws {
            let entry = try #require(ProgramKnowledge.program(id: "python"))
            let namespace = try Running(["unshare", "--pid", "--fork", "--kill-child", "python3", "-c",
                                    "import time\ntime.sleep(30)"])
            #expect(waitUntil {
                Self.children(of: namespace.pid).first.flatMap(Self.comm).map { $0.hasPrefix("python") } ?? false
            })
            let python = try #require(Self.children(of: namespace.pid).first)
            // Python's startup is done once it sleeps (its own handlers for INT and PIPE are installed by then).
            #expect(waitUntil {
                (try? String(contentsOfFile: "/proc/\(python)/wchan", encoding: .utf8))?.contains("nanosleep") ?? false
                    || (try? String(contentsOfFile: "/proc/\(python)/syscall", encoding: .utf8))?.hasPrefix("230 ")
                    ?? false
            })
            kill(python, SIGTERM)
            Clocks.sleep(for: .milliseconds(300))
            #expect(Self.alive(python) == !(entry.handlesStopSignalAsPID1?.value ?? true))
        }
    }
}
