#if canImport(Glibc)
import Glibc
#endif

/// The signal-related fields of /proc/PID/status or /proc/PID/task/TID/status.
public struct ProcStatus: Sendable, Equatable {
    /// The command name (`Name:`, the kernel's comm, at most 15 characters).
    public var name: String
    /// The state letter: R, S, D, T, t, Z, X, I.
    public var state: Character
    /// The state as the kernel words it: `sleeping`, `zombie`.
    public var stateDescription: String
    public var tgid: Int32
    public var pid: Int32
    public var ppid: Int32
    /// The pid of the tracer, 0 if none.
    public var tracerPid: Int32
    /// Real, effective, saved and filesystem uid.
    public var uids: [UInt32]
    /// The pid in each nested PID namespace, outermost first; the last is the pid as the process sees it.
    public var nspid: [Int32]
    public var threads: Int
    /// `SigQ: queued/limit`.
    public var queued: Int
    public var queueLimit: Int
    /// Thread-private pending signals.
    public var pendingThread: SignalSet
    /// Process-wide pending signals.
    public var pendingShared: SignalSet
    /// Signals blocked by this thread.
    public var blocked: SignalSet
    public var ignored: SignalSet
    public var caught: SignalSet

    /// True for a kernel thread: it has no user memory (no VmSize line) and belongs to kthreadd (pid 2) or is it.
    public var isKernelThread: Bool

    /// True if this process is the init of its PID namespace (its innermost pid is 1).
    public var isNamespaceInit: Bool { nspid.last == 1 }

    /// True if the task is a zombie (exited, not reaped).
    public var isZombie: Bool { state == "Z" }

    /// The real uid.
    public var uid: UInt32 { uids.first ?? 0 }

    /// Parses the text of a status file. Throws `.malformedProcText` naming the first missing or bad field.
    public init(parsing text: String, source: String = "status") throws(SigscopeError) {
        var text = text
        let parsed = text.withUTF8 { bytes in Result { () throws(SigscopeError) in try Self(bytes: bytes, source: source) } }
        self = try parsed.get()
    }

    /// Parses the bytes of a status file as read from /proc, without building a String per line: `inspect --all`
    /// parses thousands of these and must keep up with `ps`.
    public init(bytes: UnsafeBufferPointer<UInt8>, source: @autoclosure () -> String = "status") throws(SigscopeError) {
        var found = [Range<Int>?](repeating: nil, count: Key.allCases.count)
        var lineStart = 0
        let end = bytes.count
        while lineStart < end {
            let lineEnd = memchr(bytes.baseAddress! + lineStart, 0x0A, end - lineStart)
                .map { UnsafePointer($0.assumingMemoryBound(to: UInt8.self)) - bytes.baseAddress! } ?? end
            var colon = lineStart
            while colon < lineEnd && bytes[colon] != 0x3A { colon += 1 }
            if colon < lineEnd, let key = Key(bytes, lineStart..<colon) {
                var valueStart = colon + 1
                while valueStart < lineEnd && (bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09) {
                    valueStart += 1
                }
                found[key.rawValue] = valueStart..<lineEnd
                // The kernel writes SigCgt after every other field kept here (fs/proc/array.c); what follows
                // (capabilities, cpusets, context switches) is a third of the text.
                if key == .sigCgt { break }
            }
            lineStart = lineEnd + 1
        }
        func lookup(_ key: Key) -> Range<Int>? { found[key.rawValue] }
        func slice(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
        }
        func need(_ key: Key) throws(SigscopeError) -> Range<Int> {
            guard let range = lookup(key) else {
                throw SigscopeError(.malformedProcText, "malformed \(source()): no \(key.name) line")
            }
            return range
        }
        func bad(_ key: Key, _ range: Range<Int>) -> SigscopeError {
            SigscopeError(.malformedProcText, "malformed \(source()): \(key.name) is '\(slice(range))'")
        }
        /// Whitespace-separated unsigned decimal numbers, each passed to `take`.
        func numbers(_ key: Key, _ range: Range<Int>, _ take: (UInt64) throws(SigscopeError) -> Void)
            throws(SigscopeError) {
            var current: UInt64 = 0
            var inNumber = false
            for index in range {
                let byte = bytes[index]
                if byte >= 0x30 && byte <= 0x39 {
                    let (times, overflow1) = current.multipliedReportingOverflow(by: 10)
                    let (sum, overflow2) = times.addingReportingOverflow(UInt64(byte - 0x30))
                    if overflow1 || overflow2 { throw bad(key, range) }
                    current = sum
                    inNumber = true
                } else if byte == 0x20 || byte == 0x09 {
                    if inNumber { try take(current) }
                    current = 0
                    inNumber = false
                } else {
                    throw bad(key, range)
                }
            }
            if inNumber { try take(current) }
        }
        func number(_ key: Key) throws(SigscopeError) -> Int32 {
            let range = try need(key)
            var value: Int32?
            var count = 0
            try numbers(key, range) { (number) throws(SigscopeError) in
                count += 1
                value = Int32(exactly: number)
            }
            guard count == 1, let value else { throw bad(key, range) }
            return value
        }
        func mask(_ key: Key) throws(SigscopeError) -> SignalSet {
            let range = try need(key)
            var value: UInt64 = 0
            var digits = 0
            for index in range {
                let byte = bytes[index]
                let nibble: UInt64
                switch byte {
                case 0x30...0x39: nibble = UInt64(byte - 0x30)
                case 0x61...0x66: nibble = UInt64(byte - 0x61 + 10)
                case 0x41...0x46: nibble = UInt64(byte - 0x41 + 10)
                default: throw bad(key, range)
                }
                if value >> 60 != 0 { throw bad(key, range) }
                value = value << 4 | nibble
                digits += 1
            }
            guard digits > 0 else { throw bad(key, range) }
            return SignalSet(rawValue: value)
        }
        name = slice(try need(.name))
        let stateRange = try need(.state)
        guard !stateRange.isEmpty else {
            throw SigscopeError(.malformedProcText, "malformed \(source()): empty State")
        }
        state = Character(Unicode.Scalar(bytes[stateRange.lowerBound]))
        var open = stateRange.lowerBound
        while open < stateRange.upperBound && bytes[open] != 0x28 { open += 1 }
        var close = stateRange.upperBound - 1
        while close > open && bytes[close] != 0x29 { close -= 1 }
        stateDescription = open < close ? slice(open + 1..<close) : String(state)
        tgid = try number(.tgid)
        pid = try number(.pid)
        ppid = try number(.ppid)
        tracerPid = try number(.tracerPid)
        let uidRange = try need(.uid)
        var uids: [UInt32] = []
        uids.reserveCapacity(4)
        try numbers(.uid, uidRange) { (value) throws(SigscopeError) in
            guard let uid = UInt32(exactly: value) else { throw bad(.uid, uidRange) }
            uids.append(uid)
        }
        if uids.isEmpty { throw bad(.uid, uidRange) }
        self.uids = uids
        if let range = lookup(.nspid) {
            var nspid: [Int32] = []
            try numbers(.nspid, range) { (value) throws(SigscopeError) in
                guard let pid = Int32(exactly: value) else { throw bad(.nspid, range) }
                nspid.append(pid)
            }
            if nspid.isEmpty { throw bad(.nspid, range) }
            self.nspid = nspid
        } else {
            nspid = [pid]
        }
        threads = lookup(.threads) == nil ? 1 : Int(try number(.threads))
        let sigqRange = try need(.sigq)
        var slash = sigqRange.lowerBound
        while slash < sigqRange.upperBound && bytes[slash] != 0x2F { slash += 1 }
        var queue: [UInt64] = []
        if slash < sigqRange.upperBound {
            try numbers(.sigq, sigqRange.lowerBound..<slash) { (value) throws(SigscopeError) in queue.append(value) }
            try numbers(.sigq, slash + 1..<sigqRange.upperBound) { (value) throws(SigscopeError) in queue.append(value) }
        }
        guard queue.count == 2, let queued = Int(exactly: queue[0]), let limit = Int(exactly: queue[1]) else {
            throw bad(.sigq, sigqRange)
        }
        self.queued = queued
        queueLimit = limit
        pendingThread = try mask(.sigPnd)
        pendingShared = try mask(.shdPnd)
        blocked = try mask(.sigBlk)
        ignored = try mask(.sigIgn)
        caught = try mask(.sigCgt)
        if let range = lookup(.kthread) {
            isKernelThread = range.count == 1 && bytes[range.lowerBound] == 0x31
        } else {
            isKernelThread = (ppid == 2 || pid == 2) && lookup(.vmSize) == nil && state != "Z"
        }
    }

