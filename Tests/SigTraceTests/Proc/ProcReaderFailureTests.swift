import Foundation
import Testing

@testable import SigTrace

/// What ProcReader leaves out as normal (a thread, descriptor or child that ended mid-read) and what it reports.
extension ProcessTests {
    @Suite struct ProcReaderFailures {
        /// Threads that exit between the listing of /proc/PID/task and the read of their status are left out;
        /// the read itself never fails for it.
        @Test func threadsVanishingMidReadAreLeftOutNotReported() throws {
            let churn = try FixtureProcess([try Fixtures.c("thread-churn"), "4"])
            defer { churn.running.process.killAndReap() }
            var threadCounts: Set<Int> = []
            for _ in 0..<100 {
                let snapshot = try ProcReader().snapshot(churn.pid, depth: .table)
                #expect(snapshot.threads.first?.tid == churn.pid)
                #expect(snapshot.threads.allSatisfy { $0.status.tgid == churn.pid })
                threadCounts.insert(snapshot.threads.count)
            }
            // The fixture really churned: the thread count changed between reads.
            #expect(threadCounts.count > 1, "\(threadCounts)")
        }

        /// A read failure that is not "gone" or "forbidden" is an error naming the file, not a silent absence.
        @Test func otherReadFailuresNameTheFile() throws {
            let reader = ProcReader()
            var forbidden = false
            let gone = try reader.present(1, "maps", restricted: &forbidden) { () throws(ProcFiles.Failure) -> String in
                throw .gone
            }
            #expect(gone == nil && !forbidden)
            let denied = try reader.present(1, "maps", restricted: &forbidden) { () throws(ProcFiles.Failure) -> String in
                throw .forbidden
            }
            #expect(denied == nil && forbidden)
            #expect(throws: SigscopeError(.systemCall, "cannot read /proc/1/maps: Input/output error", errno: EIO)) {
                _ = try reader.present(1, "maps", restricted: &forbidden) { () throws(ProcFiles.Failure) -> String in
                    throw .other(EIO)
                }
            }
        }

        /// Errors say what failed: an output that cannot be written is not an unreadable input, and a refused
        /// signal is a permission only when the kernel said EPERM.
        @Test func errorKindsSayWhatFailed() throws {
            #expect(throws: SigscopeError.self) { try FileOutput.create(path: "/nonexistent-sigscope-dir/out.json") }
            do {
                _ = try FileOutput.create(path: "/nonexistent-sigscope-dir/out.json")
            } catch {
                #expect(error.code == .unwritableFile)
                #expect(error.message == "cannot write /nonexistent-sigscope-dir/out.json: No such file or directory")
            }
            #expect(SigscopeError.systemCall("cannot send SIGTERM to pid 9", errno: EPERM).code == .permissionDenied)
            #expect(SigscopeError.systemCall("cannot send SIGTERM to pid 9", errno: ESRCH).code == .noSuchProcess)
            let invalid = SigscopeError.systemCall("cannot send SIGTERM to pid 9", errno: EINVAL)
            #expect(invalid.code == .systemCall)
            #expect(invalid.message == "cannot send SIGTERM to pid 9: Invalid argument")
        }
    }
}
