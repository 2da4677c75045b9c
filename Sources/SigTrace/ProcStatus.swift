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
        var fields: [Substring: Substring] = [:]
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { continue }
            var value = line[line.index(after: colon)...]
            while let first = value.first, first == " " || first == "\t" { value.removeFirst() }
            fields[line[..<colon]] = value
        }
        func need(_ key: Substring) throws(SigscopeError) -> Substring {
            guard let value = fields[key] else {
                throw SigscopeError(.malformedProcText, "malformed \(source): no \(key) line")
            }
            return value
        }
        func number(_ key: Substring) throws(SigscopeError) -> Int32 {
            let value = try need(key)
            guard let parsed = Int32(value) else {
                throw SigscopeError(.malformedProcText, "malformed \(source): \(key) is '\(value)'")
            }
            return parsed
        }
        func mask(_ key: Substring) throws(SigscopeError) -> SignalSet {
            let value = try need(key)
            guard let parsed = SignalSet(hex: value) else {
                throw SigscopeError(.malformedProcText, "malformed \(source): \(key) is '\(value)'")
            }
            return parsed
        }
        name = String(try need("Name"))
        let stateText = try need("State")
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
        uids = try need("Uid").split(whereSeparator: { $0 == "\t" || $0 == " " }).map { (part) throws(SigscopeError) in
            guard let value = UInt32(part) else {
                throw SigscopeError(.malformedProcText, "malformed \(source): Uid is '\(part)'")
            }
            return value
        }
        if let nspidText = fields["NSpid"] {
            nspid = try nspidText.split(whereSeparator: { $0 == "\t" || $0 == " " }).map { (part) throws(SigscopeError) in
                guard let value = Int32(part) else {
                    throw SigscopeError(.malformedProcText, "malformed \(source): NSpid is '\(nspidText)'")
                }
                return value
            }
        } else {
            nspid = [pid]
        }
        if let threadText = fields["Threads"] {
            guard let count = Int(threadText) else {
                throw SigscopeError(.malformedProcText, "malformed \(source): Threads is '\(threadText)'")
            }
            threads = count
        } else {
            threads = 1
        }
        let sigq = try need("SigQ").split(separator: "/")
        guard sigq.count == 2, let queued = Int(sigq[0]), let limit = Int(sigq[1]) else {
            throw SigscopeError(.malformedProcText, "malformed \(source): SigQ is '\(fields["SigQ"] ?? "")'")
        }
        self.queued = queued
        queueLimit = limit
        pendingThread = try mask("SigPnd")
        pendingShared = try mask("ShdPnd")
        blocked = try mask("SigBlk")
        ignored = try mask("SigIgn")
        caught = try mask("SigCgt")
        if let kthread = fields["Kthread"] {
            isKernelThread = kthread == "1"
        } else {
            isKernelThread = (ppid == 2 || pid == 2) && fields["VmSize"] == nil && state != "Z"
        }
    }
}