    /// The keys the parser keeps.
    enum Key: Int, CaseIterable {
        case name, state, tgid, pid, ppid, tracerPid, uid, nspid, threads, sigq, sigPnd, shdPnd, sigBlk, sigIgn, sigCgt,
             kthread, vmSize

        /// The key as the status file spells it.
        var name: String {
            ["Name", "State", "Tgid", "Pid", "PPid", "TracerPid", "Uid", "NSpid", "Threads", "SigQ", "SigPnd",
             "ShdPnd", "SigBlk", "SigIgn", "SigCgt", "Kthread", "VmSize"][rawValue]
        }

        /// The key spelled by `bytes[range]`, nil for any other. Compares the key's first eight bytes as one
        /// little-endian integer: each status file has some sixty lines and `inspect --all` reads thousands.
        init?(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
            let length = range.count
            guard length >= 3 && length <= 9 else { return nil }
            var code: UInt64 = 0
            for index in 0..<min(length, 8) {
                code |= UInt64(bytes[range.lowerBound + index]) << (8 * UInt64(index))
            }
            switch code {
            case 0x656D_614E: self = .name // "Name"
            case 0x0065_7461_7453: self = .state // "State"
            case 0x6469_6754: self = .tgid // "Tgid"
            case 0x0064_6950: self = .pid // "Pid"
            case 0x6469_5050: self = .ppid // "PPid"
            case 0x6950_7265_6361_7254 where length == 9 && bytes[range.lowerBound + 8] == 0x64:
                self = .tracerPid // "TracerPi" and "d"
            case 0x0064_6955: self = .uid // "Uid"
            case 0x0064_6970_534E: self = .nspid // "NSpid"
            case 0x0073_6461_6572_6854: self = .threads // "Threads"
            case 0x5167_6953: self = .sigq // "SigQ"
            case 0x646E_5067_6953: self = .sigPnd // "SigPnd"
            case 0x646E_5064_6853: self = .shdPnd // "ShdPnd"
            case 0x6B6C_4267_6953: self = .sigBlk // "SigBlk"
            case 0x6E67_4967_6953: self = .sigIgn // "SigIgn"
            case 0x7467_4367_6953: self = .sigCgt // "SigCgt"
            case 0x0064_6165_7268_744B: self = .kthread // "Kthread"
            case 0x657A_6953_6D56: self = .vmSize // "VmSize"
            default: return nil
            }
        }
    }
}
