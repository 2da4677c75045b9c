import CProcfs
import Foundation
import Testing

@testable import SigTrace

/// Whether the kernel backend can run here (root, tracefs mounted or mountable).
enum KernelSupport {
    static let unavailable: String? = KernelSignalTracer.unavailableReason()
    static var usable: Bool {
        if let unavailable { print("kernel backend tests skip: \(unavailable)") }
        return unavailable == nil
    }

    /// sigscope's tracefs instances whose sigscope is gone (other sigscopes may run on this machine meanwhile).
    static func staleInstances() -> [String] {
        guard let tracefs = try? TraceFS.locate(mount: false) else { return [] }
        return ((try? ProcFiles().list(tracefs.path("instances"))) ?? []).filter { name in
            guard name.hasPrefix("sigscope-"), let pid = Int32(name.dropFirst(9)) else { return false }
            return kill(pid, 0) != 0
        }
    }
}

extension ProcessTests {
    /// `sigscope watch --backend kernel` on real processes: every `result` value, a flood, handlers, SIGKILL.
    @Suite(.enabled(if: KernelSupport.usable, "needs root and tracefs (the kernel backend)"))
    struct KernelWatch {
        /// Runs `sigscope watch --backend kernel --format json ARGUMENTS`; returns the events and the result.
        func watch(_ arguments: [String], timeout: Duration = .seconds(60)) throws -> ([[String: Any]], CommandResult) {
            let result = try run([TestPaths.sigscope, "watch", "--backend", "kernel", "--format", "json"] + arguments,
                                 timeout: timeout)
            return (WatchSession.parse(result.stdout), result)
        }

        @Test func everyResultValueIsProducedOnPurposeAndDecoded() throws {
            let fixture = try Fixtures.c("kernel-results")
            let (events, result) = try watch(["--", fixture])
            #expect(result.exitCode == 0)
            let generated = events.filter { $0.string("event") == "generated" }
            func results(_ signal: String) -> [String] {
                generated.filter { $0.string("signal") == signal }.compactMap { $0.string("result") }
            }
            #expect(results("SIGUSR2") == ["ignored"])
            #expect(results("SIGUSR1") == ["delivered", "merged"])
            #expect(results("SIGHUP") == ["info-lost"])
            // The fixture counts the sigqueue calls that failed with EAGAIN; each is one overflow.
            let overflowed = result.stdout.split(separator: "\n").first { $0.hasPrefix("overflow ") }
                .flatMap { Int($0.split(separator: " ")[1]) }
            #expect((overflowed ?? 0) > 0)
            #expect(results("SIGRTMIN").filter { $0 == "overflow" }.count == overflowed)
            // The merged SIGUSR1 and the info-lost SIGHUP are each delivered once, to the handler.
            let delivered = events.filter { $0.string("event") == "signal" }
            #expect(delivered.filter { $0.string("signal") == "SIGUSR1" }.count == 1)
            #expect(delivered.first { $0.string("signal") == "SIGHUP" }?.string("handler") == "handler")
            let summary = try #require(events.last)
            #expect(summary.string("event") == "summary")
            #expect(summary.int("lost_events") == 0)
        }

