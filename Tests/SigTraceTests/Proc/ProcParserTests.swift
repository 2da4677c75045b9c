import Testing

@testable import SigTrace

/// The /proc parsers on status files captured from real processes on Debian 12.
@Suite struct ProcParserTests {
    @Test func nginxMasterCatchesTermQuitHupAndIgnoresPipe() throws {
        let status = try ProcStatus(parsing: try TestPaths.procText("nginx-master.status"))
        #expect(status.name == "nginx")
        #expect(status.caught.contains(.term))
        #expect(status.caught.contains(.quit))
        #expect(status.caught.contains(.hup))
        #expect(status.ignored.contains(.pipe))
        #expect(status.blocked.isEmpty)
        #expect(!status.isKernelThread)
        #expect(status.nspid.count == 1)
    }

    @Test func redisCatchesTermAndIgnoresPipe() throws {
        let status = try ProcStatus(parsing: try TestPaths.procText("redis.status"))
        #expect(status.name == "redis-server")
        #expect(status.threads > 1)
        #expect(status.caught.contains(.term))
        #expect(status.ignored.contains(.pipe))
    }

    @Test func goRuntimeCatchesNearlyEverything() throws {
        let status = try ProcStatus(parsing: try TestPaths.procText("go-sleep.status"))
        #expect(status.caught.count >= 28)
        #expect(status.caught.contains(.term))
        #expect(status.threads >= 2)
    }

    @Test func swiftRuntimeCrashHandlersAreSeparatedFromTheApp() throws {
        let status = try ProcStatus(parsing: try TestPaths.procText("swift-dispatch.status"))
        #expect(status.caught.isSuperset(of: Signal.swiftRuntimeCrashSignals))
        let snapshot = ProcessSnapshot.fixture(status, libraries: ["libswiftCore.so"])
        let report = Inspector.judge(snapshot)
        #expect(report.runtime == .swift)
        #expect(report.disposition(.segv).handledBy == .runtimeCrashHandler)
        #expect(report.disposition(.segv).outcome == .dumpsCore)
        #expect(report.disposition(.term).outcome == .terminates)
    }

    @Test func kernelThreadsAreRecognised() throws {
        let status = try ProcStatus(parsing: try TestPaths.procText("kthreadd.status"))
        #expect(status.isKernelThread)
    }

