import Testing

@testable import SigTrace

/// The byte writer behind `watch`'s output renders exactly what the documented JSON (`WatchFormat.jsonValue`,
/// docs/json.md) and the text lines said before it existed, for every kind of event and every optional field.
@Suite struct WatchLineWriterTests {
    /// An event at a fixed moment.
    static func at(_ wall: Double, _ kind: SignalEvent.Kind, pid: Int32 = 4711, tid: Int32 = 4712) -> SignalEvent {
        var event = SignalEvent(kind, pid: pid, tid: tid)
        event.wallSeconds = wall
        event.monotonicNanoseconds = 98_765_432_100
        return event
    }

    static func delivery(_ signal: Signal, code: Int32, _ fill: (inout SignalDelivery) -> Void = { _ in })
        -> SignalDelivery
    {
        var delivery = SignalDelivery(signal: signal, code: SiginfoCode(signal: signal, code: code))
        fill(&delivery)
        return delivery
    }

    /// Every kind of event, every optional field set and unset, strings that need escaping, clocks that move
    /// forward, stay in one second and go back.
    static let corpus: [SignalEvent] = {
        let handler = DeliveryHandler(address: 0x55d0_c0a0_1234, flags: 0x1400_0004, symbol: "on_term",
                                      image: "/usr/local/bin/app")
        var events: [SignalEvent] = [
            at(1_764_426_000.25, .signal(delivery(.term, code: 0) {
                $0.senderPid = 998; $0.senderUid = 0; $0.senderComm = "kubelet"
            })),
            at(1_764_426_000.999999, .signal(delivery(.kill, code: 0) {
                $0.senderPid = 1; $0.senderUid = 0; $0.senderComm = "systemd"
                $0.senderCmdline = ["/sbin/init", "splash"]; $0.handler = DeliveryHandler(address: 0, flags: 0)
                $0.result = .delivered
            })),
            at(1_764_426_001.5, .generated(delivery(.usr1, code: -1) {
                $0.senderPid = 4711; $0.senderUid = 1000; $0.senderComm = "a \"quoted\"\\comm\n"
                $0.senderCmdline = ["/bin/sh", "-c", "kill -USR1 \"$PPID\"\t", "üñí"]; $0.valueInt = -7
                $0.valuePointer = 0xdead_beef; $0.result = .delivered
            })),
            at(1_764_426_001.5, .signal(delivery(.usr1, code: -1) {
                $0.senderPid = 4711; $0.senderUid = 1000; $0.senderComm = "sender"; $0.senderCmdline = []
                $0.valueInt = 42; $0.handler = handler; $0.result = .delivered
            })),
            at(1_764_425_999.000001, .signal(delivery(.usr2, code: -6) {
                $0.senderPid = 0; $0.senderUid = 65534; $0.senderNamespacePid = 7
                $0.handler = DeliveryHandler(address: 0x401000, flags: 0x1000_0000, symbol: nil, image: "/app")
            })),
            at(1_764_426_002, .signal(delivery(.hup, code: 0) { $0.senderNamespacePid = 3; $0.senderUid = 0 })),
            at(1_764_426_002, .signal(delivery(.int, code: 0) { $0.senderUid = 0 })),
            at(1_764_426_002, .signal(delivery(.quit, code: 0) { $0.handler = DeliveryHandler(address: 1, flags: 0) })),
            at(1_764_426_002, .signal(delivery(.chld, code: 1) {
                $0.senderPid = 5000; $0.senderUid = 0; $0.senderComm = "child"; $0.childStatus = 3
                $0.senderNamespacePid = 12
            })),
            at(1_764_426_002, .signal(delivery(.chld, code: 2) { $0.childStatus = 9 })),
            at(1_764_426_003.123, .signal(delivery(.segv, code: 1) {
                $0.faultAddress = 0; $0.contextPid = 4711; $0.contextComm = "app"; $0.errno = 14
                $0.handler = DeliveryHandler(address: 0, flags: 0x8000_0000 | 0x4000_0000 | 0x0800_0000 | 0x3)
            })),
            at(1_764_426_003.123, .signal(delivery(.bus, code: 2) { $0.faultAddress = 0xffff_ffff_ffff_f000 })),
            at(1_764_426_003.5, .signal(delivery(.alrm, code: -2) {
                $0.timerId = 2; $0.timerOverrun = 0; $0.valueInt = 5; $0.contextPid = 0; $0.contextComm = "idle"
            })),
            at(1_764_426_003.5, .signal(delivery(.alrm, code: -2))),
            at(1_764_426_004, .signal(delivery(Signal(29), code: 1) { $0.pollDescriptor = 5; $0.pollBand = 65 })),
            at(1_764_426_004, .signal(delivery(Signal(29), code: 1))),
            at(1_764_426_004, .signal(delivery(Signal(31), code: 1) { $0.syscall = 59; $0.contextPid = 9 })),
            at(1_764_426_004, .signal(delivery(Signal(31), code: 1))),
            at(1_764_426_005, .generated(delivery(.kill, code: 0x80) {
                $0.oomKiller = true; $0.contextPid = 4800; $0.contextComm = nil; $0.result = .delivered
            })),
            at(1_764_426_005, .signal(delivery(.pipe, code: 0x80) { $0.contextPid = 4711; $0.contextComm = "app" })),
            at(1_764_426_005, .signal(delivery(.term, code: 77))),
            at(1_764_426_005, .signal(delivery(Signal(64), code: -1) { $0.senderPid = 2; $0.senderComm = "kthreadd" })),
            at(1_764_426_005, .signal(delivery(Signal(35), code: -1) {
                $0.senderPid = 2; $0.senderUid = 0; $0.senderComm = nil; $0.valueInt = Int32.min
            })),
        ]
        for result in SignalResult.allCases {
            events.append(at(1_764_426_006, .generated(delivery(.term, code: 0) {
                $0.senderPid = 77; $0.senderUid = 0; $0.senderComm = "kill"; $0.senderCmdline = ["kill", "77"]
                $0.result = result
            })))
        }
        events.append(at(1_764_426_006, .generated(delivery(.stop, code: 0) { $0.result = .merged })))
        events += [
            at(1_764_426_007, .stopped(.tstp)), at(1_764_426_007, .continued),
            at(1_764_426_007, .exec(path: "/usr/bin/env \"x\"", formerTid: nil)),
            at(1_764_426_007, .exec(path: nil, formerTid: 4713)), at(1_764_426_007, .thread(parentTid: 4711)),
            at(1_764_426_007, .fork(childPid: 5001)), at(1_764_426_007, .exit(code: 0)),
            at(1_764_426_007, .exit(code: -1), pid: -1, tid: 1_234_567_890),
            at(1_764_426_008, .killed(.segv, coreDumped: true)), at(1_764_426_008, .killed(.kill, coreDumped: false)),
            at(1_764_426_008, .detached(stopped: true)), at(1_764_426_008, .detached(stopped: false)),
            at(0.25, .exit(code: 1)),
        ]
        return events
    }()

