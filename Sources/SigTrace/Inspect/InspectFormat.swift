import Synchronization

/// Renders `inspect` reports as text or JSON.
public struct InspectFormat: Sendable {
    public var style: TextStyle
    public var allSignals: Bool
    public var showThreads: Bool
    /// The container of each process that runs in one: a CONTAINER column in the table (shown when any process
    /// has one) and a `container` key in the JSON (null for the others).
    public var containers: [Int32: (label: String, json: JSONValue)] = [:]

    public init(style: TextStyle, allSignals: Bool = false, showThreads: Bool = false) {
        self.style = style
        self.allSignals = allSignals
        self.showThreads = showThreads
    }

    /// The JSON document: `{"schema_version": 1, "processes": [...]}`, indented for a few processes, one process per line for many.
    public func json(_ reports: [ProcessReport]) -> String {
        let document = Mutex<[UInt8]>([])
        writeJSON(reports) { piece in document.withLock { $0.append(contentsOf: piece) } }
        return String(decoding: document.withLock { $0 }, as: UTF8.self)
    }

    /// The JSON document as UTF-8 pieces handed to `emit` in order (`inspect --all` renders thousands of
    /// processes on every core and writes each piece as soon as it is ready).
    public func writeJSON(_ reports: [ProcessReport], emit: @Sendable ([UInt8]) -> Void) {
        let all = allSignals
        if reports.count > 8 {
            JSONValue.lines("processes", count: reports.count, makeState: RenderedSignals.init, element: {
                index, cache, out in
                withContainer(reports[index].json(allSignals: all, cache: cache), reports[index].pid)
                    .write(compactTo: &out)
            }, emit: emit)
            return
        }
        let processes = reports.map { withContainer($0.json(allSignals: all), $0.pid) }
        emit(Array((JSONSchema.document([("processes", .array(processes))]).pretty() + "\n").utf8))
    }

    /// The process's JSON with its `container` key: the attribution, or null outside a container.
    func withContainer(_ value: JSONValue, _ pid: Int32) -> JSONValue {
        guard case .object(var fields) = value else { return value }
        fields.append(("container", containers[pid]?.json ?? .null))
        return .object(fields)
    }

    /// One process in detail: header, signal table, threads (with --threads), findings.
    public func text(_ report: ProcessReport) -> String {
        let snapshot = report.snapshot
        let status = snapshot.status
        var out = style.bold("pid \(report.pid)") + "  \(status.name)  " + style.dim(snapshot.commandLine) + "\n"
        var facts = ["ppid \(status.ppid)", "state \(status.state) (\(status.stateDescription))",
                     "threads \(status.threads)", "uid \(status.uid)",
                     "nspid \(status.nspid.map(String.init).joined(separator: " "))", "runtime \(report.runtime.rawValue)"]
        if status.isNamespaceInit { facts.append(style.yellow("PID 1 of its namespace")) }
        if status.tracerPid != 0 { facts.append("traced by \(status.tracerPid)") }
        if let container = containers[report.pid] { facts.append("container \(container.label)") }
        out += "  " + facts.joined(separator: "  ") + "\n"
        out += "  SIGTERM: " + outcomeText(report.disposition(.term))
            + (report.partial == nil ? "" : style.yellow(" (partial verdict)"))
        if let record = report.goSignals { out += "  " + record.notifyLine(.term) }
        out += "\n"
        if let partial = report.partial { out += wrapped(partial, indent: "  caveat: ", hanging: 10) }
        out += "\n"

        // With --all-signals, each signal's meaning too: most of the 64 are rarely met.
        // BLK, IGN, CGT, PND as /proc/PID/status names the masks (SigBlk...), so the table fits in 80 columns.
        var table = TextTable(header: (["SIGNAL", "NO", "DEFAULT", "BLK", "IGN", "CGT", "PND", "VIA", "OUTCOME"]
                                       + (allSignals ? ["MEANING"] : [])).map { style.dim($0) })
        table.rightAligned = [1]
        for signal in report.shownSignals(all: allSignals) {
            let d = report.disposition(signal)
            table.append([
                signal.name, String(signal.rawValue), signal.defaultAction.rawValue, mark(d.blocked.rawValue, "none"),
                d.ignored ? "yes" : "-", d.caught ? "yes" : "-", mark(d.pending.rawValue, "none"),
                d.handledBy?.rawValue ?? "-", outcomeText(d, withHandler: false),
            ] + (allSignals ? [style.dim(signal.meaning)] : []))
        }
        out += indent(table.rendered()) + "\n"
        if showThreads { out += "\n" + threadsText(snapshot) }
        out += "\n" + findingsText(report.findings)
        return out
    }

