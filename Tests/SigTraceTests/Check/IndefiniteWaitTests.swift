import Foundation
import Testing

@testable import SigTrace

/// The waits that end check's settle early: parsed from captured /proc/PID/task/TID/syscall text, and read from
/// real processes (a sigwaitinfo with no timeout, a blocking read of a pipe, and a sleep, which is not one).
@Suite struct IndefiniteWaitTests {
    #if arch(x86_64)
    @Test(arguments: [
        // sigwaitinfo(&set, NULL): rt_sigtimedwait with a NULL timeout.
        ("128 0x7ffd5c0e1e80 0x0 0x0 0x8 0x0 0x0 0x7ffd5c0e1e48 0x4a1c9e", "rt_sigtimedwait"),
        ("0 0x0 0x7f9ee78f9000 0x20000 0x7f9ee798ab60 0xffffffff 0x0 0x7fff06311828 0x7f9ee7a732ad", "read"),
        ("232 0x5 0x7ffc1e5a0a30 0x200 0xffffffff 0x0 0x0 0x7ffc1e5a0a08 0x7f1c0b6e2e2e", "epoll_wait"),
        ("281 0x4 0xc00004f8d8 0x80 0xffffffffffffffff 0x0 0x0 0xc00004f888 0x46e2a3", "epoll_pwait"),
        ("202 0x7f2e5c3fe910 0x189 0x0 0x0 0x0 0xffffffff 0x7f2e5c3fe8b0 0x7f2e5ca9a117", "futex"),
        ("34 0x0 0x0 0x0 0x0 0x0 0x0 0x7ffd1c0a3b28 0x7f3a2e8d1d74", "pause"),
        ("288 0x3 0x7ffe0a1c2a10 0x7ffe0a1c2a0c 0x80800 0x0 0x0 0x7ffe0a1c29f8 0x7f8e2c9f6e1b", "accept4"),
    ])
    func waitWithoutTimeoutIsIndefinite(text: String, call: String) {
        #expect(IndefiniteWait.parse(text, tid: 7) == IndefiniteWait(tid: 7, call: call))
    }

    @Test(arguments: [
        // epoll_wait with a 1000 ms timeout, as an event loop with a timer sleeps.
        "232 0x5 0x7ffc1e5a0a30 0x200 0x3e8 0x0 0x0 0x7ffc1e5a0a08 0x7f1c0b6e2e2e",
        // sigtimedwait with a timeout, clock_nanosleep (a startup sleep), a futex wait with a timeout.
        "128 0x7ffd5c0e1e80 0x0 0x7ffd5c0e1e70 0x8 0x0 0x0 0x7ffd5c0e1e48 0x4a1c9e",
        "230 0x0 0x0 0x7ffd8e1a5b10 0x7ffd8e1a5b10 0x0 0x0 0x7ffd8e1a5ae8 0x7f0e3c6e33fa",
        "202 0x7f2e5c3fe910 0x189 0x0 0x7f2e5c3fe8e0 0x0 0xffffffff 0x7f2e5c3fe8b0 0x7f2e5ca9a117",
        // A futex wake, wait4 on a child (a shell entrypoint's step), running, and outside any call.
        "202 0x7f2e5c3fe910 0x81 0x1 0x0 0x0 0x0 0x7f2e5c3fe8b0 0x7f2e5ca9a117",
        "61 0xffffffff 0x7ffd3b0b1c3c 0x0 0x0 0x0 0x0 0x7ffd3b0b1c18 0x7f5a1d5f0b2a",
        "running",
        "-1 0x7ffd3b0b1c18 0x7f5a1d5f0b2a",
    ])
    func waitThatEndsByItselfIsNot(text: String) {
        #expect(IndefiniteWait.parse(text, tid: 7) == nil)
    }
    #endif

    @Test func sleepingStateIsReadAfterTheCommandsParenthesis() {
        #expect(IndefiniteWait.sleeping(stat: "42 (a) R) S 1 42 42 0 -1"))
        #expect(!IndefiniteWait.sleeping(stat: "42 (sleep) R 1 42 42 0 -1"))
        #expect(!IndefiniteWait.sleeping(stat: "42 (S) t 1 42 42 0 -1"))
    }
}

extension ProcessTests {
    @Suite struct IndefiniteWaitProcessTests {
        @Test func realProcessesAtRestAndNot() throws {
            #if arch(x86_64)
            let service = try Running([try Fixtures.c("check-service"), "exit-after", "300"])
            #expect(waitUntil(timeout: .seconds(5)) { IndefiniteWait.allThreads(of: service.pid) != nil })
            #expect(IndefiniteWait.allThreads(of: service.pid)?.map(\.call) == ["rt_sigtimedwait"])

            var pipe: [Int32] = [-1, -1]
            #expect(Glibc.pipe(&pipe) == 0)
            defer { close(pipe[1]) }
            var options = SpawnedProcess.Options()
            options.stdin = pipe[0]
            let reader = try Running(["/bin/cat"], options: options)
            close(pipe[0])
            #expect(waitUntil(timeout: .seconds(5)) {
                IndefiniteWait.allThreads(of: reader.pid)?.map(\.call) == ["read"]
            })

            let sleeper = try Running(["/bin/sleep", "60"])
            #expect(sleeper.waitForStatus { $0.name == "sleep" && $0.state == "S" })
            Clocks.sleep(for: .milliseconds(50))
            #expect(IndefiniteWait.allThreads(of: sleeper.pid) == nil, "a sleep ends by itself")

            // The settle ends on the event: two readings, not 150 ms of quiet.
            let settled = try #require(StableForecast().settleReading(service.pid))
            #expect(settled.readings == 2 && settled.atRest?.map(\.call) == ["rt_sigtimedwait"])
            let start = Clocks.monotonicNanoseconds()
            let waited = try #require(StableForecast().settleReading(sleeper.pid))
            #expect(waited.atRest == nil && Clocks.monotonicNanoseconds() - start >= 150_000_000,
                    "a sleeper waits out the quiet period")
            #else
            print("IndefiniteWait knows x86_64's system calls only: skipped here")
            #endif
        }
    }
}
