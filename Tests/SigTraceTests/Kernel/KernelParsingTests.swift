import Testing

@testable import SigTrace

/// The kernel backend's pure parts on captured tracefs and /proc text (a 6.18 x86_64 kernel).
@Suite struct KernelParsing {
    static let generateFormat = """
        name: signal_generate
        ID: 261
        format:
        \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
        \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
        \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
        \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

        \tfield:int sig;\toffset:8;\tsize:4;\tsigned:1;
        \tfield:int errno;\toffset:12;\tsize:4;\tsigned:1;
        \tfield:int code;\toffset:16;\tsize:4;\tsigned:1;
        \tfield:char comm[16];\toffset:20;\tsize:16;\tsigned:0;
        \tfield:pid_t pid;\toffset:36;\tsize:4;\tsigned:1;
        \tfield:int group;\toffset:40;\tsize:4;\tsigned:1;
        \tfield:int result;\toffset:44;\tsize:4;\tsigned:1;

        print fmt: "sig=%d errno=%d code=%d comm=%s pid=%d grp=%d res=%d", REC->sig, REC->errno
        """

    static let deliverFormat = """
        name: signal_deliver
        ID: 260
        format:
        \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
        \tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
        \tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
        \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

        \tfield:int sig;\toffset:8;\tsize:4;\tsigned:1;
        \tfield:int errno;\toffset:12;\tsize:4;\tsigned:1;
        \tfield:int code;\toffset:16;\tsize:4;\tsigned:1;
        \tfield:unsigned long sa_handler;\toffset:24;\tsize:8;\tsigned:0;
        \tfield:unsigned long sa_flags;\toffset:32;\tsize:8;\tsigned:0;
        """

    static let headerPage = """
        \tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;
        \tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;
        \tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;
        \tfield: char data;\toffset:16;\tsize:4080;\tsigned:0;
        """

    @Test func formatFilesGiveIdsAndFieldLayouts() throws {
        let format = try TraceEventFormat(parsing: Self.generateFormat, source: "test")
        #expect(format.name == "signal_generate")
        #expect(format.id == 261)
        #expect(format.field("comm") == .init(name: "comm", type: "char", offset: 20, size: 16, signed: false))
        #expect(format.field("pid")?.offset == 36)
        #expect(format.field("result")?.signed == true)
        #expect(throws: SigscopeError.self) { try TraceEventFormat(parsing: "format:\n", source: "x") }
        let layout = try RingBufferPageLayout(parsing: Self.headerPage, source: "header_page")
        #expect(layout == RingBufferPageLayout())
    }

