#if canImport(Glibc)
import Glibc
#endif

/// Renders `watch` events: one aligned text line each in the spirit of strace, or one JSON object per line with
/// stable snake_case keys (`event`, `time`, `pid`, `tid`, then the event's own).
public struct WatchFormat: Sendable {
    /// Colours for the text format (none when not a terminal).
    public var style: TextStyle

    /// A renderer with the given text style.
    public init(style: TextStyle) { self.style = style }

    /// The header line of the text format.
    public func textHeader() -> String {
        style.dim(pad("TIME", 15) + "  " + pad("PID", 7, right: true) + "  " + pad("TID", 7, right: true) + "  "
                  + pad("EVENT", 12) + "  DETAIL") + "\n"
    }

    /// One event as a text line: `12:01:02.345678     4711     4711  SIGTERM       from 998 (kubelet) uid 0  SI_USER`.
    public func text(_ event: SignalEvent) -> String {
        let (label, detail) = describe(event)
        return pad(Self.clockTime(event.wallSeconds), 15) + "  " + pad(String(event.pid), 7, right: true) + "  "
            + pad(String(event.tid), 7, right: true) + "  " + pad(label, 12) + "  " + detail + "\n"
    }

    /// The event column and the detail column of a text line.
    func describe(_ event: SignalEvent) -> (String, String) {
        switch event.kind {
        case .signal(let delivery):
            let name = delivery.signal == .kill || delivery.signal == .term ? style.bold(delivery.signal.name)
                : delivery.signal.name
            return (name, signalDetail(delivery))
        case .stopped(let signal):
            return (style.yellow("stopped"), "group-stop by \(signal.name)")
        case .continued:
            return (style.green("continued"), "group-stop ended (SIGCONT)")
        case .exec(let path, let former):
            return ("exec", (path ?? "?") + (former.map { "  (by thread \($0))" } ?? ""))
        case .thread(let parent):
            return ("thread", "new thread \(event.tid), created by \(parent)")
        case .fork(let child):
            return ("fork", "child \(child), traced")
        case .exit(let code):
            return ("exit", "code \(code)")
        case .killed(let signal, let core):
            return (style.red("killed"), "by \(signal.name)" + (core ? " (core dumped)" : ""))
        case .detached(let stopped):
            return ("detached", stopped ? "left stopped, as found" : "running")
        }
    }

    /// ` [7 in its namespace]` when the receiver's namespace numbers the sender differently.
    static func inNamespace(_ delivery: SignalDelivery) -> String {
        delivery.senderNamespacePid.map { " [\($0) in its namespace]" } ?? ""
    }

    /// Where a signal came from and what its siginfo carries, as words.
    func signalDetail(_ delivery: SignalDelivery) -> String {
        var parts: [String] = []
        let code = delivery.code
        switch code.origin {
        case .process:
            if let pid = delivery.senderPid, pid > 0 {
                parts.append("from \(pid)\(Self.inNamespace(delivery)) (\(delivery.senderComm ?? "gone")) "
                             + "uid \(delivery.senderUid ?? 0)")
            } else if let inside = delivery.senderNamespacePid {
                parts.append("from pid \(inside) of its namespace (gone) uid \(delivery.senderUid ?? 0)")
            } else {
                parts.append("from outside the PID namespace uid \(delivery.senderUid ?? 0)")
            }
        case .child:
            let child = delivery.senderPid.map(String.init) ?? "gone"
            parts.append("child \(child)\(Self.inNamespace(delivery)) (\(delivery.senderComm ?? "gone"))"
                         + " status \(delivery.childStatus ?? 0)")
        case .fault:
            parts.append("fault at 0x" + String(delivery.faultAddress ?? 0, radix: 16))
        case .timer:
            parts.append("timer \(delivery.timerId ?? 0) overrun \(delivery.timerOverrun ?? 0)")
        case .poll:
            parts.append("fd \(delivery.pollDescriptor ?? -1) band \(delivery.pollBand ?? 0)")
        case .syscall:
            parts.append("syscall \(delivery.syscall ?? -1)")
        case .kernel:
            parts.append("from the kernel")
        }
        parts.append(style.dim(code.name))
        if let value = delivery.valueInt { parts.append("value \(value)") }
        return parts.joined(separator: "  ")
    }

    /// One event as a JSON line.
    public func json(_ event: SignalEvent) -> String { Self.jsonValue(event).rendered() + "\n" }

