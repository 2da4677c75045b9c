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

    /// Appends one event's text line to `out` (`WatchLineWriter` renders it; a flood writes through one of
    /// those directly).
    public func append(_ event: SignalEvent, to out: inout String) {
        var writer = WatchLineWriter(style: style)
        var bytes: [UInt8] = []
        writer.appendText(event, to: &bytes)
        out += String(decoding: bytes, as: UTF8.self)
    }

    /// One event as a JSON line: a document of its own, `schema_version` first.
    public func json(_ event: SignalEvent) -> String {
        var bytes: [UInt8] = []
        Self.append(event, toJSONLines: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends one event as a JSON line (a document, `schema_version` first) to UTF-8 `out`, without a String in
    /// between.
    public static func append(_ event: SignalEvent, toJSONLines out: inout [UInt8]) {
        var writer = WatchLineWriter(style: TextStyle(colored: false))
        writer.appendJSON(event, to: &out)
    }

    /// One event as a JSON object with the keys of `watch --format json` (`check --trace` and `why` embed these,
    /// without `schema_version`; a line of `watch` is a `document` and starts with it). `WatchLineWriter` renders
    /// the same bytes without the tree, for floods; a test holds the two together.
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