    /// `inspect --all`: one row per process.
    public func table(_ table: ProcessTable) -> String {
        let containerColumn = !containers.isEmpty
        var rows = TextTable(header: (["PID", "PPID", "COMM", "THR", "PID1", "RUNTIME", "SIGTERM", "FINDINGS"]
            + (containerColumn ? ["CONTAINER"] : []) + ["COMMAND"]).map { style.dim($0) })
        rows.rightAligned = [0, 1, 3]
        for report in table.reports {
            let status = report.snapshot.status
            let worst = report.findings.filter { $0.severity != .info }
            let findings = worst.isEmpty ? "-" : worst.map { style.severity($0.severity, $0.rule) }
                .joined(separator: ",")
            rows.append([
                String(report.pid), String(status.ppid), status.name, String(status.threads),
                status.isNamespaceInit ? "yes" : "-", report.runtime.rawValue, outcomeText(report.disposition(.term)),
                findings,
            ] + (containerColumn ? [containers[report.pid]?.label ?? "-"] : [])
                + [String(report.snapshot.commandLine.prefix(60))])
        }
        return rows.rendered() + "\n" + style.dim("\(table.reports.count) processes; skipped \(table.skippedKernelThreads) "
            + "kernel threads and \(table.skippedZombies) zombies") + "\n"
    }

    /// Findings, most severe first, each with its hint.
    public func findingsText(_ findings: [Finding]) -> String {
        guard !findings.isEmpty else { return style.green("no findings") + "\n" }
        var out = ""
        for finding in findings.sorted(by: { $0.severity > $1.severity }) {
            let label = style.severity(finding.severity, finding.severity.rawValue.padding(7))
            out += "\(label)  \(style.bold(finding.rule)): \(finding.message)\n"
            out += "         " + style.dim("hint: \(finding.hint)") + "\n"
        }
        return out
    }

    func threadsText(_ snapshot: ProcessSnapshot) -> String {
        let leader = snapshot.threads.first?.status.blocked ?? SignalSet()
        var table = TextTable(header: ["TID", "NAME", "STATE", "SIGBLK", "SIGPND", "WAIT", "BLOCKS (vs leader)"]
            .map { style.dim($0) })
        table.rightAligned = [0]
        for thread in snapshot.threads {
            let wait: String
            switch thread.wait {
            case .none: wait = "-"
            case .sigwait(let set): wait = "sigwait " + (set.map { $0.description } ?? "?")
            }
            let diff = thread.status.blocked.subtracting(leader)
            let missing = leader.subtracting(thread.status.blocked)
            var delta: [String] = []
            if !diff.isEmpty { delta.append("+" + Self.compact(diff)) }
            if !missing.isEmpty { delta.append("-" + Self.compact(missing)) }
            table.append([String(thread.tid), thread.status.name, String(thread.status.state),
                          thread.status.blocked.hex, thread.status.pendingThread.description, wait,
                          delta.isEmpty ? "same" : delta.joined(separator: " ")])
        }
        return indent(table.rendered()) + "\n"
    }

    /// A set shown briefly: names up to 6, then a count.
    static func compact(_ set: SignalSet) -> String {
        set.count <= 6 ? set.description : "\(set.count) signals"
    }

    func outcomeText(_ d: SignalDisposition, withHandler: Bool = true) -> String {
        var text = d.outcome.rawValue
        if withHandler, let by = d.handledBy { text += " (\(by.rawValue))" }
        switch d.outcome {
        case .dropped, .staysPending: return style.red(text)
        case .runtimeDecides, .deferred: return style.yellow(text)
        case .ignored where d.signal == .term: return style.red(text)
        case .handled: return style.green(text)
        default: return text
        }
    }

    /// `text` after `indent`, wrapped within 80 columns, continuation lines indented by `hanging`.
    func wrapped(_ text: String, indent: String, hanging: Int) -> String {
        var lines: [String] = []
        var line = indent
        for word in text.split(separator: " ") {
            if line.count + word.count + 1 > 80 && line.count > hanging {
                lines.append(line)
                line = String(repeating: " ", count: hanging)
            } else if line != indent && !line.allSatisfy({ $0 == " " }) {
                line += " "
            }
            line += word
        }
        lines.append(line)
        return style.dim(lines.joined(separator: "\n")) + "\n"
    }

    func mark(_ value: String, _ empty: String) -> String { value == empty ? "-" : value }

    func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }
}

extension String {
    /// The string padded with spaces to at least `width` characters.
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
}