    /// One event as a JSON object with the keys of `watch --format json` (`check --trace` embeds these).
    public static func jsonValue(_ event: SignalEvent) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("event", .string(event.name)), ("time", .string(Self.isoTime(event.wallSeconds))),
            ("monotonic_ns", .int(Int(event.monotonicNanoseconds))), ("pid", .int(Int(event.pid))),
            ("tid", .int(Int(event.tid))),
        ]
        switch event.kind {
        case .signal(let d):
            fields += [
                ("signal", .string(d.signal.name)), ("number", .int(Int(d.signal.rawValue))),
                ("code", .string(d.code.name)), ("code_value", .int(Int(d.code.rawValue))),
                ("origin", .string(d.code.origin.rawValue)),
                ("sender_pid", d.senderPid.map { .int(Int($0)) } ?? .null),
                ("sender_uid", d.senderUid.map { .int(Int($0)) } ?? .null),
                ("sender_comm", .string(d.senderComm)),
                ("sender_cmdline", d.senderCmdline.map { .array($0.map(JSONValue.string)) } ?? .null),
                ("sender_pid_in_namespace", d.senderNamespacePid.map { .int(Int($0)) } ?? .null),
            ]
            if let value = d.valueInt { fields.append(("value", .int(Int(value)))) }
            if let pointer = d.valuePointer { fields.append(("value_ptr", .string("0x" + String(pointer, radix: 16)))) }
            if let status = d.childStatus { fields.append(("status", .int(Int(status)))) }
            if let address = d.faultAddress { fields.append(("address", .string("0x" + String(address, radix: 16)))) }
            if let timer = d.timerId { fields.append(("timer_id", .int(Int(timer)))) }
            if let overrun = d.timerOverrun { fields.append(("overrun", .int(Int(overrun)))) }
            if let syscall = d.syscall { fields.append(("syscall", .int(Int(syscall)))) }
            if let fd = d.pollDescriptor { fields.append(("fd", .int(Int(fd)))) }
            if let band = d.pollBand { fields.append(("band", .int(band))) }
            if d.errno != 0 { fields.append(("errno", .int(Int(d.errno)))) }
        case .stopped(let signal):
            fields += [("signal", .string(signal.name)), ("number", .int(Int(signal.rawValue)))]
        case .continued:
            break
        case .exec(let path, let former):
            fields += [("path", .string(path)), ("former_tid", former.map { .int(Int($0)) } ?? .null)]
        case .thread(let parent):
            fields.append(("parent_tid", .int(Int(parent))))
        case .fork(let child):
            fields.append(("child_pid", .int(Int(child))))
        case .exit(let code):
            fields.append(("code", .int(Int(code))))
        case .killed(let signal, let core):
            fields += [("signal", .string(signal.name)), ("number", .int(Int(signal.rawValue))),
                       ("core_dumped", .bool(core))]
        case .detached(let stopped):
            fields.append(("state", .string(stopped ? "stopped" : "running")))
        }
        return JSONValue.object(fields)
    }

    /// `HH:MM:SS.micros` in local time.
    static func clockTime(_ seconds: Double) -> String {
        var whole = time_t(seconds.rounded(.down))
        var parts = tm()
        localtime_r(&whole, &parts)
        let micros = Int((seconds - seconds.rounded(.down)) * 1e6)
        return two(parts.tm_hour) + ":" + two(parts.tm_min) + ":" + two(parts.tm_sec) + "." + digits(micros, 6)
    }

    /// `2026-11-24T21:40:05.123456Z`.
    public static func isoTime(_ seconds: Double) -> String {
        var whole = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&whole, &parts)
        let micros = Int((seconds - seconds.rounded(.down)) * 1e6)
        return digits(Int(parts.tm_year) + 1900, 4) + "-" + two(parts.tm_mon + 1) + "-" + two(parts.tm_mday) + "T"
            + two(parts.tm_hour) + ":" + two(parts.tm_min) + ":" + two(parts.tm_sec) + "." + digits(micros, 6) + "Z"
    }

    private static func two(_ value: Int32) -> String { digits(Int(value), 2) }

    private static func digits(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let visible = TextTable.width(text)
        guard visible < width else { return text }
        let fill = String(repeating: " ", count: width - visible)
        return right ? fill + text : text + fill
    }
}
