import Testing

@testable import SigTrace

/// si_code decoding per signal family and the rendering of events, on values built here.
@Suite struct WatchFormatTests {
    @Test func siginfoCodesDependOnTheSignalFamily() {
        #expect(SiginfoCode(signal: .term, code: 0).name == "SI_USER")
        #expect(SiginfoCode(signal: .usr1, code: -1).name == "SI_QUEUE")
        #expect(SiginfoCode(signal: .usr1, code: -6).name == "SI_TKILL")
        #expect(SiginfoCode(signal: .alrm, code: -2).name == "SI_TIMER")
        #expect(SiginfoCode(signal: .segv, code: 0x80).name == "SI_KERNEL")
        #expect(SiginfoCode(signal: .chld, code: 1).name == "CLD_EXITED")
        #expect(SiginfoCode(signal: .chld, code: 6).name == "CLD_CONTINUED")
        #expect(SiginfoCode(signal: .segv, code: 1).name == "SEGV_MAPERR")
        #expect(SiginfoCode(signal: .segv, code: 2).name == "SEGV_ACCERR")
        #expect(SiginfoCode(signal: .bus, code: 2).name == "BUS_ADRERR")
        #expect(SiginfoCode(signal: .fpe, code: 1).name == "FPE_INTDIV")
        #expect(SiginfoCode(signal: .trap, code: 1).name == "TRAP_BRKPT")
        #expect(SiginfoCode(signal: Signal(31), code: 1).name == "SYS_SECCOMP")
        #expect(SiginfoCode(signal: .term, code: 1).name == "code 1")
        #expect(SiginfoCode(signal: .chld, code: 1).origin == .child)
        #expect(SiginfoCode(signal: .segv, code: 0).origin == .process)
        #expect(SiginfoCode(signal: .segv, code: 1).carriesAddress)
        #expect(SiginfoCode(signal: .usr1, code: -1).carriesValue)
        #expect(!SiginfoCode(signal: .usr1, code: 0).carriesValue)
    }

    /// SIGTERM from the kubelet, as `kill` sends it.
    static var kubeletTerm: SignalDelivery {
        var delivery = SignalDelivery(signal: .term, code: SiginfoCode(signal: .term, code: 0))
        delivery.senderPid = 998
        delivery.senderUid = 0
        delivery.senderComm = "kubelet"
        return delivery
    }

    @Test func jsonLinesCarryTheDocumentedKeys() {
        let delivery = Self.kubeletTerm
        let line = WatchFormat(style: TextStyle(colored: false)).json(SignalEvent(.signal(delivery), pid: 4711, tid: 4712))
        // A JSON line is a document of its own: schema_version first (docs/json.md).
        #expect(line.hasPrefix(#"{"schema_version":1,"event":"signal","time":""#))
        #expect(line.hasSuffix("\n"))
        #expect(line.split(separator: "\n").count == 1)
        for key in ["pid", "tid", "signal", "number", "code", "sender_pid", "sender_uid", "sender_comm"] {
            #expect(line.contains("\"\(key)\":"), "missing \(key)")
        }
        #expect(line.contains(#""pid":4711,"tid":4712"#))
        #expect(line.contains(#""sender_pid":998,"sender_uid":0,"sender_comm":"kubelet""#))

        let killed = WatchFormat(style: TextStyle(colored: false))
            .json(SignalEvent(.killed(.segv, coreDumped: true), pid: 5, tid: 5))
        #expect(killed.contains(#""signal":"SIGSEGV","number":11,"core_dumped":true"#))
        let exit = WatchFormat(style: TextStyle(colored: false)).json(SignalEvent(.exit(code: 3), pid: 5, tid: 5))
        #expect(exit.contains(#""event":"exit""#) && exit.contains(#""code":3"#))
    }