        @Test func aNamespaceInitWithoutHandlerDropsSIGTERMButNotSIGKILL() throws {
            let unshare = try Running(["unshare", "--pid", "--fork", "--kill-child", "sleep", "60"])
            var child: Int32?
            #expect(waitUntil {
                child = (try? ProcFiles().read("/proc/\(unshare.pid)/task/\(unshare.pid)/children"))?
                    .split(separator: " ").first.flatMap { Int32($0) }
                return child != nil && (try? ProcFiles().read("/proc/\(child!)/comm")) == "sleep\n"
            })
            let pid = try #require(child)
            let session = try WatchSession(["--pid", String(pid)], backend: "kernel")
            kill(pid, SIGTERM)
            let dropped = session.waitForEvent { $0.string("event") == "generated" && $0.string("signal") == "SIGTERM" }
            #expect(dropped?.string("result") == "dropped-by-init")
            #expect(dropped?.int("sender_pid") == Int(getpid()))
            #expect(kill(pid, 0) == 0, "PID 1 of its namespace survives SIGTERM")
            kill(pid, SIGKILL)
            #expect(session.waitForEvent { $0.string("event") == "killed" }?.string("signal") == "SIGKILL")
            let status = session.finish(sending: nil)
            #expect(status == .exited(0))
            let kill = session.events.first { $0.string("event") == "generated" && $0.string("signal") == "SIGKILL" }
            #expect(kill?.string("result") == "delivered")
            #expect(kill?.int("sender_pid") == Int(getpid()))
        }

        @Test func handlersAreNamedStopAndKillHaveSendersAndNothingIsStopped() throws {
            let target = try WatchTarget(["wait", "1"])
            let session = try WatchSession(["--pid", String(target.pid)], backend: "kernel")
            #expect(target.status?.tracerPid == 0)
            kill(target.pid, SIGUSR1)
            let delivery = session.waitForEvent { $0.string("event") == "signal" && $0.string("signal") == "SIGUSR1" }
            #expect(delivery?.string("handler_symbol") == "on_signal")
            #expect(delivery?.string("handler_image")?.hasSuffix("/watch-target") == true)
            #expect(delivery?.int("sender_pid") == Int(getpid()))
            #expect((delivery?["sa_flags"] as? [String])?.contains("SA_SIGINFO") == true)
            kill(target.pid, SIGSTOP)
            #expect(target.running.waitForStatus { $0.state == "T" })
            kill(target.pid, SIGCONT)
            kill(target.pid, SIGKILL)
            #expect(session.waitForEvent { $0.string("event") == "killed" }?.string("signal") == "SIGKILL")
            session.finish(sending: nil)
            let generated = session.events.filter { $0.string("event") == "generated" }
            for name in ["SIGSTOP", "SIGKILL"] {
                let sent = generated.first { $0.string("signal") == name }
                #expect(sent?.int("sender_pid") == Int(getpid()), "\(name) names its sender")
                #expect(sent?.string("result") == "delivered")
            }
            // Both threads receive SIGKILL: the second with no generation of its own, from the same sender.
            let killDeliveries = session.events.filter {
                $0.string("event") == "signal" && $0.string("signal") == "SIGKILL"
            }
            #expect(killDeliveries.count == 2)
            #expect(killDeliveries.allSatisfy { $0.int("sender_pid") == Int(getpid()) })
        }

        /// A CPU's reader is woken from that CPU, where the traced program writes its records; it runs on the
        /// others, so the scheduler cannot put it beside the program.
        @Test func eachCPUsReaderIsNamedAndKeptOffThatCPU() throws {
            let target = try WatchTarget(["wait", "0"])
            let session = try WatchSession(["--pid", String(target.pid)], backend: "kernel")
            defer { session.finish() }
            let tasks = "/proc/\(session.process.pid)/task"
            func allowed(_ tid: Int32) -> Set<Int> {
                let status = (try? ProcFiles().read("\(tasks)/\(tid)/status")) ?? ""
                guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") })
                else { return [] }
                var cpus: Set<Int> = []
                for part in line.dropFirst(18).trimmingCharacters(in: .whitespaces).split(separator: ",") {
                    let bounds = part.split(separator: "-").compactMap { Int($0) }
                    if let low = bounds.first { cpus.formUnion(low...(bounds.last ?? low)) }
                }
                return cpus
            }
            let everywhere = allowed(session.process.pid)
            guard everywhere.count > 1 else {
                print("reader placement test skips: sigscope may run on one CPU only (\(everywhere.sorted()))")
                return
            }
            var readers: [Int: Int32] = [:]
            #expect(waitUntil {
                for tid in (try? ProcFiles().listNumbers(tasks)) ?? [] {
                    let comm = ((try? ProcFiles().read("\(tasks)/\(tid)/comm")) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
                    if comm.hasPrefix("sigscope-cpu"), let cpu = Int(comm.dropFirst(12)) { readers[cpu] = tid }
                }
                return Set(readers.keys).isSuperset(of: everywhere)
            }, "a reader per CPU: \(readers)")
            for (cpu, tid) in readers {
                let cpus = allowed(tid)
                #expect(!cpus.contains(cpu) && !cpus.isEmpty && cpus.isSubset(of: everywhere),
                        "the reader of CPU \(cpu) may run on \(cpus.sorted())")
            }
        }

        @Test func aFloodOfStandardAndRealtimeSignalsIsAccountedForEventByEvent() throws {
            let fixture = try Fixtures.c("watch-target")
            let count = 5_000
            let output = NSTemporaryDirectory() + "sigscope-kernel-flood-\(UUID().uuidString).json"
            defer { unlink(output) }
            let (_, result) = try watch(["--output", output, "--", fixture, "flood", String(count)],
                                        timeout: .seconds(120))
            #expect(result.exitCode == 0)
            #expect(result.stdout.hasPrefix("signals \(count) usr1 \(count / 2) rt \(count / 2)"))
            let events = WatchSession.parse(try String(contentsOfFile: output, encoding: .utf8))
            let generated = events.filter { $0.string("event") == "generated" }
            let delivered = events.filter { $0.string("event") == "signal" }
            let lost = try #require(events.last?.int("lost_events"))
            if lost > 0 { print("kernel flood: the kernel lost \(lost) of \(2 * count) events") }
            #expect(generated.count + delivered.count + lost == 2 * count)
            #expect(generated.allSatisfy { $0.string("result") == "delivered" && $0.string("code") == "SI_QUEUE" })
            if lost == 0 {
                #expect(generated.filter { $0.string("signal") == "SIGUSR1" }.count == count / 2)
                #expect(delivered.filter { $0.string("signal") == "SIGRTMIN+1" }.count == count / 2)
                #expect(delivered.allSatisfy { $0.int("sender_pid") == $0.int("pid") })
            }
        }

        @Test func everyProcessWithCommAndSignalFilters() throws {
            let target = try WatchTarget(["wait"])
            let session = try WatchSession(["--all", "--comm", "watch-target", "--signal", "USR2"], backend: "kernel")
            kill(target.pid, SIGUSR1)
            kill(target.pid, SIGUSR2)
            let usr2 = session.waitForEvent { $0.string("event") == "signal" && $0.int("pid") == Int(target.pid) }
            #expect(usr2?.string("signal") == "SIGUSR2")
            session.finish()
            #expect(!session.events.contains { $0.string("signal") == "SIGUSR1" })
            #expect(session.events.allSatisfy { $0.string("event") == "summary" || $0.int("pid") == Int(target.pid) })
        }
    }
}