    @Test func jsonLinesAreTheDocumentedObjectsByteForByte() {
        var writer = WatchLineWriter(style: TextStyle(colored: false))
        var all: [UInt8] = []
        var expected = ""
        for event in Self.corpus {
            var line: [UInt8] = []
            writer.appendJSON(event, to: &line)
            let reference = WatchFormat.jsonValue(event, document: true).rendered() + "\n"
            #expect(String(decoding: line, as: UTF8.self) == reference)
            all += line
            expected += reference
        }
        // One buffer for a whole batch, as watch writes it.
        #expect(String(decoding: all, as: UTF8.self) == expected)
        #expect(expected.contains(#""sender_comm":"a \"quoted\"\\comm\n""#))
        #expect(expected.contains(#""time":"2025-11-29T14:20:00.250000Z""#))
    }

    @Test func textLinesAreTheLinesWatchPrinted() {
        for colored in [false, true] {
            var writer = WatchLineWriter(style: TextStyle(colored: colored))
            let golden = colored ? Self.coloredText : Self.plainText
            #expect(golden.count == Self.corpus.count)
            for (event, suffix) in zip(Self.corpus, golden) {
                var line: [UInt8] = []
                writer.appendText(event, to: &line)
                #expect(String(decoding: line, as: UTF8.self) == WatchFormat.clockTime(event.wallSeconds) + suffix)
            }
        }
    }
}

