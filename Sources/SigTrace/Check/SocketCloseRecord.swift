#if canImport(Glibc)
import Glibc
#endif

/// The kernel's record of how the service's TCP connections ended: every close of a connection by one of its tasks
/// (`sock:inet_sock_set_state` from ESTABLISHED or CLOSE_WAIT to FIN_WAIT1, LAST_ACK or CLOSE, in that task's own
/// context) and every task's exit (`sched:sched_process_exit`). The kernel fires the exit event in do_exit before
/// exit_files releases the descriptors, so a close a task made after its own exit event was the kernel's, and one
/// before it was the program's (measured on 6.18: a Python client's `close()` shows before its exit event, the
/// socket it left to `os._exit` after it). Pure: the text of the instance's `trace` file is read elsewhere.
public struct SocketCloseRecord: Sendable, Equatable {
    /// One close of a connection, in the context of the task that made it.
    public struct Close: Sendable, Equatable {
        public var at: UInt64
        /// The task (thread id) whose context closed it, and its process when the record has the tgid.
        public var tid: Int32
        public var tgid: Int32?
        public var comm: String
        public var local: TCPEndpoint
        public var remote: TCPEndpoint
        public var oldState: TCPSocket.State
        public var newState: TCPSocket.State
    }

    /// One task's exit, as the kernel recorded it at the top of do_exit.
    public struct Exit: Sendable, Equatable {
        public var at: UInt64
        public var tid: Int32
        public var tgid: Int32?
    }

    public var closes: [Close]
    public var exits: [Exit]
    /// True when the kernel overwrote records before they were read (more written than the buffer holds).
    public var lostRecords: Bool

    public init(closes: [Close] = [], exits: [Exit] = [], lostRecords: Bool = false) {
        self.closes = closes
        self.exits = exits
        self.lostRecords = lostRecords
    }

    /// A close the kernel made at the exit of its task: the task's own exit event came before it.
    public func closedAtExit(_ close: Close) -> Bool {
        exits.contains { $0.tid == close.tid && $0.at <= close.at }
    }

    /// The closes from `since` (monotonic) on, split by who made them.
    public func closes(since: UInt64) -> (byKernel: [Close], byProgram: [Close]) {
        let recent = closes.filter { $0.at >= since }
        return (recent.filter(closedAtExit), recent.filter { !closedAtExit($0) })
    }

    /// Parses the instance's `trace` file (clock `mono`, `options/record-tgid` on or off). Records made in a
    /// softirq or hardirq (the other end of a loopback connection runs there, in whatever task was current) are
    /// not a task's own close and are left out, as are other transitions.
    public static func parse(_ text: String) -> SocketCloseRecord {
        var record = SocketCloseRecord()
        for line in text.split(separator: "\n") {
            if line.hasPrefix("#") {
                record.lostRecords = record.lostRecords || Self.headerShowsLoss(line)
                continue
            }
            guard let header = Self.header(line) else { continue }
            switch header.event {
            case "sched_process_exit":
                record.exits.append(Exit(at: header.at, tid: header.tid, tgid: header.tgid))
            case "inet_sock_set_state":
                guard header.inTask, let close = Self.close(header) else { continue }
                record.closes.append(close)
            default:
                continue
            }
        }
        return record
    }

    /// A record's common part: `  python3-21254   (  21254) [001] ..... 33385.860919: inet_sock_set_state: ...`.
    struct Header {
        var comm: String
        var tid: Int32
        var tgid: Int32?
        var flags: Substring
        var at: UInt64
        var event: Substring
        var fields: Substring

        /// The third flag column is `.` in a task's own context, `s`/`h`/`H` in an interrupt.
        var inTask: Bool { flags.count >= 3 && flags[flags.index(flags.startIndex, offsetBy: 2)] == "." }
    }

