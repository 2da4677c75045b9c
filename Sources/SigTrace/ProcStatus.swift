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
    ///
    /// Works on UTF-8 bytes: `inspect --all` parses thousands of these and must keep up with `ps`.
    public init(parsing text: String, source: String = "status") throws(SigscopeError) {
        let bytes = Array(text.utf8)
        var found = [Range<Int>?](repeating: nil, count: Self.keys.count)
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            var colon = lineStart
            while colon < lineEnd && bytes[colon] != 0x3A { colon += 1 }
            if colon < lineEnd {
                let key = String(decoding: bytes[lineStart..<colon], as: UTF8.self)
                if let slot = Self.keys.firstIndex(of: key) {
                    var valueStart = colon + 1
                    while valueStart < lineEnd && (bytes[valueStart] == 0x20 || bytes[valueStart] == 0x09) {
                        valueStart += 1
                    }
                    found[slot] = valueStart..<lineEnd
                }
            }
            lineStart = lineEnd + 1
        }
        func lookup(_ key: String) -> Range<Int>? { Self.keys.firstIndex(of: key).flatMap { found[$0] } }
        func slice(_ range: Range<Int>) -> String { String(decoding: bytes[range], as: UTF8.self) }
        func need(_ key: String) throws(SigscopeError) -> Range<Int> {
            guard let range = lookup(key) else {
                throw SigscopeError(.malformedProcText, "malformed \(source): no \(key) line")
            }
            return range
        }
        func bad(_ key: String, _ range: Range<Int>) -> SigscopeError {
            SigscopeError(.malformedProcText, "malformed \(source): \(key) is '\(slice(range))'")
        }
        /// Whitespace-separated unsigned decimal numbers.
        func numbers(_ key: String, _ range: Range<Int>) throws(SigscopeError) -> [UInt64] {
            var result: [UInt64] = []
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
                    if inNumber { result.append(current) }
                    current = 0
                    inNumber = false
                } else {
                    throw bad(key, range)
                }
            }
            if inNumber { result.append(current) }
            return result
        }
        func number(_ key: String) throws(SigscopeError) -> Int32 {
            let range = try need(key)
            let parsed = try numbers(key, range)
            guard parsed.count == 1, let value = Int32(exactly: parsed[0]) else { throw bad(key, range) }
            return value
        }
        func mask(_ key: String) throws(SigscopeError) -> SignalSet {
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
        name = slice(try need("Name"))
        let stateRange = try need("State")
        let stateText = slice(stateRange)
        guard let letter = stateText.first else {
            throw SigscopeError(.malformedProcText, "malformed \(source): empty State")
        }
        state = letter
        if let open = stateText.firstIndex(of: "("), let close = stateText.lastIndex(of: ")"), open < close {
            stateDescription = String(stateText[stateText.index(after: open)..<close])
        } else {
            stateDescription = String(letter)
        }
        tgid = try number("Tgid")
        pid = try number("Pid")
        ppid = try number("PPid")
        tracerPid = try number("TracerPid")
        let uidRange = try need("Uid")
        uids = try numbers("Uid", uidRange).map { (value) throws(SigscopeError) -> UInt32 in
            guard let uid = UInt32(exactly: value) else { throw bad("Uid", uidRange) }
            return uid
        }
        if uids.isEmpty { throw bad("Uid", uidRange) }
        if let range = lookup("NSpid") {
            nspid = try numbers("NSpid", range).map { (value) throws(SigscopeError) -> Int32 in
                guard let pid = Int32(exactly: value) else { throw bad("NSpid", range) }
                return pid
            }
            if nspid.isEmpty { throw bad("NSpid", range) }
        } else {
            nspid = [pid]
        }
        threads = lookup("Threads") == nil ? 1 : Int(try number("Threads"))
        let sigqRange = try need("SigQ")
        let sigq = slice(sigqRange).split(separator: "/")
        guard sigq.count == 2, let queued = Int(sigq[0]), let limit = Int(sigq[1]) else { throw bad("SigQ", sigqRange) }
        self.queued = queued
        queueLimit = limit
        pendingThread = try mask("SigPnd")
        pendingShared = try mask("ShdPnd")
        blocked = try mask("SigBlk")
        ignored = try mask("SigIgn")
        caught = try mask("SigCgt")
        if let range = lookup("Kthread") {
            isKernelThread = slice(range) == "1"
        } else {
            isKernelThread = (ppid == 2 || pid == 2) && lookup("VmSize") == nil && state != "Z"
        }
    }

    /// The keys the parser keeps.
    private static let keys: [String] = [
        "Name", "State", "Tgid", "Pid", "PPid", "TracerPid", "Uid", "NSpid", "Threads", "SigQ", "SigPnd", "ShdPnd",
        "SigBlk", "SigIgn", "SigCgt", "Kthread", "VmSize",
    ]
}