/// The text lines after the clock, as the String renderer that came before `WatchLineWriter` printed them.
extension WatchLineWriterTests {
    static let plainText: [String] = [
        "     4711     4712  SIGTERM       from 998 (kubelet) uid 0  SI_USER\n",
        "     4711     4712  SIGKILL       from 1 (systemd) uid 0  SI_USER  -> default action\n",
        "     4711     4712  SIGUSR1       sent from 4711 (a \"quoted\"\\comm\n) uid 1000  SI_QUEUE  value -7  -> delivered\n",
        "     4711     4712  SIGUSR1       from 4711 (sender) uid 1000  SI_QUEUE  value 42  -> handler on_term (app) SA_SIGINFO|SA_RESTART\n",
        "     4711     4712  SIGUSR2       sender not seen  SI_TKILL  -> handler 0x401000 (app) SA_RESTART\n",
        "     4711     4712  SIGHUP        from pid 3 of its namespace (gone) uid 0  SI_USER\n",
        "     4711     4712  SIGINT        from outside the PID namespace uid 0  SI_USER\n",
        "     4711     4712  SIGQUIT       sender not seen  SI_USER  -> ignored (SIG_IGN)\n",
        "     4711     4712  SIGCHLD       child 5000 [12 in its namespace] (child) status 3  CLD_EXITED\n",
        "     4711     4712  SIGCHLD       child gone (gone) status 9  CLD_KILLED\n",
        "     4711     4712  SIGSEGV       fault at 0x0 (in 4711 app)  SEGV_MAPERR  -> default action SA_NOCLDSTOP|SA_NOCLDWAIT|SA_ONSTACK|SA_NODEFER|SA_RESETHAND\n",
        "     4711     4712  SIGBUS        fault at 0xfffffffffffff000  BUS_ADRERR\n",
        "     4711     4712  SIGALRM       timer 2 overrun 0 (in interrupt)  SI_TIMER  value 5\n",
        "     4711     4712  SIGALRM       timer 0 overrun 0  SI_TIMER\n",
        "     4711     4712  SIGIO         fd 5 band 65  POLL_IN\n",
        "     4711     4712  SIGIO         fd -1 band 0  POLL_IN\n",
        "     4711     4712  SIGSYS        syscall 59 (in 9 gone)  SYS_SECCOMP\n",
        "     4711     4712  SIGSYS        syscall -1  SYS_SECCOMP\n",
        "     4711     4712  SIGKILL       sent from the kernel: the OOM killer (in 4800 gone)  SI_KERNEL  -> delivered\n",
        "     4711     4712  SIGPIPE       from the kernel (in 4711 app)  SI_KERNEL\n",
        "     4711     4712  SIGTERM       from the kernel  code 77\n",
        "     4711     4712  SIGRTMAX      from 2 (kthreadd) uid 0  SI_QUEUE\n",
        "     4711     4712  SIGRTMIN+1    from 2 (gone) uid 0  SI_QUEUE  value -2147483648\n",
        "     4711     4712  SIGTERM       sent from 77 (kill) uid 0  SI_USER  -> delivered\n",
        "     4711     4712  SIGTERM       sent from 77 (kill) uid 0  SI_USER  -> ignored\n",
        "     4711     4712  SIGTERM       sent from 77 (kill) uid 0  SI_USER  -> dropped-by-init\n",
        "     4711     4712  SIGTERM       sent from 77 (kill) uid 0  SI_USER  -> merged\n",
        "     4711     4712  SIGTERM       sent from 77 (kill) uid 0  SI_USER  -> overflow\n",
        "     4711     4712  SIGTERM       sent from 77 (kill) uid 0  SI_USER  -> info-lost\n",
        "     4711     4712  SIGSTOP       sent sender not seen  SI_USER  -> merged\n",
        "     4711     4712  stopped       group-stop by SIGTSTP\n",
        "     4711     4712  continued     group-stop ended (SIGCONT)\n",
        "     4711     4712  exec          /usr/bin/env \"x\"\n",
        "     4711     4712  exec          ?  (by thread 4713)\n",
        "     4711     4712  thread        new thread 4712, created by 4711\n",
        "     4711     4712  fork          child 5001, traced\n",
        "     4711     4712  exit          code 0\n",
        "       -1  1234567890  exit          code -1\n",
        "     4711     4712  killed        by SIGSEGV (core dumped)\n",
        "     4711     4712  killed        by SIGKILL\n",
        "     4711     4712  detached      left stopped, as found\n",
        "     4711     4712  detached      running\n",
        "     4711     4712  exit          code 1\n",
    ]

