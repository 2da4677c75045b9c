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
        var header = ""
        Self.append("TIME", width: 15, right: false, to: &header)
        header += "  "
        Self.append("PID", width: 7, right: true, to: &header)
        header += "  "
        Self.append("TID", width: 7, right: true, to: &header)
        header += "  "
        Self.append("EVENT", width: 12, right: false, to: &header)
        return style.dim(header + "  DETAIL") + "\n"
    }

    /// One event as a text line: `12:01:02.345678     4711     4711  SIGTERM       from 998 (kubelet) uid 0  SI_USER`.
    public func text(_ event: SignalEvent) -> String {
        var line = ""
        append(event, to: &line)
        return line
    }

    /// Appends one event's text line to `out`, built in place: a flood renders tens of thousands a second.
    public func append(_ event: SignalEvent, to out: inout String) {
        let (label, detail) = describe(event)
        out.reserveCapacity(out.utf8.count + 64 + detail.utf8.count)
        Self.appendClockTime(event.wallSeconds, to: &out)
        out += "  "
        Self.append(String(event.pid), width: 7, right: true, to: &out)
        out += "  "
        Self.append(String(event.tid), width: 7, right: true, to: &out)
        out += "  "
        Self.append(label, width: 12, right: false, to: &out)
        out += "  "
        out += detail
        out += "\n"
    }

    /// The event column and the detail column of a text line.
    func describe(_ event: SignalEvent) -> (String, String) {
        switch event.kind {
        case .signal(let delivery):
            let name = delivery.signal == .kill || delivery.signal == .term ? style.bold(delivery.signal.name)
                : delivery.signal.name
            return (name, signalDetail(delivery) + handlerDetail(delivery))
        case .generated(let delivery):
            let name = delivery.signal == .kill || delivery.signal == .term ? style.bold(delivery.signal.name)
                : delivery.signal.name
            return (name, "sent " + signalDetail(delivery) + resultDetail(delivery))
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
        var text: String
        let code = delivery.code
        switch code.origin {
        case .process:
            if let pid = delivery.senderPid, pid > 0 {
                let comm = delivery.senderComm ?? "gone"
                text = "from \(pid)\(Self.inNamespace(delivery)) (\(comm)) uid \(delivery.senderUid ?? 0)"
            } else if delivery.handler != nil || delivery.result != nil {
                // The kernel backend names every sender; none means its generation was not seen (before the
                // watch began), or this is the SIGKILL of a group exit that another fatal signal started.
                text = "sender not seen"
            } else if let inside = delivery.senderNamespacePid {
                text = "from pid \(inside) of its namespace (gone) uid \(delivery.senderUid ?? 0)"
            } else {
                text = "from outside the PID namespace uid \(delivery.senderUid ?? 0)"
            }
        case .child:
            let child = delivery.senderPid.map(String.init) ?? "gone"
            let comm = delivery.senderComm ?? "gone"
            text = "child \(child)\(Self.inNamespace(delivery)) (\(comm)) status \(delivery.childStatus ?? 0)"
        case .fault:
            text = "fault at 0x" + String(delivery.faultAddress ?? 0, radix: 16)
        case .timer:
            text = "timer \(delivery.timerId ?? 0) overrun \(delivery.timerOverrun ?? 0)"
        case .poll:
            text = "fd \(delivery.pollDescriptor ?? -1) band \(delivery.pollBand ?? 0)"
        case .syscall:
            text = "syscall \(delivery.syscall ?? -1)"
        case .kernel:
            text = delivery.oomKiller ? "from the kernel: the OOM killer" : "from the kernel"
        }
        if let context = delivery.contextPid, code.origin != .process, code.origin != .child {
            text += context == 0 ? " (in interrupt)" : " (in \(context) \(delivery.contextComm ?? "gone"))"
        }
        text += "  "
        text += style.dim(code.name)
        if let value = delivery.valueInt { text += "  value \(value)" }
        return text
    }

    /// `  -> ignored`: the kernel's result for a generated signal, coloured when it is lost.
    func resultDetail(_ delivery: SignalDelivery) -> String {
        guard let result = delivery.result else { return "" }
        let word = result.rawValue
        return "  -> " + (result.isLost ? style.red(word) : result == .delivered ? word : style.yellow(word))
    }

    /// `  -> handler on_term (/usr/bin/app) SA_RESTART`: where the kernel backend saw the signal go.
    func handlerDetail(_ delivery: SignalDelivery) -> String {
        guard let handler = delivery.handler else { return "" }
        var text = "  -> "
        switch handler.address {
        case 0: text += "default action"
        case 1: text += "ignored (SIG_IGN)"
        default:
            text += "handler " + (handler.symbol ?? "0x" + String(handler.address, radix: 16))
            if let image = handler.image { text += " (\(image.split(separator: "/").last ?? Substring(image)))" }
        }
        let flags = handler.flagNames
        if !flags.isEmpty { text += " " + style.dim(flags.joined(separator: "|")) }
        return text
    }

    /// One event as a JSON line: a document of its own, `schema_version` first.
    public func json(_ event: SignalEvent) -> String { Self.jsonValue(event, document: true).rendered() + "\n" }

    /// Appends one event as a JSON line (a document, `schema_version` first) to UTF-8 `out`, without a String in
    /// between.
    public static func append(_ event: SignalEvent, toJSONLines out: inout [UInt8]) {
        jsonValue(event, document: true).write(compactTo: &out)
        out.append(0x0A)
    }

    /// One event as a JSON object with the keys of `watch --format json` (`check --trace` and `why` embed these,
    /// without `schema_version`; a line of `watch` is a `document` and starts with it).
    public static func jsonValue(_ event: SignalEvent, document: Bool = false) -> JSONValue {
        // One allocation for the fields: a flood renders tens of thousands of these a second.
        var fields: [(String, JSONValue)] = []
        fields.reserveCapacity(25)
        if document { fields.append(("schema_version", .int(JSONSchema.version))) }
        fields.append(("event", .string(event.name)))
        fields.append(("time", .string(Self.isoTime(event.wallSeconds))))
        fields.append(("monotonic_ns", .int(Int(event.monotonicNanoseconds))))
        fields.append(("pid", .int(Int(event.pid))))
        fields.append(("tid", .int(Int(event.tid))))
        switch event.kind {
        case .signal(let d), .generated(let d):
            fields.append(("signal", .string(d.signal.name)))
            fields.append(("number", .int(Int(d.signal.rawValue))))
            fields.append(("code", .string(d.code.name)))
            fields.append(("code_value", .int(Int(d.code.rawValue))))
            fields.append(("origin", .string(d.code.origin.rawValue)))
            fields.append(("sender_pid", d.senderPid.map { .int(Int($0)) } ?? .null))
            fields.append(("sender_uid", d.senderUid.map { .int(Int($0)) } ?? .null))
            fields.append(("sender_comm", .string(d.senderComm)))
            fields.append(("sender_cmdline", d.senderCmdline.map { .array($0.map(JSONValue.string)) } ?? .null))
            fields.append(("sender_pid_in_namespace", d.senderNamespacePid.map { .int(Int($0)) } ?? .null))
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
            if let result = d.result { fields.append(("result", .string(result.rawValue))) }
            if let context = d.contextPid { fields.append(("context_pid", .int(Int(context)))) }
            if let comm = d.contextComm { fields.append(("context_comm", .string(comm))) }
            if let handler = d.handler {
                fields.append(("handler", .string(handler.kind)))
                fields.append(("handler_address", .string("0x" + String(handler.address, radix: 16))))
                fields.append(("handler_symbol", .string(handler.symbol)))
                fields.append(("handler_image", .string(handler.image)))
                fields.append(("sa_flags", .array(handler.flagNames.map(JSONValue.string))))
            }
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
        var text = ""
        appendClockTime(seconds, to: &text)
        return text
    }

    /// Appends `HH:MM:SS.micros` in local time.
    static func appendClockTime(_ seconds: Double, to out: inout String) {
        var whole = time_t(seconds.rounded(.down))
        var parts = tm()
        localtime_r(&whole, &parts)
        appendClock(parts, micros: Int((seconds - seconds.rounded(.down)) * 1e6), to: &out)
    }

    /// Appends `HH:MM:SS.micros`.
    private static func appendClock(_ parts: tm, micros: Int, to out: inout String) {
        appendDigits(Int(parts.tm_hour), 2, to: &out)
        out += ":"
        appendDigits(Int(parts.tm_min), 2, to: &out)
        out += ":"
        appendDigits(Int(parts.tm_sec), 2, to: &out)
        out += "."
        appendDigits(micros, 6, to: &out)
    }

    /// `2026-11-24T21:40:05.123456Z`.
    public static func isoTime(_ seconds: Double) -> String {
        var whole = time_t(seconds.rounded(.down))
        var parts = tm()
        gmtime_r(&whole, &parts)
        let micros = Int((seconds - seconds.rounded(.down)) * 1e6)
        var text = ""
        appendDigits(Int(parts.tm_year) + 1900, 4, to: &text)
        text += "-"
        appendDigits(Int(parts.tm_mon) + 1, 2, to: &text)
        text += "-"
        appendDigits(Int(parts.tm_mday), 2, to: &text)
        text += "T"
        appendClock(parts, micros: micros, to: &text)
        text += "Z"
        return text
    }

    /// Appends `value` in decimal, zero-padded to `width` digits.
    private static func appendDigits(_ value: Int, _ width: Int, to out: inout String) {
        let text = String(value)
        for _ in text.utf8.count..<max(width, text.utf8.count) { out += "0" }
        out += text
    }

    /// Appends `text` padded with spaces to `width` visible columns, on the left when `right`.
    private static func append(_ text: String, width: Int, right: Bool, to out: inout String) {
        let fill = max(0, width - TextTable.width(text))
        if right { for _ in 0..<fill { out += " " } }
        out += text
        if !right { for _ in 0..<fill { out += " " } }
    }
}
