import Foundation

/// `check --report FILE.html`: one self-contained page (inline SVG and CSS, no script, nothing fetched) with the
/// shutdown on one time axis: each request of `--load` as a mark at its start, at the height of its latency and
/// coloured by outcome; the pre-stop, signal, listener close, exit and grace end as lines; the deregistration
/// window shaded; then the phases, the findings and the timeline as tables.
public struct CheckHTMLReport: Sendable {
    /// The most request marks drawn; beyond it ok requests are thinned evenly (every failure is always drawn).
    public static let markLimit = 20_000

    public init() {}

    /// The colour of each outcome, shared by the marks, the strip and the legend.
    static func color(_ outcome: LoadOutcome) -> String {
        switch outcome {
        case .ok: "#2e9d4f"
        case .refused: "#d7263d"
        case .reset: "#8a1c7c"
        case .timeout: "#f29e4c"
        case .serverError: "#e4572e"
        case .cutBody: "#1b4079"
        case .other: "#7a7a7a"
        }
    }

    /// The page.
    public func render(_ result: CheckResult) -> String {
        let o = result.observation
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>sigscope check: \(escape(o.command))</title>
            <style>
            body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}
            h1{font-size:20px;margin:0 0 4px} .pass{color:#2e9d4f} .fail,.error{color:#d7263d}
            table{border-collapse:collapse;margin:8px 0 16px} td,th{padding:2px 10px;text-align:left;
            border-bottom:1px solid #ddd;vertical-align:top} th{background:#f4f4f4} td.n{text-align:right}
            .legend span{display:inline-block;margin-right:14px} .sw{display:inline-block;width:10px;height:10px;
            margin-right:4px;vertical-align:middle} svg text{font:11px system-ui,sans-serif;fill:#333}
            .sev-error{color:#d7263d;font-weight:600} .sev-warning{color:#b8860b;font-weight:600}
            </style></head><body>

            """
        let verdict = result.verdict.rawValue
        html += "<h1>sigscope check: <span class=\"\(verdict)\">\(verdict.uppercased())</span></h1>\n"
        var facts = ["pid \(o.pid) (\(escape(o.command)))", "signal \(o.signal.name)",
                     "grace \(ShutdownVerdict.format(o.grace.seconds)) s"]
        if o.preStop > .zero { facts.append("pre-stop \(ShutdownVerdict.format(o.preStop.seconds)) s") }
        if let seconds = o.shutdownSeconds { facts.append("shut down in \(ShutdownVerdict.precise(seconds)) s") }
        if let exit = o.exit { facts.append(escape(exit.description)) }
        html += "<p>\(facts.joined(separator: " &middot; "))</p>\n"
        if let load = result.load {
            html += chart(load, observation: o)
            html += phases(load)
        } else if let chart = momentsChart(result) {
            html += chart
        } else {
            html += "<p>The check did not reach the signal: nothing to draw.</p>\n"
        }
        if !result.findings.isEmpty {
            html += "<h2>Findings</h2>\n<table><tr><th>severity</th><th>rule</th><th>what happened</th></tr>\n"
            for finding in result.findings {
                html += "<tr><td class=\"sev-\(finding.severity.rawValue)\">\(finding.severity.rawValue)</td>"
                    + "<td>\(escape(finding.rule))</td><td>\(escape(finding.message))<br><i>hint: "
                    + "\(escape(finding.hint))</i></td></tr>\n"
            }
            html += "</table>\n"
        }
        html += "<h2>Timeline</h2>\n<table><tr><th>s</th><th>event</th></tr>\n"
        for event in result.timeline {
            html += "<tr><td class=\"n\">\(ShutdownVerdict.precise(event.seconds))</td><td>\(escape(event.text))"
                + "</td></tr>\n"
        }
        html += "</table>\n<p>sigscope \(sigscopeVersion)</p>\n</body></html>\n"
        return html
    }

    /// The SVG: latency (log scale) against time, one mark per request, moments as lines, the window shaded,
    /// and an outcome strip per 100 ms under the axis.
    func chart(_ load: LoadReport, observation o: ShutdownObservation) -> String {
        let m = load.moments
        let width = 1000.0, height = 450.0
        let left = 70.0, right = 20.0, top = 56.0, plotHeight = 300.0
        let stripTop = top + plotHeight + 28, stripHeight = 14.0
        let start = min(m.loadStart, m.terminationStart)
        let graceOnAxis = m.graceEnd <= max(m.loadEnd, m.exit ?? 0) + (m.loadEnd - start) / 10
        let end = max(m.loadEnd, m.exit ?? 0, graceOnAxis ? m.graceEnd : 0) + 1
        let span = Double(end - start)
        func x(_ time: UInt64) -> Double { left + (Double(time) - Double(start)) / span * (width - left - right) }
        // Latency from 0.1 ms to the request timeout or the slowest request, on a log scale.
        let slowest = Double(load.records.map(\.latency).max() ?? 1_000_000) / 1e6
        let low = log10(0.1), high = log10(max(10, slowest * 1.2))
        func y(_ latency: UInt64) -> Double {
            let ms = max(0.1, Double(latency) / 1e6)
            return top + plotHeight - (log10(ms) - low) / (high - low) * plotHeight
        }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"requests through the "
            + "shutdown\">\n<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#fff\"/>\n"
        if m.deregistrationDelay > .zero {
            let x0 = x(m.terminationStart), x1 = x(min(m.deregistrationEnd, end))
            svg += "<rect class=\"window\" x=\"\(f(x0))\" y=\"\(f(top))\" width=\"\(f(max(1, x1 - x0)))\" "
                + "height=\"\(f(plotHeight))\" fill=\"#f6d55c\" fill-opacity=\"0.28\"/>\n"
            svg += "<text x=\"\(f(x0 + 4))\" y=\"\(f(top + 12))\">deregistration window "
                + "\(ShutdownVerdict.format(m.deregistrationDelay.seconds)) s</text>\n"
        }
        // Axes: latency ticks at powers of ten, time ticks every whole second from the signal.
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(width - right))\" "
            + "y2=\"\(f(top + plotHeight))\" stroke=\"#888\"/>\n"
        var decade = 0.1
        while log10(decade) <= high + 1e-9 {
            let ty = top + plotHeight - (log10(decade) - low) / (high - low) * plotHeight
            svg += "<line x1=\"\(f(left - 4))\" y1=\"\(f(ty))\" x2=\"\(f(width - right))\" y2=\"\(f(ty))\" "
                + "stroke=\"#eee\"/><text x=\"\(f(left - 8))\" y=\"\(f(ty + 4))\" text-anchor=\"end\">"
                + "\(decade < 1 ? "0.1" : String(Int(decade))) ms</text>\n"
            decade *= 10
        }
        let firstSecond = Int((Double(start) - Double(m.signal)) / 1e9)
        let lastSecond = Int((Double(end) - Double(m.signal)) / 1e9)
        let step = max(1, (lastSecond - firstSecond) / 12)
        for second in stride(from: firstSecond, through: lastSecond, by: step) {
            let time = Double(m.signal) + Double(second) * 1e9
            guard time >= Double(start), time <= Double(end) else { continue }
            let tx = x(UInt64(time))
            svg += "<line x1=\"\(f(tx))\" y1=\"\(f(top + plotHeight))\" x2=\"\(f(tx))\" y2=\"\(f(top + plotHeight + 4))\" "
                + "stroke=\"#888\"/><text x=\"\(f(tx))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\">"
                + "\(second > 0 ? "+" : "")\(second) s</text>\n"
        }
        // The marks: circles for fresh connections, squares for kept-alive ones.
        let ok = load.records.filter { $0.outcome == .ok }.count
        let thin = max(1, ok / Self.markLimit + (ok % Self.markLimit == 0 ? 0 : 1))
        var okSeen = 0
        for record in load.records {
            if record.outcome == .ok {
                okSeen += 1
                if okSeen % thin != 0 { continue }
            }
            let mx = f(x(record.start)), my = f(y(record.latency)), color = Self.color(record.outcome)
            let cls = "m \(record.outcome.rawValue)"
            if record.keepAlive {
                svg += "<rect class=\"\(cls)\" x=\"\(mx)\" y=\"\(my)\" width=\"3\" height=\"3\" fill=\"\(color)\"/>\n"
            } else {
                svg += "<circle class=\"\(cls)\" cx=\"\(mx)\" cy=\"\(my)\" r=\"1.8\" fill=\"\(color)\"/>\n"
            }
        }
        // The moments.
        var moments: [(UInt64, String, String)] = []
        if o.preStop > .zero { moments.append((m.terminationStart, "pre-stop", "#555")) }
        moments.append((m.signal, o.signal.name, "#000"))
        if let closed = m.listenerClosed { moments.append((closed, "listener closed", "#d7263d")) }
        if let exit = m.exit { moments.append((exit, "exit", "#1b4079")) }
        if graceOnAxis { moments.append((m.graceEnd, "grace end", "#8a1c7c")) }
        for (index, (time, label, color)) in moments.enumerated() where time >= start && time <= end {
            let mx = f(x(time))
            // Labels on three staggered rows, so moments a few milliseconds apart stay readable.
            let labelY = 14 + Double(index % 3) * 13
            svg += "<line class=\"moment\" x1=\"\(mx)\" y1=\"\(f(labelY + 3))\" x2=\"\(mx)\" "
                + "y2=\"\(f(top + plotHeight))\" stroke=\"\(color)\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n"
            svg += "<text x=\"\(f(x(time) + 3))\" y=\"\(f(labelY))\" style=\"fill:\(color)\">\(escape(label))</text>\n"
        }
        // The strip: the worst outcome per 100 ms.
        let bucket: UInt64 = 100_000_000
        var worst: [Int: LoadOutcome] = [:]
        for record in load.records where record.start >= start {
            let index = Int((record.start - start) / bucket)
            worst[index] = worst[index].map { max($0, record.outcome) } ?? record.outcome
        }
        svg += "<text x=\"\(f(left - 8))\" y=\"\(f(stripTop + 11))\" text-anchor=\"end\">/100 ms</text>\n"
        for (index, outcome) in worst.sorted(by: { $0.key < $1.key }) {
            let x0 = x(start + UInt64(index) * bucket), x1 = x(min(end, start + UInt64(index + 1) * bucket))
            svg += "<rect class=\"s \(outcome.rawValue)\" x=\"\(f(x0))\" y=\"\(f(stripTop))\" "
                + "width=\"\(f(max(0.5, x1 - x0 - 0.5)))\" height=\"\(f(stripHeight))\" fill=\"\(Self.color(outcome))\"/>\n"
        }
        svg += "<text x=\"\(f(left))\" y=\"\(f(stripTop + stripHeight + 22))\">time from the signal; latency "
            + "(log) of each request at its start; circles: fresh connections, squares: kept-alive"
            + (thin > 1 ? "; 1 in \(thin) ok requests drawn" : "") + "</text>\n</svg>\n"
        var legend = "<p class=\"legend\">"
        for outcome in LoadOutcome.allCases {
            let count = load.total.counts[outcome] ?? 0
            legend += "<span><i class=\"sw\" style=\"background:\(Self.color(outcome))\"></i>\(outcome.label) "
                + "\(count)</span>"
        }
        if !graceOnAxis {
            legend += "<span>grace ends \(ShutdownVerdict.precise(m.seconds(m.graceEnd))) s after the signal "
                + "(off the axis)</span>"
        }
        return "<h2>\(escape(load.rate.description)) to \(escape(load.url))</h2>\n" + svg + legend + "</p>\n"
    }

    /// The per-phase table.
    func phases(_ load: LoadReport) -> String {
        var html = "<table><tr><th>phase</th><th>sent</th>"
            + LoadOutcome.allCases.map { "<th>\($0.label)</th>" }.joined() + "<th>p50 ms</th><th>p99 ms</th></tr>\n"
        for (name, tally) in load.phases.map({ ($0.phase.title, $0) }) + [("all", load.total)] {
            html += "<tr><td>\(name)</td><td class=\"n\">\(tally.requests)</td>"
                + LoadOutcome.allCases.map { "<td class=\"n\">\(tally.counts[$0] ?? 0)</td>" }.joined()
                + "<td class=\"n\">\(tally.latency.map { f($0.p50 * 1e3) } ?? "-")</td>"
                + "<td class=\"n\">\(tally.latency.map { f($0.p99 * 1e3) } ?? "-")</td></tr>\n"
        }
        return html + "</table>\n"
    }

    /// A coordinate with two decimals.
    func f(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let sign = hundredths < 0 ? "-" : ""
        let magnitude = abs(hundredths)
        let fraction = magnitude % 100
        return "\(sign)\(magnitude / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Text for HTML element content and attribute values.
    func escape(_ text: String) -> String {
        text.substituting(["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;"])
    }
}
