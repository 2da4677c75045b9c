import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// What check says when a service outlives its grace period: the tree it killed and the client it waited for.
    @Suite struct CheckGraceEndTests {
        /// A server that waits on TERM for its clients (as PostgreSQL's smart shutdown does), with a request in
        /// flight that it never answers: SIGKILL at grace end takes its worker too, reported inside grace-exceeded
        /// with the client connection it was waiting for; no separate orphaned or zombie finding.
        @Test func graceExceededNamesTheKilledTreeAndTheClientItWaitedFor() throws {
            let port = freePort()
            let check = try CheckRun([
                "--grace", "1500ms", "--ready", "log:ready", "--inflight", "http://127.0.0.1:\(port)/wait", "--",
                "/usr/bin/python3", Fixtures.script("check/hold-connection.py"), String(port),
            ])
            #expect(check.verdict == "fail", "\(check.result.stdout) \(check.result.stderr)")
            #expect(check.rules.first == "grace-exceeded")
            #expect(!check.rules.contains("orphaned-children") && !check.rules.contains("zombie-children"))
            let findings = check.json["findings"] as? [[String: Any]] ?? []
            let message = findings.first?["message"] as? String ?? ""
            #expect(message.contains("(with 1 descendant:"), "\(message)")
            #expect(message.contains("it waited for 1 client connection (127.0.0.1:"), "\(message)")
            #expect(message.contains("-> :\(port))"), "\(message)")
            let connections = check.json["connections_at_grace_end"] as? [[String: Any]] ?? []
            #expect(connections.contains { $0["from_client"] as? Bool == true })
            check.assertNothingLeft()
        }
    }
}