    static func header(_ line: Substring) -> Header? {
        // The timestamp is the last word before the first ": "; comm may hold spaces, dashes and colons.
        guard let cpuOpen = line.range(of: " [") else { return nil }
        let task = line[..<cpuOpen.lowerBound]
        let rest = line[cpuOpen.upperBound...]
        guard let cpuClose = rest.firstIndex(of: "]"), let eventMark = rest.range(of: ": ") else { return nil }
        let words = rest[rest.index(after: cpuClose)..<eventMark.lowerBound].split(separator: " ")
        guard words.count == 2, let at = Self.nanoseconds(words[1]) else { return nil }
        let after = rest[eventMark.upperBound...]
        guard let nameEnd = after.range(of: ": ") else { return nil }
        // `comm-tid`, then `(tgid)` when record-tgid is on.
        var taskText = task.trimmingWhitespaceSubstring()
        var tgid: Int32?
        if taskText.hasSuffix(")"), let open = taskText.lastIndex(of: "(") {
            tgid = Int32(taskText[taskText.index(after: open)..<taskText.index(before: taskText.endIndex)]
                .trimmingWhitespaceSubstring())
            taskText = taskText[..<open].trimmingWhitespaceSubstring()
        }
        guard let dash = taskText.lastIndex(of: "-"), let tid = Int32(taskText[taskText.index(after: dash)...])
        else { return nil }
        return Header(comm: String(taskText[..<dash]), tid: tid, tgid: tgid, flags: words[0], at: at,
                      event: after[..<nameEnd.lowerBound], fields: after[nameEnd.upperBound...])
    }

    /// `33385.860919` (seconds.microseconds) in nanoseconds.
    static func nanoseconds(_ text: Substring) -> UInt64? {
        let parts = text.split(separator: ".")
        guard parts.count == 2, let seconds = UInt64(parts[0]), let fraction = UInt64(parts[1]) else { return nil }
        var scale: UInt64 = 1
        for _ in parts[1].count..<9 { scale *= 10 }
        return seconds * 1_000_000_000 + fraction * scale
    }

    /// The closes that matter: a connection the task had (ESTABLISHED, or CLOSE_WAIT after its peer's FIN) going to
    /// FIN_WAIT1 (close or shutdown sent a FIN), LAST_ACK, or CLOSE (aborted with a reset).
    static let fromStates: Set<TCPSocket.State> = [.established, .closeWait]
    static let toStates: Set<TCPSocket.State> = [.finWait1, .lastAck, .close]

    static func close(_ header: Header) -> Close? {
        var values: [Substring: Substring] = [:]
        for pair in header.fields.split(separator: " ") {
            guard let equals = pair.firstIndex(of: "=") else { continue }
            values[pair[..<equals]] = pair[pair.index(after: equals)...]
        }
        guard values["protocol"] == "IPPROTO_TCP", let old = values["oldstate"].flatMap(state),
              let new = values["newstate"].flatMap(state), fromStates.contains(old), toStates.contains(new),
              let sport = values["sport"].flatMap({ UInt16($0) }), let dport = values["dport"].flatMap({ UInt16($0) })
        else { return nil }
        let v6 = values["family"] == "AF_INET6"
        guard let saddr = values[v6 ? "saddrv6" : "saddr"].flatMap({ address($0, v6: v6) }),
              let daddr = values[v6 ? "daddrv6" : "daddr"].flatMap({ address($0, v6: v6) }) else { return nil }
        return Close(at: header.at, tid: header.tid, tgid: header.tgid, comm: header.comm,
                     local: TCPEndpoint(address: saddr, port: sport), remote: TCPEndpoint(address: daddr, port: dport),
                     oldState: old, newState: new)
    }

    /// `TCP_FIN_WAIT1` as a state.
    static func state(_ text: Substring) -> TCPSocket.State? {
        guard text.hasPrefix("TCP_") else { return nil }
        let name = text.dropFirst(4).lowercased()
        let all: [TCPSocket.State] = [.established, .synSent, .synReceived, .finWait1, .finWait2, .timeWait, .close,
                                      .closeWait, .lastAck, .listen, .closing, .newSynReceived]
        return all.first { $0.name == name || ($0 == .synReceived && name == "syn_recv") }
    }

    /// An address as the TCP tables spell it (`TCPEndpoint.address`), so both sources name a connection alike.
    static func address(_ text: Substring, v6: Bool) -> String? {
        guard v6 else { return text.split(separator: ".").count == 4 ? String(text) : nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        guard String(text).withCString({ inet_pton(AF_INET6, $0, &bytes) }) == 1 else { return nil }
        return TCPTable.ipv6Text(bytes)
    }

    /// `# entries-in-buffer/entries-written: 13/20   #P:2`: fewer in the buffer than written were overwritten.
    static func headerShowsLoss(_ line: Substring) -> Bool {
        guard let range = line.range(of: "entries-in-buffer/entries-written: ") else { return false }
        let counts = line[range.upperBound...].prefix { $0 != " " }.split(separator: "/")
        guard counts.count == 2, let held = Int(counts[0]), let written = Int(counts[1]) else { return false }
        return held < written
    }
}
