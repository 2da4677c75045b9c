import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `check` with the kernel backend: what the kernel did with the stop signal, and SIGKILL with its sender.
    @Suite(.enabled(if: KernelSupport.usable, "needs root and tracefs (the kernel backend)"))
    struct KernelCheck {
        @Test func aNamespaceInitWithoutHandlerHasItsSIGTERMDroppedAsAFact() throws {
            let result = try sigscope("check", "--pid1", "--grace", "1s", "--", "/bin/sleep", "30")
            #expect(result.exitCode == 1)
            #expect(result.stdout.contains("kernel: SIGTERM dropped: PID 1 of its namespace has no handler"))
            let kill = try #require(result.stdout.split(separator: "\n").first { $0.contains("kernel: SIGKILL from") })
            #expect(kill.contains("(sigscope): delivered"))
            #expect(KernelSupport.staleInstances().isEmpty, "check leaves no tracing instance behind")
        }

        @Test func aHandledSIGTERMIsDeliveredToItsHandlerByName() throws {
            let fixture = try Fixtures.c("kernel-handler")
            let result = try sigscope("check", "--grace", "5s", "--", fixture)
            #expect(result.stdout.contains("kernel: SIGTERM delivered to its handler on_term (kernel-handler)"),
                    "\(result.stdout.split(separator: "\n").filter { $0.contains("kernel") })")
            #expect(!result.stdout.contains("kernel: SIGKILL"))
        }
    }
}
