/// Renders a `DeathReport`: an aligned text block, or one JSON object.
public struct WhyFormat: Sendable {
    public var style: TextStyle

    public init(style: TextStyle) { self.style = style }

    /// The text report.
    public func text(_ report: DeathReport) -> String {
        let name = report.comm.map { " (\($0))" } ?? ""
        var out = ""
        switch report.status {
        case .signaled(let signal, let core)?:
            out += style.bold("process \(report.pid)\(name) was killed by \(signal.name)")
                + (core ? " (core dumped)" : "") + "  exit code \(report.exitCode)\n"
        case .exited(let code)?:
            out += style.bold("process \(report.pid)\(name) exited with code \(code)") + "\n"
        case nil:
            out += style.bold("process \(report.pid)\(name) ended; its exit status could not be read") + "\n"
        }
        if !report.cmdline.isEmpty { out += "  command    " + report.cmdline.joined(separator: " ") + "\n" }
        out += "  sent by    " + report.explanation + "\n"
        if let killer = report.killer, case .generated(let sent) = killer.kind {
            if report.cause == .process || report.cause == .itself, let sender = sent.senderPid {
                out += "  sender     pid \(sender) (\(sent.senderComm ?? "gone")) uid \(sent.senderUid ?? 0)"
                if let cmdline = sent.senderCmdline, !cmdline.isEmpty { out += ": " + cmdline.joined(separator: " ") }
                out += "\n"
            }
            out += "  signal     \(sent.signal.name) \(sent.code.name), \(sent.result?.rawValue ?? "?") at "
                + WatchFormat.clockTime(killer.wallSeconds) + "\n"
        }
        if let memory = report.memoryAfter {
            out += "  memory     cgroup \(memory.path) (v\(memory.version))"
            if let kills = memory.oomKills { out += ": oom_kill \(kills)" }
            if let during = report.oomKillsDuringWatch { out += " (+\(during) while watched)" }
            if let limit = memory.limitBytes { out += ", limit \(Self.mebibytes(limit))" }
            if let peak = memory.peakBytes { out += ", peak \(Self.mebibytes(peak))" }
            if let failures = memory.failures { out += ", failcnt \(failures)" }
            out += "\n"
        }
        if report.lostEvents > 0 { out += style.red("  \(report.lostEvents) events lost by the kernel") + "\n" }
        out += "signals in its last seconds (\(report.recent.count)):\n"
        let render = WatchFormat(style: style)
        for event in report.recent { render.append(event, to: &out) }
        return out
    }

    static func mebibytes(_ bytes: UInt64) -> String {
        bytes >= 1 << 20 ? "\(bytes >> 20) MiB" : "\(bytes) bytes"
    }

    /// The JSON document.
    public func json(_ report: DeathReport) -> String {
        var fields: [(String, JSONValue)] = [
            ("schema_version", .int(JSONSchema.version)), ("pid", .int(Int(report.pid))), ("comm", .string(report.comm)),
            ("cmdline", .array(report.cmdline.map(JSONValue.string))),
        ]
        switch report.status {
        case .signaled(let signal, let core)?:
            fields += [("status", .string("killed")), ("signal", .string(signal.name)), ("core_dumped", .bool(core))]
        case .exited(let code)?:
            fields += [("status", .string("exited")), ("code", .int(Int(code)))]
        case nil:
            fields.append(("status", .string("unknown")))
        }
        fields.append(("exit_code", .int(Int(report.exitCode))))
        fields.append(("cause", .string(report.cause.rawValue)))
        fields.append(("explanation", .string(report.explanation)))
        fields.append(("killer", report.killer.map { WatchFormat.jsonValue($0) } ?? .null))
        if let memory = report.memoryAfter {
            fields.append(("memory_cgroup", .object([
                ("path", .string(memory.path)), ("version", .int(memory.version)),
                ("oom_kill", memory.oomKills.map { .int($0) } ?? .null),
                ("oom_kill_while_watched", report.oomKillsDuringWatch.map { .int($0) } ?? .null),
                ("limit_bytes", memory.limitBytes.map { .int(Int($0)) } ?? .null),
                ("peak_bytes", memory.peakBytes.map { .int(Int($0)) } ?? .null),
                ("failcnt", memory.failures.map { .int($0) } ?? .null),
            ])))
        }
        fields.append(("lost_events", .int(report.lostEvents)))
        fields.append(("recent", .array(report.recent.map { WatchFormat.jsonValue($0) })))
        return JSONValue.object(fields).rendered() + "\n"
    }
}