    @Test func namespaceInitIsReadFromNSpid() throws {
        var text = try TestPaths.procText("nginx-master.status")
        text = text.replacingOccurrences(of: #"NSpid:\t\d+"#, with: "NSpid:\t4711\t1", options: .regularExpression)
        let status = try ProcStatus(parsing: text)
        #expect(status.nspid == [4711, 1])
        #expect(status.isNamespaceInit)
    }

    @Test(arguments: [
        ("SigCgt:", "SigCgt:\tnothex\n", "SigCgt"),
        ("SigQ:", "SigQ:\t1-2\n", "SigQ"),
        ("Pid:", "Pid:\tabc\n", "Pid"),
    ])
    func malformedFieldsAreNamed(prefix: String, replacement: String, field: String) throws {
        let original = try TestPaths.procText("nginx-master.status")
        let broken = original.split(separator: "\n").map { $0.hasPrefix(prefix) ? Substring(replacement.dropLast()) : $0 }
            .joined(separator: "\n")
        do {
            _ = try ProcStatus(parsing: broken, source: "/proc/1/status")
            Issue.record("parsed malformed text")
        } catch {
            #expect(error.code == .malformedProcText)
            #expect(error.message.contains(field))
            #expect(error.message.contains("/proc/1/status"))
        }
    }

    @Test func missingFieldsAreNamed() {
        #expect(throws: SigscopeError.self) { try ProcStatus(parsing: "Name:\tx\nState:\tS (sleeping)\n") }
        #expect(throws: SigscopeError.self) { try ProcStatus(parsing: "") }
        #expect(throws: SigscopeError.self) { try ProcStatus(parsing: "\u{0}\u{1}garbage") }
    }

    @Test func readFailuresBecomeOneLineErrors() {
        let gone = ProcReader.error(.gone, pid: 4711, what: "status")
        #expect(gone.code == .noSuchProcess)
        #expect(gone.message == "no such process: 4711")
        let forbidden = ProcReader.error(.forbidden, pid: 4711, what: "status")
        #expect(forbidden.code == .permissionDenied)
        #expect(forbidden.message.contains("permission denied reading /proc/4711/status"))
    }

    @Test func deniedReadsAdviseWhatCanHelp() {
        #expect(ProcReader.readDeniedAdvice(processUid: 1000, euid: 1001) == "run as root (or with CAP_SYS_PTRACE), or as uid 1000")
        #expect(ProcReader.readDeniedAdvice(processUid: 0, euid: 0).hasPrefix("even root may not read them"))
    }

    @Test func syscallFileGivesNumberAndFirstArgument() {
        func parseSyscall(_ text: String) -> (number: Int, argument: UInt64?)? {
            Array(text.utf8).withUnsafeBufferPointer(ProcReader.parseSyscall)
        }
        let parsed = parseSyscall("128 0x7ffc2a1b3c40 0x0 0x0 0x8 0x0 0x0 0x7ffc2a1b3b88 0x7f0e8d8c5a2e\n")
        #expect(parsed?.number == 128)
        #expect(parsed?.argument == 0x7ffc_2a1b_3c40)
        #expect(parseSyscall("230 0x0 0x0\n")?.argument == 0)
        #expect(parseSyscall("running\n") == nil)
        #expect(parseSyscall("-1 0x7ffc2a1b3b88 0x7f0e8d8c5a2e\n") == nil)
        #expect(parseSyscall("61")?.argument == nil)
        #expect(parseSyscall("") == nil)
    }

    @Test func statusParsesFromBytesAsFromText() throws {
        let text = try TestPaths.procText("redis.status")
        let fromBytes = try Array(text.utf8).withUnsafeBufferPointer { bytes in
            Result { () throws(SigscopeError) in try ProcStatus(bytes: bytes) }
        }.get()
        #expect(fromBytes == (try ProcStatus(parsing: text)))
        #expect(fromBytes.stateDescription == "sleeping")
        #expect(fromBytes.queued == 0 && fromBytes.queueLimit == 96365)
    }

    @Test func statusKeysAreRecognisedExactly() {
        func key(_ text: String) -> ProcStatus.Key? {
            Array(text.utf8).withUnsafeBufferPointer { ProcStatus.Key($0, $0.indices) }
        }
        for expected in ProcStatus.Key.allCases {
            #expect(key(expected.name) == expected)
        }
        for other in ["Ngid", "NStgid", "NSpgid", "TracerPix", "TracerPi", "Tracer", "Pi", "SigQQ", "VmSizes", "Gid",
                      "Speculation_Store_Bypass", ""] {
            #expect(key(other) == nil, "\(other)")
        }
    }

    @Test func signalfdMaskFromFdinfo() {
        let fdinfo = "pos:\t0\nflags:\t02000002\nmnt_id:\t15\nino:\t1057\nsigmask:\t0000000000004000\n"
        #expect(ProcReader.signalfdMask(fdinfo) == [.term])
        #expect(ProcReader.signalfdMask("pos:\t0\n") == nil)
    }

    @Test func listeningSocketsFromTCPTable() {
        let table = """
              sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
               0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 31337 1 0
               1: 0100007F:D3A2 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 31338 1 0
            """
        #expect(ProcReader.listeningInodes(inTCPTable: table) == [31337])
    }

    @Test func goHeapIsSeenInMaps() {
        let maps = "00400000-00401000 r-xp 00000000 08:01 1 /tmp/x\nc000000000-c000400000 rw-p 00000000 00:00 0 \n"
        #expect(Runtime.mapsShowGoHeap(maps))
        #expect(!Runtime.mapsShowGoHeap("00400000-00401000 r-xp 00000000 08:01 1 /tmp/x\n"))
    }
}

extension ProcessSnapshot {
    /// A snapshot of a single-threaded process built from a status, for judging without /proc.
    static func fixture(_ status: ProcStatus, signalfds: [SignalfdDescriptor] = [], wait: ThreadWait = .none,
                        children: [ChildProcess] = [], libraries: [String] = []) -> ProcessSnapshot {
        ProcessSnapshot(
            pid: status.pid, status: status, cmdline: ["/usr/bin/app"], exe: "/usr/bin/app",
            threads: [ThreadSnapshot(tid: status.pid, status: status, wait: wait)],
            signalfds: signalfds, listensOnTCP: false, children: children,
            libraries: libraries, goHeapMapped: false)
    }
}