    static let coloredText: [String] = [
        "     4711     4712  \u{1B}[1mSIGTERM\u{1B}[0m       from 998 (kubelet) uid 0  \u{1B}[2mSI_USER\u{1B}[0m\n",
        "     4711     4712  \u{1B}[1mSIGKILL\u{1B}[0m       from 1 (systemd) uid 0  \u{1B}[2mSI_USER\u{1B}[0m  -> default action\n",
        "     4711     4712  SIGUSR1       sent from 4711 (a \"quoted\"\\comm\n) uid 1000  \u{1B}[2mSI_QUEUE\u{1B}[0m  value -7  -> delivered\n",
        "     4711     4712  SIGUSR1       from 4711 (sender) uid 1000  \u{1B}[2mSI_QUEUE\u{1B}[0m  value 42  -> handler on_term (app) \u{1B}[2mSA_SIGINFO|SA_RESTART\u{1B}[0m\n",
        "     4711     4712  SIGUSR2       sender not seen  \u{1B}[2mSI_TKILL\u{1B}[0m  -> handler 0x401000 (app) \u{1B}[2mSA_RESTART\u{1B}[0m\n",
        "     4711     4712  SIGHUP        from pid 3 of its namespace (gone) uid 0  \u{1B}[2mSI_USER\u{1B}[0m\n",
        "     4711     4712  SIGINT        from outside the PID namespace uid 0  \u{1B}[2mSI_USER\u{1B}[0m\n",
        "     4711     4712  SIGQUIT       sender not seen  \u{1B}[2mSI_USER\u{1B}[0m  -> ignored (SIG_IGN)\n",
        "     4711     4712  SIGCHLD       child 5000 [12 in its namespace] (child) status 3  \u{1B}[2mCLD_EXITED\u{1B}[0m\n",
        "     4711     4712  SIGCHLD       child gone (gone) status 9  \u{1B}[2mCLD_KILLED\u{1B}[0m\n",
        "     4711     4712  SIGSEGV       fault at 0x0 (in 4711 app)  \u{1B}[2mSEGV_MAPERR\u{1B}[0m  -> default action \u{1B}[2mSA_NOCLDSTOP|SA_NOCLDWAIT|SA_ONSTACK|SA_NODEFER|SA_RESETHAND\u{1B}[0m\n",
        "     4711     4712  SIGBUS        fault at 0xfffffffffffff000  \u{1B}[2mBUS_ADRERR\u{1B}[0m\n",
        "     4711     4712  SIGALRM       timer 2 overrun 0 (in interrupt)  \u{1B}[2mSI_TIMER\u{1B}[0m  value 5\n",
        "     4711     4712  SIGALRM       timer 0 overrun 0  \u{1B}[2mSI_TIMER\u{1B}[0m\n",
        "     4711     4712  SIGIO         fd 5 band 65  \u{1B}[2mPOLL_IN\u{1B}[0m\n",
        "     4711     4712  SIGIO         fd -1 band 0  \u{1B}[2mPOLL_IN\u{1B}[0m\n",
        "     4711     4712  SIGSYS        syscall 59 (in 9 gone)  \u{1B}[2mSYS_SECCOMP\u{1B}[0m\n",
        "     4711     4712  SIGSYS        syscall -1  \u{1B}[2mSYS_SECCOMP\u{1B}[0m\n",
        "     4711     4712  \u{1B}[1mSIGKILL\u{1B}[0m       sent from the kernel: the OOM killer (in 4800 gone)  \u{1B}[2mSI_KERNEL\u{1B}[0m  -> delivered\n",
        "     4711     4712  SIGPIPE       from the kernel (in 4711 app)  \u{1B}[2mSI_KERNEL\u{1B}[0m\n",
        "     4711     4712  \u{1B}[1mSIGTERM\u{1B}[0m       from the kernel  \u{1B}[2mcode 77\u{1B}[0m\n",
        "     4711     4712  SIGRTMAX      from 2 (kthreadd) uid 0  \u{1B}[2mSI_QUEUE\u{1B}[0m\n",
        "     4711     4712  SIGRTMIN+1    from 2 (gone) uid 0  \u{1B}[2mSI_QUEUE\u{1B}[0m  value -2147483648\n",
        "     4711     4712  \u{1B}[1mSIGTERM\u{1B}[0m       sent from 77 (kill) uid 0  \u{1B}[2mSI_USER\u{1B}[0m  -> delivered\n",
        "     4711     4712  \u{1B}[1mSIGTERM\u{1B}[0m       sent from 77 (kill) uid 0  \u{1B}[2mSI_USER\u{1B}[0m  -> \u{1B}[31mignored\u{1B}[0m\n",
        "     4711     4712  \u{1B}[1mSIGTERM\u{1B}[0m       sent from 77 (kill) uid 0  \u{1B}[2mSI_USER\u{1B}[0m  -> \u{1B}[31mdropped-by-init\u{1B}[0m\n",
        "     4711     4712  \u{1B}[1mSIGTERM\u{1B}[0m       sent from 77 (kill) uid 0  \u{1B}[2mSI_USER\u{1B}[0m  -> \u{1B}[33mmerged\u{1B}[0m\n",
        "     4711     4712  \u{1B}[1mSIGTERM\u{1B}[0m       sent from 77 (kill) uid 0  \u{1B}[2mSI_USER\u{1B}[0m  -> \u{1B}[31moverflow\u{1B}[0m\n",
        "     4711     4712  \u{1B}[1mSIGTERM\u{1B}[0m       sent from 77 (kill) uid 0  \u{1B}[2mSI_USER\u{1B}[0m  -> \u{1B}[33minfo-lost\u{1B}[0m\n",
        "     4711     4712  SIGSTOP       sent sender not seen  \u{1B}[2mSI_USER\u{1B}[0m  -> \u{1B}[33mmerged\u{1B}[0m\n",
        "     4711     4712  \u{1B}[33mstopped\u{1B}[0m       group-stop by SIGTSTP\n",
        "     4711     4712  \u{1B}[32mcontinued\u{1B}[0m     group-stop ended (SIGCONT)\n",
        "     4711     4712  exec          /usr/bin/env \"x\"\n",
        "     4711     4712  exec          ?  (by thread 4713)\n",
        "     4711     4712  thread        new thread 4712, created by 4711\n",
        "     4711     4712  fork          child 5001, traced\n",
        "     4711     4712  exit          code 0\n",
        "       -1  1234567890  exit          code -1\n",
        "     4711     4712  \u{1B}[31mkilled\u{1B}[0m        by SIGSEGV (core dumped)\n",
        "     4711     4712  \u{1B}[31mkilled\u{1B}[0m        by SIGKILL\n",
        "     4711     4712  detached      left stopped, as found\n",
        "     4711     4712  detached      running\n",
        "     4711     4712  exit          code 1\n",
    ]
}
