import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `check` with the kernel backend: what the kernel did with the stop signal, and SIGKILL with its sender.
    @Suite(.enabled(if: KernelSupport.usable, "needs root and tracefs (the kernel backend)"))
    struct KernelCheck {
        /// `check --format json`'s report.
        static func report(_ result: CommandResult) throws -> [String: Any] {
            let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
            return try #require(object as? [String: Any], "\(result.stdout)")
        }

        @Test func aNamespaceInitWithoutHandlerHasItsSIGTERMDroppedAsAFact() throws {
            let result = try sigscope("check", "--pid1", "--grace", "1s", "--", "/bin/sleep", "30")
            #expect(result.exitCode == 1)
            #expect(result.stdout.contains("kernel: SIGTERM dropped: PID 1 of its namespace has no handler"))
            let kill = try #require(result.stdout.split(separator: "\n").first { $0.contains("kernel: SIGKILL from") })
            #expect(kill.contains("(sigscope): delivered"))
            #expect(KernelSupport.staleInstances().isEmpty, "check leaves no tracing instance behind")
            // The verdict states it as fact, under the headline and in the finding.
            let headline = result.stdout.components(separatedBy: "\ntimeline").first ?? ""
            #expect(headline.contains("  kernel: SIGTERM dropped: PID 1 of its namespace has no handler"))
            #expect(result.stdout.contains("needed SIGKILL; kernel: SIGTERM dropped: PID 1"))
        }

        @Test func theJSONCarriesTheStopSignalsFateAndEachSIGKILLsSender() throws {
            let result = try sigscope("check", "--pid1", "--grace", "1s", "--format", "json", "--", "/bin/sleep", "30")
            #expect(result.exitCode == 1)
            let report = try Self.report(result)
            let fate = try #require(report["stop_signal_fate"] as? [String: Any])
            #expect(fate.string("signal") == "SIGTERM")
            #expect(fate.string("result") == "dropped-by-init")
            #expect(fate["delivered_to"] is NSNull)
            #expect(fate.string("sender_comm") == "sigscope")
            #expect(fate.string("fact") == "SIGTERM dropped: PID 1 of its namespace has no handler")
            #expect(fate.int("lost_events") == 0)
            let kills = try #require(fate["sigkill"] as? [[String: Any]])
            #expect(kills.count == 1)
            #expect(kills.first?.string("sender_comm") == "sigscope")
            #expect(kills.first?.string("result") == "delivered")
            #expect((kills.first?["seconds_after_signal"] as? Double ?? 0) >= 0.9)
        }

        @Test func traceShowsEachSIGKILLWithItsSender() throws {
            // A shell that ignores SIGTERM and waits for a child that ignores it too: both get SIGKILL at grace end.
            let result = try sigscope("check", "--trace", "--grace", "1s", "--format", "json", "--",
                                      "/bin/sh", "-c", "trap '' TERM; /bin/sleep 30; :")
            #expect(result.exitCode == 1)
            let report = try Self.report(result)
            let trace = try #require(report["trace"] as? [[String: Any]])
            let kills = trace.filter { $0.string("event") == "generated" && $0.string("signal") == "SIGKILL" }
            #expect(!kills.isEmpty, "\(trace.map { $0.string("event") ?? "" })")
            #expect(kills.allSatisfy { $0.string("sender_comm") == "sigscope" })
            // Each process's first SIGKILL is delivered; one sent again while it is already dying (the group's
            // kill, then the tree's) is what the kernel reports as ignored.
            var killed: Set<Int> = []
            for kill in kills {
                let pid = kill.int("pid") ?? 0
                #expect(kill.string("result") == (killed.contains(pid) ? "ignored" : "delivered"), "\(kills)")
                killed.insert(pid)
            }
            #expect(kills.contains { $0.int("pid") == report.int("pid") })
            let fate = try #require(report["stop_signal_fate"] as? [String: Any])
            // A traced process is sent even the signals it ignores (sig_ignored() is false under ptrace), so the
            // kernel queues SIGTERM and its delivery finds SIG_IGN.
            #expect(fate.string("result") == "delivered")
            #expect(fate.string("delivered_to") == "ignored")
            #expect(fate.string("fact") == "SIGTERM delivered while ignored (SIG_IGN)")
        }

        @Test func aHandledSIGTERMIsDeliveredToItsHandlerByName() throws {
            let fixture = try Fixtures.c("kernel-handler")
            let result = try sigscope("check", "--grace", "5s", "--", fixture)
            #expect(result.stdout.contains("kernel: SIGTERM delivered to its handler on_term (kernel-handler)"),
                    "\(result.stdout.split(separator: "\n").filter { $0.contains("kernel") })")
            #expect(!result.stdout.contains("kernel: SIGKILL"))
            let json = try sigscope("check", "--grace", "5s", "--format", "json", "--", fixture)
            let fate = try #require(try Self.report(json)["stop_signal_fate"] as? [String: Any])
            #expect(fate.string("result") == "delivered")
            #expect(fate.string("delivered_to") == "handler")
            #expect(fate.string("handler_symbol") == "on_term")
            #expect((fate["sigkill"] as? [Any])?.isEmpty == true)
        }
    }
}
