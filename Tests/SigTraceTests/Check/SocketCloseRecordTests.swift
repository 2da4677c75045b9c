import Foundation
import Testing

@testable import SigTrace

/// The kernel's record of closes and exits, parsed from captured `trace` text.
@Suite struct SocketCloseRecordModelTests {
    /// Captured on 6.18 (`options/record-tgid`, the instance's close filter): a Python client closed the connection
    /// from port 39576 itself, then `os._exit(0)` left the one from 39564 to the kernel. Added by hand: the peer's
    /// LAST_ACK in a softirq of the same task, and an IPv6 close.
    static let trace = """
        # tracer: nop
        #
        # entries-in-buffer/entries-written: 5/5   #P:2
        #
        #           TASK-PID       TGID    CPU#  |||||  TIMESTAMP  FUNCTION
        #              | |           |       |   |||||     |         |
                 python3-25479   (  25479) [000] ..... 33797.316241: inet_sock_set_state: family=AF_INET \
        protocol=IPPROTO_TCP sport=39576 dport=7789 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 \
        daddrv6=::ffff:127.0.0.1 oldstate=TCP_ESTABLISHED newstate=TCP_FIN_WAIT1
                 python3-25479   (  25479) [000] ..s2. 33797.316300: inet_sock_set_state: family=AF_INET \
        protocol=IPPROTO_TCP sport=7789 dport=39576 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 \
        daddrv6=::ffff:127.0.0.1 oldstate=TCP_CLOSE_WAIT newstate=TCP_LAST_ACK
                 python3-25479   (  25479) [000] ..... 33797.316406: sched_process_exit: comm=python3 pid=25479 \
        prio=120 group_dead=true
                 python3-25479   (  25479) [000] ..... 33797.317968: inet_sock_set_state: family=AF_INET \
        protocol=IPPROTO_TCP sport=39564 dport=7789 saddr=127.0.0.1 daddr=127.0.0.1 saddrv6=::ffff:127.0.0.1 \
        daddrv6=::ffff:127.0.0.1 oldstate=TCP_ESTABLISHED newstate=TCP_FIN_WAIT1
           my worker-3-25480   (  25479) [001] ..... 33797.317990: inet_sock_set_state: family=AF_INET6 \
        protocol=IPPROTO_TCP sport=40000 dport=6379 saddr=0.0.0.0 daddr=0.0.0.0 saddrv6=::1 daddrv6=::1 \
        oldstate=TCP_ESTABLISHED newstate=TCP_CLOSE
        """

    @Test func aCloseAfterItsTasksExitEventIsTheKernels() throws {
        let record = SocketCloseRecord.parse(Self.trace)
        #expect(!record.lostRecords)
        #expect(record.exits == [SocketCloseRecord.Exit(at: 33_797_316_406_000, tid: 25479, tgid: 25479)])
        // The softirq record is the peer's socket, not a close by the task.
        #expect(record.closes.map(\.local.port) == [39576, 39564, 40000])
        let (byKernel, byProgram) = record.closes(since: 0)
        #expect(byProgram.map(\.local.port) == [39576, 40000])
        #expect(byKernel.map(\.local.port) == [39564])
        #expect(byKernel.first?.remote == TCPEndpoint(address: "127.0.0.1", port: 7789))
        // A comm with spaces and dashes; an IPv6 address spelled as the TCP tables spell it.
        let worker = try #require(record.closes.last)
        #expect(worker.comm == "my worker-3" && worker.tid == 25480 && worker.tgid == 25479)
        #expect(worker.local == TCPEndpoint(address: "::1", port: 40000) && worker.newState == .close)
        // Only closes after the signal count.
        #expect(record.closes(since: 33_797_317_000_000).byProgram.map(\.local.port) == [40000])
        #expect(SocketCloseRecord.parse("# entries-in-buffer/entries-written: 13/20   #P:2").lostRecords)
    }

    @Test func theRecordStandsForTheExitOnlyWithTheMainProcesssExit() {
        let sampler = ConnectionSampler()
        let record = SocketCloseRecord.parse(Self.trace)
        let atExit = sampler.atExit(record: record, mainPid: 25479, signalAt: 0, listening: [])
        #expect(atExit?.reading == .kernelRecord(closedByProgram: 2))
        #expect(atExit?.abandoned.map(\.local.port) == [39564])
        #expect(sampler.atExit(record: record, mainPid: 999, signalAt: 0, listening: []) == nil)
        var lost = record
        lost.lostRecords = true
        #expect(sampler.atExit(record: lost, mainPid: 25479, signalAt: 0, listening: []) == nil)
        // A connection on a port the service listens on is a client's, never abandoned.
        let clients = sampler.atExit(record: record, mainPid: 25479, signalAt: 0, listening: [39564])
        #expect(clients?.abandoned.isEmpty == true && clients?.connections.count == 1)
        if let atExit {
            #expect(ConnectionsAtExit.timelineText(atExit).hasPrefix("TCP connections held at the exit, closed by "
                + "the kernel (its record of each close; it closed 2 outgoing itself first): 1 outgoing"))
        }
    }
}

extension ProcessTests {
    /// The order the judgement rests on, on this machine's kernel: a real Python client closes one connection
    /// itself and leaves the other to `os._exit`; the record shows the first close before its exit event and the
    /// second after it.
    @Suite struct SocketCloseTraceTests {
        @Test func aProgramsCloseComesBeforeItsExitAndTheKernelsAfter() throws {
            guard geteuid() == 0, KernelSignalTracer.unavailableReason() == nil else {
                print("skipped: the kernel's record of closes needs root and tracefs")
                return
            }
            let port = freePort()
            let server = try FixtureProcess(["/usr/bin/python3", "-c", """
                import socket, time
                s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", \(port))); s.listen(8); print("ready", flush=True)
                held = [s.accept()[0] for _ in range(2)]
                time.sleep(30)
                """])
            let client = try FixtureProcess(["/usr/bin/python3", "-c", """
                import os, signal, socket
                signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
                left = socket.create_connection(("127.0.0.1", \(port)))
                closed = socket.create_connection(("127.0.0.1", \(port)))
                print("ready", left.getsockname()[1], closed.getsockname()[1], flush=True)
                signal.sigwait([signal.SIGUSR1])
                closed.close()
                os._exit(0)
                """])
            let ports = client.output.split(separator: " ").dropFirst().compactMap { UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
            try #require(ports.count == 2)
            let trace = try #require(SocketCloseTrace.start(pids: [client.pid]))
            defer { trace.stop() }
            let signalAt = Clocks.monotonicNanoseconds()
            kill(client.pid, SIGUSR1)
            _ = client.running.process.wait()
            let record = try #require(trace.read())
            let atExit = try #require(ConnectionSampler().atExit(record: record, mainPid: client.pid,
                                                                 signalAt: signalAt, listening: []))
            #expect(atExit.reading == .kernelRecord(closedByProgram: 1), "\(record)")
            #expect(atExit.abandoned.map(\.local.port) == [ports[0]], "\(record)")
            #expect(atExit.abandoned.first?.remote == TCPEndpoint(address: "127.0.0.1", port: UInt16(port)))
            #expect(record.closes(since: signalAt).byProgram.map(\.local.port) == [ports[1]], "\(record)")
            // Its own instance beside the signal watch's, gone once stopped.
            let instance = "/sys/kernel/tracing/instances/sigscope-\(getpid())-sockets"
            #expect(FileManager.default.fileExists(atPath: instance))
            trace.stop()
            #expect(TraceInstance.waitForRemovals())
            #expect(!FileManager.default.fileExists(atPath: instance))
            _ = server
        }
    }
}
