#if canImport(Glibc)
import Glibc
#endif

/// Renders `watch` events straight into UTF-8 bytes: the JSON lines of `--format json` and the text lines, byte
/// for byte what `WatchFormat.jsonValue(_:document:)` renders and what `WatchFormat.text(_:)` returns (tests
/// compare them), without a `JSONValue` tree or a String per field in between.
///
/// Why: on a small machine the tracer's CPU is taken from the traced program, and a signal flood renders two
/// events per signal, hundreds of thousands a second. What repeats from one event to the next is kept: the time
/// up to the current second, signal names, and the names of the last sa_flags.
public struct WatchLineWriter {
    /// Colours for the text format.
    public let style: TextStyle
    private var isoSecond = Int.min
    /// `2026-11-29T16:19:52.` for `isoSecond`.
    private var isoPrefix: [UInt8] = []
    private var localSecond = Int.min
    /// `16:19:52.` in local time for `localSecond`.
    private var localPrefix: [UInt8] = []
    private var flagsKey = UInt64.max
    private var flagsJSON: [UInt8] = []
    private var flagsText: [UInt8] = []
    /// The JSON of the last few signal-and-code pairs, by signal << 32 | code.
    private var codes: [(key: Int64, json: [UInt8])] = []
    /// The file name of the last handler's image, `app` for `/usr/local/bin/app`.
    private var lastImage: String?
    private var lastImageName: [UInt8] = []

    public init(style: TextStyle) { self.style = style }

    // MARK: JSON lines