    @Test func textLineReadsLikeStrace() {
        let delivery = Self.kubeletTerm
        let line = WatchFormat(style: TextStyle(colored: false)).text(SignalEvent(.signal(delivery), pid: 4711, tid: 4711))
        #expect(line.hasSuffix("   4711     4711  SIGTERM       from 998 (kubelet) uid 0  SI_USER\n"))
    }

    @Test func isoTimeIsUTCWithMicroseconds() {
        #expect(WatchFormat.isoTime(0.25) == "1970-01-01T00:00:00.250000Z")
        #expect(WatchFormat.isoTime(1_700_000_000.5) == "2023-11-14T22:13:20.500000Z")
    }

    @Test func summaryCountsPerSignalAndSender() {
        var summary = WatchSummary()
        for sender: Int32 in [10, 10, 11] {
            var delivery = SignalDelivery(signal: .term, code: SiginfoCode(signal: .term, code: 0))
            delivery.senderPid = sender
            delivery.senderComm = "k\(sender)"
            summary.record(SignalEvent(.signal(delivery), pid: 1, tid: 1))
        }
        summary.record(SignalEvent(.exit(code: 0), pid: 1, tid: 1))
        #expect(summary.signalCount == 3)
        #expect(summary.senders(of: .term).map { $0.1 } == [2, 1])
        let text = summary.text(style: TextStyle(colored: false))
        #expect(text.contains("3 signals delivered; 1 exit"))
        #expect(text.contains("SIGTERM      3  10 (k10) ×2, 11 (k11) ×1"))
        #expect(summary.json().contains(#""senders":[{"pid":10,"comm":"k10","count":2}"#))
    }

    /// A flood's runs of one sender and senders that take turns count the same.
    @Test func summaryCountsRunsAndSendersTakingTurns() {
        var summary = WatchSummary()
        let sends: [(Signal, Int32?, String?)] = [
            (.usr1, 10, "a"), (.usr1, 10, "a"), (.usr1, 10, "a"), (.usr1, 11, "b"), (.usr1, 10, "a"),
            (.usr2, 10, "a"), (.usr1, 10, "a"), (.usr1, 10, "renamed"), (.usr1, 10, "renamed"), (.usr1, 10, nil),
        ]
        for (signal, pid, comm) in sends {
            var delivery = SignalDelivery(signal: signal, code: SiginfoCode(signal: signal, code: 0))
            delivery.senderPid = pid
            delivery.senderComm = comm
            summary.record(SignalEvent(.signal(delivery), pid: 1, tid: 1))
            summary.record(SignalEvent(.generated(delivery), pid: 1, tid: 1))
        }
        var kernel = SignalDelivery(signal: .pipe, code: SiginfoCode(signal: .pipe, code: 0x80))
        kernel.contextPid = 1
        summary.record(SignalEvent(.signal(kernel), pid: 1, tid: 1))
        summary.record(SignalEvent(.exit(code: 0), pid: 1, tid: 1))
        #expect(summary.signals == [.usr1: 9, .usr2: 1, .pipe: 1])
        #expect(summary.events == ["signal": 11, "generated": 10, "exit": 1])
        typealias Sender = WatchSummary.Sender
        #expect(summary.senders[.usr1] == [Sender(pid: 10, comm: "a"): 5, Sender(pid: 11, comm: "b"): 1,
                                           Sender(pid: 10, comm: "renamed"): 2, Sender(pid: 10, comm: nil): 1])
        #expect(summary.senders[.pipe] == [Sender(pid: nil, comm: nil): 1])
        #expect(summary.signalCount == 11)
        // Reading it does not disturb the counting.
        var more = summary
        var delivery = SignalDelivery(signal: .usr1, code: SiginfoCode(signal: .usr1, code: 0))
        delivery.senderPid = 10
        delivery.senderComm = "a"
        more.record(SignalEvent(.signal(delivery), pid: 1, tid: 1))
        #expect(more.senders(of: .usr1).first.map { $0.1 } == 6)
        #expect(summary.senders(of: .usr1).first.map { $0.1 } == 5)
    }
}