    /// A page as the kernel writes it: header, a time extend, a generate record, padding to the end.
    static func page(records: [(delta: UInt32, bytes: [UInt8])], missed: UInt64? = nil) -> [UInt8] {
        var data: [UInt8] = []
        func put32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { data += $0 } }
        // A time extend of 1 << 27 ns first.
        put32(30 | (5 << 5))
        put32(1)
        for record in records {
            let length = (record.bytes.count + 3) / 4
            put32(UInt32(length) | record.delta << 5)
            data += record.bytes + [UInt8](repeating: 0, count: length * 4 - record.bytes.count)
        }
        var page: [UInt8] = []
        withUnsafeBytes(of: UInt64(1_000_000).littleEndian) { page += $0 }
        var commit = UInt64(data.count)
        if missed != nil { commit |= 1 << 31 | 1 << 30 }
        withUnsafeBytes(of: commit.littleEndian) { page += $0 }
        page += data
        if let missed { withUnsafeBytes(of: missed.littleEndian) { page += $0 } }
        page += [UInt8](repeating: 0, count: 4096 - page.count)
        return page
    }

    static func generateRecord(sender: Int32, signal: Int32, code: Int32, comm: String, target: Int32,
                               result: Int32) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 48)
        func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
            withUnsafeBytes(of: value.littleEndian) { for (i, b) in $0.enumerated() { bytes[offset + i] = b } }
        }
        put(UInt16(261), at: 0)
        put(sender, at: 4)
        put(signal, at: 8)
        put(code, at: 16)
        for (i, b) in comm.utf8.prefix(15).enumerated() { bytes[20 + i] = b }
        put(target, at: 36)
        put(Int32(1), at: 40)
        put(result, at: 44)
        return bytes
    }

    @Test func pagesDecodeIntoRecordsWithTimestampsAndLoss() throws {
        let tracepoints = try SignalTracepoints(
            generate: TraceEventFormat(parsing: Self.generateFormat, source: "g"),
            deliver: TraceEventFormat(parsing: Self.deliverFormat, source: "d"), victim: nil)
        let first = Self.generateRecord(sender: 998, signal: 15, code: 0, comm: "nginx", target: 4711, result: 1)
        let second = Self.generateRecord(sender: 998, signal: 9, code: 0, comm: "nginx", target: 4711, result: 0)
        let page = Self.page(records: [(10, first), (7, second)], missed: 42)
        var records: [KernelSignalRecord] = []
        let summary = page.withUnsafeBytes { bytes in
            RingBufferPage.forEachRecord(in: bytes, layout: RingBufferPageLayout()) { timestamp, record in
                if let decoded = tracepoints.decode(timestamp: timestamp, record) { records.append(decoded) }
            }
        }
        #expect(summary.records == 2)
        #expect(summary.missed)
        #expect(summary.missedCount == 42)
        let base: UInt64 = 1_000_000 + (1 << 27 | 5)
        #expect(records.map(\.timestamp) == [base + 10, base + 17])
        guard case .generate(let term) = records.first else {
            Issue.record("not a generate record")
            return
        }
        #expect(term.senderTid == 998)
        #expect(term.signal == 15)
        #expect(term.targetComm == "nginx")
        #expect(term.targetTid == 4711)
        #expect(term.group)
        #expect(term.result == 1)
    }

    @Test func aTruncatedPageEndsTheWalkWithoutReadingPastIt() {
        var page = Self.page(records: [(1, Self.generateRecord(sender: 1, signal: 15, code: 0, comm: "x", target: 2,
                                                                result: 0))])
        // Claim more data than the page holds.
        page.replaceSubrange(8..<16, with: [0xFF, 0xFF, 0, 0, 0, 0, 0, 0])
        let summary = page.prefix(40).withUnsafeBytes { bytes in
            RingBufferPage.forEachRecord(in: bytes, layout: RingBufferPageLayout()) { _, _ in }
        }
        #expect(summary.records == 0)
    }

    @Test func resultsDecodeWithTheInitCaseSplit() {
        #expect(SignalResult(tracepointValue: 0, targetIsNamespaceInit: true) == .delivered)
        #expect(SignalResult(tracepointValue: 1, targetIsNamespaceInit: false) == .ignored)
        #expect(SignalResult(tracepointValue: 1, targetIsNamespaceInit: true) == .droppedByInit)
        #expect(SignalResult(tracepointValue: 2, targetIsNamespaceInit: false) == .merged)
        #expect(SignalResult(tracepointValue: 3, targetIsNamespaceInit: false) == .overflow)
        #expect(SignalResult(tracepointValue: 4, targetIsNamespaceInit: false) == .infoLost)
        #expect(SignalResult(tracepointValue: 5, targetIsNamespaceInit: false) == nil)
    }

    @Test func filtersNameThreadsSignalsAndComms() {
        let filter = KernelTraceFilter.make(threads: [10, 11], signals: [.term, .kill], comms: [])
        #expect(filter.generate == "(pid == 10 || pid == 11) && (sig == 9 || sig == 15)")
        #expect(filter.deliver == "(common_pid == 10 || common_pid == 11) && (sig == 9 || sig == 15)")
        let all = KernelTraceFilter.make(threads: [], signals: nil, comms: ["nginx"])
        #expect(all.generate == "comm == \"nginx\"")
        #expect(all.deliver == "comm == \"nginx\"")
        let many = KernelTraceFilter.make(threads: Array(1...200), signals: nil, comms: [])
        #expect(many.deliver.isEmpty)
    }

    @Test func procTextForTasksEndsAndCgroups() {
        let status = "Name:\tnginx\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t4711\nNgid:\t0\nPid:\t4712\n"
            + "PPid:\t1\nTracerPid:\t0\nUid:\t101\t101\t101\t101\nGid:\t101\t101\t101\t101\nNStgid:\t4711\t1\n"
            + "NSpid:\t4712\t1\nNSpgid:\t4711\t1\nSigQ:\t0/63541\nSigPnd:\t0000000000000000\n"
            + "ShdPnd:\t0000000000000000\nSigBlk:\t0000000000000000\nSigIgn:\t0000000000001000\n"
        let task = KernelTasks.parseStatus(status)
        #expect(task?.tgid == 4711)
        #expect(task?.comm == "nginx")
        #expect(task?.uid == 101)
        #expect(task?.namespaceInit == true)
        #expect(task?.ignored == [.pipe])
        #expect(KernelTasks.savedValue(31387, in: "1 systemd\n31387 kill\n4 <...>\n") == "kill")
        #expect(KernelTasks.savedValue(4, in: "4 <...>\n") == nil)

        let stat = "4711 (a (b) c) Z 1 4711 4711 0 -1 4194828 " + (10...51).map(String.init).joined(separator: " ")
            + " 137\n"
        #expect(ProcessEnd.parseStat(stat)?.state == "Z")
        #expect(ProcessEnd.parseStat(stat)?.exitCode == 137)

        let cgroups = "9:name=systemd:/\n4:memory:/sigscope-oom\n1:cpu:/\n0::/user.slice\n"
        #expect(MemoryCgroup.parseCgroupFile(cgroups).v1 == "/sigscope-oom")
        #expect(MemoryCgroup.parseCgroupFile(cgroups).unified == "/user.slice")
        #expect(MemoryCgroup.value("oom_kill", in: "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n") == 3)

        let maps = "5600-5601 r--p 00000000 08:01 12 /usr/bin/app\n5601-5603 r-xp 00001000 08:01 12 /usr/bin/app\n"
            + "7f00-7f01 rw-p 00000000 00:00 0 \n7f10-7f20 r-xp 00000000 08:01 13 /lib/libc.so.6\n"
        let mappings = HandlerSymbols.parseMaps(maps)
        #expect(mappings.count == 3)
        #expect(HandlerSymbols.loadBase(of: "/usr/bin/app", in: mappings) == 0x5600)
        #expect(KernelTraceLoop.lostEvents(inStats: "entries: 0\noverrun: 5\ncommit overrun: 0\ndropped events: 2\n")
                == 7)
    }

    @Test func functionNamesForAddresses() {
        let functions = [ELFFunction(address: 0x1000, size: 0x20, name: "on_term"),
                         ELFFunction(address: 0x1040, size: 0, name: "main")]
        #expect(ELFImage.name(of: 0x1000, in: functions) == "on_term")
        #expect(ELFImage.name(of: 0x1010, in: functions) == "on_term+0x10")
        #expect(ELFImage.name(of: 0x1030, in: functions) == nil)
        #expect(ELFImage.name(of: 0x1050, in: functions) == "main+0x10")
        #expect(ELFImage.name(of: 0x10, in: functions) == nil)
    }

    @Test func deathCausesFromTheKillingGeneration() {
        func sent(_ signal: Signal, code: Int32, sender: Int32?) -> SignalDelivery {
            var delivery = SignalDelivery(signal: signal, code: SiginfoCode(signal: signal, code: code))
            delivery.senderPid = sender
            delivery.senderComm = "killer"
            return delivery
        }
        #expect(DeathReport.cause(of: sent(.kill, code: 0, sender: 50), to: 40, oomKills: 0).0 == .process)
        #expect(DeathReport.cause(of: sent(.abrt, code: -6, sender: 40), to: 40, oomKills: 0).0 == .itself)
        #expect(DeathReport.cause(of: sent(.pipe, code: 0, sender: 40), to: 40, oomKills: 0).0 == .brokenPipe)
        #expect(DeathReport.cause(of: sent(.segv, code: 1, sender: nil), to: 40, oomKills: 0).0 == .fault)
        #expect(DeathReport.cause(of: sent(.kill, code: 0x80, sender: nil), to: 40, oomKills: 1).0 == .oomKiller)
        #expect(DeathReport.cause(of: sent(.alrm, code: 0x80, sender: nil), to: 40, oomKills: 0).0 == .timer)
        #expect(DeathReport.cause(of: sent(.alrm, code: -2, sender: nil), to: 40, oomKills: 0).0 == .timer)
        #expect(DeathReport.cause(of: sent(Signal(rawValue: 31)!, code: 1, sender: nil), to: 40, oomKills: 0).0
                == .seccomp)
    }

    /// Events as the kernel backend would produce them for a check of pid 40 (sigscope is 10, kubelet 20).
    static func generated(_ signal: Signal, to pid: Int32, result: SignalResult, from sender: Int32,
                          comm: String, at: UInt64) -> SignalEvent {
        var sent = SignalDelivery(signal: signal, code: SiginfoCode(signal: signal, code: 0))
        sent.senderPid = sender
        sent.senderComm = comm
        sent.result = result
        var event = SignalEvent(.generated(sent), pid: pid, tid: pid)
        event.monotonicNanoseconds = at
        return event
    }

    static func delivered(_ signal: Signal, to pid: Int32, handler: DeliveryHandler, at: UInt64) -> SignalEvent {
        var delivery = SignalDelivery(signal: signal, code: SiginfoCode(signal: signal, code: 0))
        delivery.handler = handler
        var event = SignalEvent(.signal(delivery), pid: pid, tid: pid)
        event.monotonicNanoseconds = at
        return event
    }

    @Test func theStopSignalsFateIsJudgedFromTheKernelsEvents() throws {
        let dropped = KernelStopRecord.judge(
            [Self.generated(.term, to: 40, result: .droppedByInit, from: 10, comm: "sigscope", at: 100),
             Self.generated(.kill, to: 40, result: .delivered, from: 10, comm: "sigscope", at: 900)],
            signal: .term, pids: [40], exit: .signaled(.kill, coreDumped: false))
        let term = try #require(dropped.stopSignal)
        #expect(term.result == .droppedByInit && term.destination == nil && term.senderPid == 10)
        #expect(term.text == "SIGTERM dropped: PID 1 of its namespace has no handler")
        #expect(dropped.kills.map(\.text) == ["SIGKILL from 10 (sigscope): delivered"])
        #expect(dropped.killEvents.count == 1)
        #expect(dropped.facts.map(\.monotonicNanoseconds) == [100, 900])

        let handled = KernelStopRecord.judge(
            [Self.generated(.term, to: 40, result: .delivered, from: 10, comm: "sigscope", at: 100),
             Self.delivered(.term, to: 40, handler: DeliveryHandler(address: 0x1000, flags: 0, symbol: "on_term",
                                                                    image: "/usr/bin/app"), at: 150)],
            signal: .term, pids: [40], exit: .exited(0))
        #expect(handled.stopSignal?.destination == .handler)
        #expect(handled.stopSignal?.handlerSymbol == "on_term")
        #expect(handled.stopSignal?.monotonicNanoseconds == 150)
        #expect(handled.verdictText(signal: .term, pid: 40) == "SIGTERM delivered to its handler on_term (app)")

        let fatal = KernelStopRecord.judge(
            [Self.generated(.term, to: 40, result: .delivered, from: 10, comm: "sigscope", at: 100)],
            signal: .term, pids: [40], exit: .signaled(.term, coreDumped: false))
        #expect(fatal.stopSignal?.destination == .defaultAction)
        let blocked = KernelStopRecord.judge(
            [Self.generated(.term, to: 40, result: .delivered, from: 10, comm: "sigscope", at: 100)],
            signal: .term, pids: [40], exit: .exited(0))
        #expect(blocked.stopSignal?.destination == .pending)

        // A second SIGTERM merged into the pending first; a descendant's SIGKILL names its target.
        let merged = KernelStopRecord.judge(
            [Self.generated(.term, to: 40, result: .delivered, from: 20, comm: "kubelet", at: 100),
             Self.generated(.term, to: 40, result: .merged, from: 20, comm: "kubelet", at: 110),
             Self.generated(.kill, to: 41, result: .delivered, from: 10, comm: "sigscope", at: 900)],
            signal: .term, pids: [40, 41], exit: nil)
        #expect(merged.repeatedStopSignals.map(\.text) == ["SIGTERM merged into the same signal already pending"])
        #expect(merged.kills.first?.text == "SIGKILL to pid 41 from 10 (sigscope): delivered")

        let none = KernelStopRecord.judge([], signal: .term, pids: [40], lostEvents: 3)
        #expect(none.stopSignal == nil)
        #expect(none.verdictText(signal: .term, pid: 40).contains("lost 3 events"))
        let json = dropped.json(signal: .term, pid: 40, signalAt: 50).rendered()
        for key in ["\"signal\":\"SIGTERM\"", "\"result\":\"dropped-by-init\"", "\"delivered_to\":null",
                    "\"sender_pid\":10", "\"seconds_after_signal\":", "\"sigkill\":[{", "\"lost_events\":0"] {
            #expect(json.contains(key), "\(key) in \(json)")
        }
        for line in KernelStopRecord.wrapped("kernel: " + blocked.verdictText(signal: .term, pid: 40)) {
            #expect(line.count <= 80)
        }
    }
}
