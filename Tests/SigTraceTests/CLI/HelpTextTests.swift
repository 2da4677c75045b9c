import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `--help` and the text reports read on an 80-column terminal: nothing wraps, indented blocks keep their
    /// indentation, usage lines are short, and the wording counts and spaces things properly.
    @Suite struct HelpText {
        static let commands = [[], ["inspect"], ["check"], ["lint"], ["watch"], ["rules"], ["why"]]

        @Test func helpFitsEightyColumnsWithHangingIndents() throws {
            for command in Self.commands {
                let help = try run([TestPaths.sigscope] + command + ["--help"]).stdout
                let lines = help.split(separator: "\n", omittingEmptySubsequences: false)
                #expect(lines.count > 10, "\(command)")
                for (index, line) in lines.enumerated() {
                    #expect(line.count <= 80, "\(command): \(line.count) columns: \(line)")
                    // A line of an indented block (EXIT CODES, FINDINGS, READINESS) never continues at column 0:
                    // before, the argument parser wrapped the long ones there.
                    if index > 0, lines[index - 1].hasPrefix("  "), let first = line.first, first != " " {
                        #expect(first.isUppercase || line.hasPrefix("`"), "\(command): column 0 after an indented line: \(line)")
                    }
                    // No stray run of spaces inside an option's help text (--trace had one).
                    #expect(line.count < 30 || !line.dropFirst(26).contains("     "), "\(command): \(line)")
                }
            }
        }

        @Test func usageLinesAreShort() throws {
            for command in Self.commands.dropFirst() {
                let help = try run([TestPaths.sigscope] + command + ["--help"]).stdout
                let usage = try #require(help.split(separator: "\n").first { $0.hasPrefix("USAGE:") })
                #expect(usage.count <= 80, "\(usage)")
            }
            let lint = try sigscope("lint", "--help").stdout
            #expect(lint.contains("USAGE: sigscope lint [<options>] <path> ...\n"))
        }

        @Test func theInspectTableFitsEightyColumns() throws {
            // sigfixture catches TERM and blocks others: every column of the table is in use.
            let process = try FixtureProcess([try Fixtures.c("sigfixture")])
            let text = try sigscope("inspect", String(process.pid)).stdout
            let table = text.split(separator: "\n").filter { $0.hasPrefix("  SIG") && !$0.hasPrefix("  SIGTERM:") }
            #expect(table.count >= 8)
            for line in table { #expect(line.count <= 80, "\(line.count): \(line)") }
            #expect(table.first?.split(separator: " ") == ["SIGNAL", "NO", "DEFAULT", "BLK", "IGN", "CGT", "PND", "VIA", "OUTCOME"])
        }

        @Test func wordingCountsAndNamesThingsProperly() throws {
            #expect(counted(1, "request") == "1 request")
            #expect(counted(3, "request") == "3 requests")
            #expect(counted(2, "process", "processes") == "2 processes")
            #expect(try ReadinessProbe(parsing: "tcp:[::1]:8080").description == "tcp:[::1]:8080")
            #expect(try ReadinessProbe(parsing: "tcp:127.0.0.1:80").description == "tcp:127.0.0.1:80")
            // An absolute path that does not exist is not "not found in PATH".
            let missing = try sigscope("watch", "--", "/nonexistent/cmd")
            #expect(missing.stderr == "sigscope: cannot start /nonexistent/cmd: no such executable file\n")
            let bare = try sigscope("watch", "--", "no-such-command-here")
            #expect(bare.stderr == "sigscope: cannot start no-such-command-here: not found in PATH\n")
        }
    }
}