    /// Appends one event as a JSON line (a document of its own, `schema_version` first) to `out`.
    public mutating func appendJSON(_ event: SignalEvent, to out: inout [UInt8]) {
        Self.raw(#"{"schema_version":"#, &out)
        Self.int(JSONSchema.version, &out)
        Self.raw(#","event":""#, &out)
        Self.raw(event.kind.outputName, &out)
        Self.raw(#"","time":""#, &out)
        appendISOTime(event.wallSeconds, to: &out)
        Self.raw(#"","monotonic_ns":"#, &out)
        Self.int(Int(event.monotonicNanoseconds), &out)
        Self.raw(#","pid":"#, &out)
        Self.int(Int(event.pid), &out)
        Self.raw(#","tid":"#, &out)
        Self.int(Int(event.tid), &out)
        switch event.kind {
        case .signal(let d), .generated(let d):
            appendJSONFields(of: d, to: &out)
        case .stopped(let signal):
            appendJSONSignal(signal, to: &out)
        case .continued:
            break
        case .exec(let path, let former):
            Self.raw(#","path":"#, &out)
            Self.string(path, &out)
            Self.raw(#","former_tid":"#, &out)
            Self.int(former.map(Int.init), &out)
        case .thread(let parent):
            Self.raw(#","parent_tid":"#, &out)
            Self.int(Int(parent), &out)
        case .fork(let child):
            Self.raw(#","child_pid":"#, &out)
            Self.int(Int(child), &out)
        case .exit(let code):
            Self.raw(#","code":"#, &out)
            Self.int(Int(code), &out)
        case .killed(let signal, let core):
            appendJSONSignal(signal, to: &out)
            Self.raw(core ? #","core_dumped":true"# : #","core_dumped":false"#, &out)
        case .detached(let stopped):
            Self.raw(stopped ? #","state":"stopped""# : #","state":"running""#, &out)
        }
        Self.raw("}\n", &out)
    }

    /// `,"signal":"SIGTERM","number":15`.
    private func appendJSONSignal(_ signal: Signal, to out: inout [UInt8]) {
        Self.raw(#","signal":""#, &out)
        Self.appendName(of: signal, to: &out)
        Self.raw(#"","number":"#, &out)
        Self.int(Int(signal.rawValue), &out)
    }

    /// The keys of a `signal` or `generated` event after `tid`, in `WatchFormat.jsonValue`'s order.
    private mutating func appendJSONFields(of d: SignalDelivery, to out: inout [UInt8]) {
        appendJSONSignal(d.signal, to: &out)
        appendJSONCode(d.code, to: &out)
        Self.raw(#","sender_pid":"#, &out)
        Self.int(d.senderPid.map(Int.init), &out)
        Self.raw(#","sender_uid":"#, &out)
        Self.int(d.senderUid.map(Int.init), &out)
        Self.raw(#","sender_comm":"#, &out)
        Self.string(d.senderComm, &out)
        Self.raw(#","sender_cmdline":"#, &out)
        if let cmdline = d.senderCmdline { Self.strings(cmdline, &out) } else { Self.raw("null", &out) }
        Self.raw(#","sender_pid_in_namespace":"#, &out)
        Self.int(d.senderNamespacePid.map(Int.init), &out)
        Self.optionalInt(#","value":"#, d.valueInt, &out)
        Self.optionalHex(#","value_ptr":"#, d.valuePointer, &out)
        Self.optionalInt(#","status":"#, d.childStatus, &out)
        Self.optionalHex(#","address":"#, d.faultAddress, &out)
        Self.optionalInt(#","timer_id":"#, d.timerId, &out)
        Self.optionalInt(#","overrun":"#, d.timerOverrun, &out)
        Self.optionalInt(#","syscall":"#, d.syscall, &out)
        Self.optionalInt(#","fd":"#, d.pollDescriptor, &out)
        Self.optionalInt(#","band":"#, d.pollBand, &out)
        if d.errno != 0 {
            Self.raw(#","errno":"#, &out)
            Self.int(Int(d.errno), &out)
        }
        if let result = d.result {
            Self.raw(#","result":"#, &out)
            Self.string(result.rawValue, &out)
        }
        Self.optionalInt(#","context_pid":"#, d.contextPid, &out)
        if let comm = d.contextComm {
            Self.raw(#","context_comm":"#, &out)
            Self.string(comm, &out)
        }
        if let handler = d.handler {
            Self.raw(#","handler":"#, &out)
            Self.string(handler.kind, &out)
            Self.raw(#","handler_address":"#, &out)
            Self.quotedHex(handler.address, &out)
            Self.raw(#","handler_symbol":"#, &out)
            Self.string(handler.symbol, &out)
            Self.raw(#","handler_image":"#, &out)
            Self.string(handler.image, &out)
            Self.raw(#","sa_flags":"#, &out)
            nameFlags(handler)
            out.append(contentsOf: flagsJSON)
        }
    }

    /// `,"code":"SI_QUEUE","code_value":-1,"origin":"process"`, made once per signal and code: naming a code
    /// looks it up in tables.
    private mutating func appendJSONCode(_ code: SiginfoCode, to out: inout [UInt8]) {
        let key = Int64(code.signal.rawValue) << 32 | Int64(UInt32(bitPattern: code.rawValue))
        if let known = codes.first(where: { $0.key == key }) {
            out.append(contentsOf: known.json)
            return
        }
        var json: [UInt8] = []
        Self.raw(#","code":"#, &json)
        Self.string(code.name, &json)
        Self.raw(#","code_value":"#, &json)
        Self.int(Int(code.rawValue), &json)
        Self.raw(#","origin":"#, &json)
        Self.string(code.origin.rawValue, &json)
        if codes.count >= 16 { codes.removeFirst() }
        codes.append((key, json))
        out.append(contentsOf: json)
    }

    // MARK: Text lines

    /// Appends one event as an aligned text line:
    /// `12:01:02.345678     4711     4711  SIGTERM       from 998 (kubelet) uid 0  SI_USER`.
    public mutating func appendText(_ event: SignalEvent, to out: inout [UInt8]) {
        appendClockTime(event.wallSeconds, to: &out)
        Self.raw("  ", &out)
        Self.padded(Int(event.pid), width: 7, &out)
        Self.raw("  ", &out)
        Self.padded(Int(event.tid), width: 7, &out)
        Self.raw("  ", &out)
        switch event.kind {
        case .signal(let d):
            appendLabel(d.signal, to: &out)
            appendSignalDetail(d, to: &out)
            appendHandlerDetail(d, to: &out)
        case .generated(let d):
            appendLabel(d.signal, to: &out)
            Self.raw("sent ", &out)
            appendSignalDetail(d, to: &out)
            appendResultDetail(d, to: &out)
        case .stopped(let signal):
            appendLabel("stopped", colour: "33", to: &out)
            Self.raw("group-stop by ", &out)
            Self.appendName(of: signal, to: &out)
        case .continued:
            appendLabel("continued", colour: "32", to: &out)
            Self.raw("group-stop ended (SIGCONT)", &out)
        case .exec(let path, let former):
            appendLabel("exec", colour: nil, to: &out)
            Self.text(path ?? "?", &out)
            if let former {
                Self.raw("  (by thread ", &out)
                Self.int(Int(former), &out)
                Self.raw(")", &out)
            }
        case .thread(let parent):
            appendLabel("thread", colour: nil, to: &out)
            Self.raw("new thread ", &out)
            Self.int(Int(event.tid), &out)
            Self.raw(", created by ", &out)
            Self.int(Int(parent), &out)
        case .fork(let child):
            appendLabel("fork", colour: nil, to: &out)
            Self.raw("child ", &out)
            Self.int(Int(child), &out)
            Self.raw(", traced", &out)
        case .exit(let code):
            appendLabel("exit", colour: nil, to: &out)
            Self.raw("code ", &out)
            Self.int(Int(code), &out)
        case .killed(let signal, let core):
            appendLabel("killed", colour: "31", to: &out)
            Self.raw("by ", &out)
            Self.appendName(of: signal, to: &out)
            if core { Self.raw(" (core dumped)", &out) }
        case .detached(let stopped):
            appendLabel("detached", colour: nil, to: &out)
            Self.raw(stopped ? "left stopped, as found" : "running", &out)
        }
        out.append(0x0A)
    }

    /// An event's name in the event column, in a colour or none, and the gap after it.
    private func appendLabel(_ label: StaticString, colour: StaticString?, to out: inout [UInt8]) {
        if let colour { styled(colour, &out) }
        Self.raw(label, &out)
        if colour != nil { plain(&out) }
        Self.spaces(12 - label.utf8CodeUnitCount, &out)
        Self.raw("  ", &out)
    }

    /// The signal's name, bold for SIGKILL and SIGTERM, padded to the event column, and the gap after it.
    private func appendLabel(_ signal: Signal, to out: inout [UInt8]) {
        if signal == .kill || signal == .term { styled("1", &out) }
        let start = out.count
        Self.appendName(of: signal, to: &out)
        let visible = out.count - start
        if signal == .kill || signal == .term { plain(&out) }
        Self.spaces(12 - visible, &out)
        Self.raw("  ", &out)
    }

    /// Where a signal came from and what its siginfo carries, as words (`WatchFormat.signalDetail`).
    private func appendSignalDetail(_ delivery: SignalDelivery, to out: inout [UInt8]) {
        let code = delivery.code
        let origin = code.origin
        switch origin {
        case .process:
            if let pid = delivery.senderPid, pid > 0 {
                Self.raw("from ", &out)
                Self.int(Int(pid), &out)
                appendInNamespace(delivery, to: &out)
                Self.raw(" (", &out)
                Self.text(delivery.senderComm ?? "gone", &out)
                Self.raw(") uid ", &out)
                Self.int(Int(delivery.senderUid ?? 0), &out)
            } else if delivery.handler != nil || delivery.result != nil {
                Self.raw("sender not seen", &out)
            } else if let inside = delivery.senderNamespacePid {
                Self.raw("from pid ", &out)
                Self.int(Int(inside), &out)
                Self.raw(" of its namespace (gone) uid ", &out)
                Self.int(Int(delivery.senderUid ?? 0), &out)
            } else {
                Self.raw("from outside the PID namespace uid ", &out)
                Self.int(Int(delivery.senderUid ?? 0), &out)
            }
        case .child:
            Self.raw("child ", &out)
            if let pid = delivery.senderPid { Self.int(Int(pid), &out) } else { Self.raw("gone", &out) }
            appendInNamespace(delivery, to: &out)
            Self.raw(" (", &out)
            Self.text(delivery.senderComm ?? "gone", &out)
            Self.raw(") status ", &out)
            Self.int(Int(delivery.childStatus ?? 0), &out)
        case .fault:
            Self.raw("fault at 0x", &out)
            Self.hex(delivery.faultAddress ?? 0, &out)
        case .timer:
            Self.raw("timer ", &out)
            Self.int(Int(delivery.timerId ?? 0), &out)
            Self.raw(" overrun ", &out)
            Self.int(Int(delivery.timerOverrun ?? 0), &out)
        case .poll:
            Self.raw("fd ", &out)
            Self.int(Int(delivery.pollDescriptor ?? -1), &out)
            Self.raw(" band ", &out)
            Self.int(delivery.pollBand ?? 0, &out)
        case .syscall:
            Self.raw("syscall ", &out)
            Self.int(Int(delivery.syscall ?? -1), &out)
        case .kernel:
            Self.raw(delivery.oomKiller ? "from the kernel: the OOM killer" : "from the kernel", &out)
        }
        if let context = delivery.contextPid, origin != .process, origin != .child {
            if context == 0 {
                Self.raw(" (in interrupt)", &out)
            } else {
                Self.raw(" (in ", &out)
                Self.int(Int(context), &out)
                Self.raw(" ", &out)
                Self.text(delivery.contextComm ?? "gone", &out)
                Self.raw(")", &out)
            }
        }
        Self.raw("  ", &out)
        styled("2", &out)
        Self.text(code.name, &out)
        plain(&out)
        if let value = delivery.valueInt {
            Self.raw("  value ", &out)
            Self.int(Int(value), &out)
        }
    }

    /// ` [7 in its namespace]` when the receiver's namespace numbers the sender differently.
    private func appendInNamespace(_ delivery: SignalDelivery, to out: inout [UInt8]) {
        guard let inside = delivery.senderNamespacePid else { return }
        Self.raw(" [", &out)
        Self.int(Int(inside), &out)
        Self.raw(" in its namespace]", &out)
    }

    /// `  -> ignored`: the kernel's result, red when the signal is lost, yellow when it is not delivered.
    private func appendResultDetail(_ delivery: SignalDelivery, to out: inout [UInt8]) {
        guard let result = delivery.result else { return }
        Self.raw("  -> ", &out)
        let colour: StaticString? = result.isLost ? "31" : result == .delivered ? nil : "33"
        if let colour { styled(colour, &out) }
        Self.text(result.rawValue, &out)
        if colour != nil { plain(&out) }
    }

    /// `  -> handler on_term (app) SA_RESTART`: where the kernel backend saw the signal go.
    private mutating func appendHandlerDetail(_ delivery: SignalDelivery, to out: inout [UInt8]) {
        guard let handler = delivery.handler else { return }
        Self.raw("  -> ", &out)
        switch handler.address {
        case 0: Self.raw("default action", &out)
        case 1: Self.raw("ignored (SIG_IGN)", &out)
        default:
            Self.raw("handler ", &out)
            if let symbol = handler.symbol {
                Self.text(symbol, &out)
            } else {
                Self.raw("0x", &out)
                Self.hex(handler.address, &out)
            }
            if let image = handler.image {
                if image != lastImage {
                    lastImage = image
                    lastImageName = Array((image.split(separator: "/").last ?? Substring(image)).utf8)
                }
                Self.raw(" (", &out)
                out.append(contentsOf: lastImageName)
                Self.raw(")", &out)
            }
        }
        nameFlags(handler)
        if !flagsText.isEmpty {
            Self.raw(" ", &out)
            styled("2", &out)
            out.append(contentsOf: flagsText)
            plain(&out)
        }
    }

    /// Names the handler's sa_flags once per distinct value: `flagsJSON` `["SA_SIGINFO","SA_RESTART"]`, and
    /// `flagsText` `SA_SIGINFO|SA_RESTART`.
    private mutating func nameFlags(_ handler: DeliveryHandler) {
        guard handler.flags != flagsKey else { return }
        flagsKey = handler.flags
        let names = handler.flagNames
        flagsJSON = []
        Self.strings(names, &flagsJSON)
        flagsText = Array(names.joined(separator: "|").utf8)
    }

    /// The escape sequence that starts a colour, on a coloured style.
    private func styled(_ code: StaticString, _ out: inout [UInt8]) {
        guard style.colored else { return }
        out.append(0x1B)
        out.append(0x5B)
        Self.raw(code, &out)
        out.append(0x6D)
    }

    /// The escape sequence that ends a colour, on a coloured style.
    private func plain(_ out: inout [UInt8]) {
        if style.colored { Self.raw("\u{1B}[0m", &out) }
    }

    // MARK: Times

    /// `2026-11-24T21:40:05.123456Z` (as `WatchFormat.isoTime`).
    private mutating func appendISOTime(_ seconds: Double, to out: inout [UInt8]) {
        let floor = seconds.rounded(.down)
        let whole = Int(floor)
        if whole != isoSecond {
            isoSecond = whole
            var time = time_t(floor)
            var parts = tm()
            gmtime_r(&time, &parts)
            isoPrefix.removeAll(keepingCapacity: true)
            Self.digits(Int(parts.tm_year) + 1900, 4, &isoPrefix)
            isoPrefix.append(0x2D)
            Self.digits(Int(parts.tm_mon) + 1, 2, &isoPrefix)
            isoPrefix.append(0x2D)
            Self.digits(Int(parts.tm_mday), 2, &isoPrefix)
            isoPrefix.append(0x54)
            Self.clock(parts, &isoPrefix)
        }
        out.append(contentsOf: isoPrefix)
        Self.digits(Int((seconds - floor) * 1e6), 6, &out)
        out.append(0x5A)
    }

    /// `HH:MM:SS.micros` in local time (as `WatchFormat.clockTime`).
    private mutating func appendClockTime(_ seconds: Double, to out: inout [UInt8]) {
        let floor = seconds.rounded(.down)
        let whole = Int(floor)
        if whole != localSecond {
            localSecond = whole
            var time = time_t(floor)
            var parts = tm()
            localtime_r(&time, &parts)
            localPrefix.removeAll(keepingCapacity: true)
            Self.clock(parts, &localPrefix)
        }
        out.append(contentsOf: localPrefix)
        Self.digits(Int((seconds - floor) * 1e6), 6, &out)
    }

    /// `HH:MM:SS.`
    private static func clock(_ parts: tm, _ out: inout [UInt8]) {
        digits(Int(parts.tm_hour), 2, &out)
        out.append(0x3A)
        digits(Int(parts.tm_min), 2, &out)
        out.append(0x3A)
        digits(Int(parts.tm_sec), 2, &out)
        out.append(0x2E)
    }

    // MARK: Bytes

    /// `SIGTERM`, `SIGRTMIN+1`: 65 names made once rather than one String per event.
    private static let signalNames: [[UInt8]] = (1...64).map { Array(Signal(Int32($0)).name.utf8) }

    private static func appendName(of signal: Signal, to out: inout [UInt8]) {
        let number = Int(signal.rawValue)
        if number >= 1 && number <= signalNames.count {
            out.append(contentsOf: signalNames[number - 1])
        } else {
            out.append(contentsOf: signal.name.utf8)
        }
    }

    @inline(__always)
    private static func raw(_ text: StaticString, _ out: inout [UInt8]) {
        text.withUTF8Buffer { out.append(contentsOf: $0) }
    }

    /// A String's UTF-8 as it is (text lines).
    private static func text(_ value: String, _ out: inout [UInt8]) {
        var value = value
        value.withUTF8 { out.append(contentsOf: $0) }
    }

    /// A JSON string, or null.
    private static func string(_ value: String?, _ out: inout [UInt8]) {
        guard let value else { return raw("null", &out) }
        JSONValue.writeString(value, to: &out)
    }

    /// A JSON array of strings.
    private static func strings(_ values: [String], _ out: inout [UInt8]) {
        out.append(0x5B)
        for (index, value) in values.enumerated() {
            if index > 0 { out.append(0x2C) }
            JSONValue.writeString(value, to: &out)
        }
        out.append(0x5D)
    }

    /// A JSON number, or null.
    private static func int(_ value: Int?, _ out: inout [UInt8]) {
        guard let value else { return raw("null", &out) }
        if value < 0 { out.append(0x2D) }
        digits(value.magnitude, radix: 10, minimum: 1, &out)
    }

    /// `"0x7f3a"`.
    /// `,"key":N` when there is a value, nothing otherwise.
    private static func optionalInt<Value: BinaryInteger>(_ key: StaticString, _ value: Value?, _ out: inout [UInt8]) {
        guard let value else { return }
        raw(key, &out)
        int(Int(value), &out)
    }

    /// `,"key":"0x..."` when there is a value, nothing otherwise.
    private static func optionalHex(_ key: StaticString, _ value: UInt64?, _ out: inout [UInt8]) {
        guard let value else { return }
        raw(key, &out)
        quotedHex(value, &out)
    }

    private static func quotedHex(_ value: UInt64, _ out: inout [UInt8]) {
        raw("\"0x", &out)
        hex(value, &out)
        out.append(0x22)
    }

    /// Lower-case hexadecimal digits without leading zeros, as `String(value, radix: 16)`.
    private static func hex(_ value: UInt64, _ out: inout [UInt8]) {
        digits(UInt(value), radix: 16, minimum: 1, &out)
    }

    /// `value` zero-padded to `width` digits (a non-negative value).
    private static func digits(_ value: Int, _ width: Int, _ out: inout [UInt8]) {
        digits(value.magnitude, radix: 10, minimum: width, &out)
    }

    /// The digits of `value`, zero-padded to `minimum`, made right to left on the stack and appended at once:
    /// a number per append and a reversal of the array's tail cost more than the rest of an event's line.
    private static func digits(_ value: UInt, radix: UInt, minimum: Int, _ out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 64) { buffer in
            var rest = value
            var start = buffer.count
            repeat {
                start -= 1
                let digit = UInt8(truncatingIfNeeded: rest % radix)
                buffer[start] = digit < 10 ? 0x30 &+ digit : 0x57 &+ digit
                rest /= radix
            } while rest > 0
            while buffer.count - start < minimum && start > 0 {
                start -= 1
                buffer[start] = 0x30
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: buffer[start...]))
        }
    }

    /// A number right-aligned in `width` columns.
    private static func padded(_ value: Int, width: Int, _ out: inout [UInt8]) {
        var length = value < 0 ? 2 : 1
        var rest = value.magnitude / 10
        while rest > 0 {
            length += 1
            rest /= 10
        }
        spaces(width - length, &out)
        int(value, &out)
    }

    private static func spaces(_ count: Int, _ out: inout [UInt8]) {
        if count > 0 { out.append(contentsOf: repeatElement(0x20, count: count)) }
    }
}
