/// The report's time axis when no `--load` ran: no requests to draw, but the shutdown's moments (pre-stop,
/// signal, listener close seen by `--probe`, exit or SIGKILL, grace end) on one axis, with an untested
/// deregistration window shaded. Read from the timeline, whose seconds count from the check's start.
extension CheckHTMLReport {
    /// The SVG, or nil when the check never reached the signal.
    func momentsChart(_ result: CheckResult) -> String? {
        let o = result.observation
        func first(_ kind: TimelineEvent.Kind) -> Double? { result.timeline.first { $0.kind == kind }?.seconds }
        guard let signal = first(.signal) else { return nil }
        let termination = min(signal, first(.preStop) ?? signal)
        let exit = first(.exit)
        let closed = o.probe?.listenerClosedSeconds.map { signal + $0 }
        let graceEnd = termination + o.grace.seconds
        let windowEnd = o.untestedWindow.map { termination + $0.seconds }
        let start = max(0, termination - 0.5)
        let contentEnd = [signal, exit, closed, windowEnd].compactMap { $0 }.max() ?? signal
        let graceOnAxis = graceEnd - start <= 4 * max(0.5, contentEnd - start)
        let end = (graceOnAxis ? max(contentEnd, graceEnd) : contentEnd) + max(0.2, (contentEnd - start) * 0.08)
        let width = 1000.0, height = 190.0, left = 70.0, right = 20.0, top = 56.0, plotHeight = 80.0
        func x(_ seconds: Double) -> Double { left + (seconds - start) / (end - start) * (width - left - right) }
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"the shutdown's moments\">\n"
            + "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#fff\"/>\n"
        if let window = o.untestedWindow, let windowEnd {
            let x0 = x(termination), x1 = x(min(windowEnd, end))
            svg += "<rect class=\"window\" x=\"\(f(x0))\" y=\"\(f(top))\" width=\"\(f(max(1, x1 - x0)))\" "
                + "height=\"\(f(plotHeight))\" fill=\"#f6d55c\" fill-opacity=\"0.28\"/>\n"
                + "<text x=\"\(f(x0 + 4))\" y=\"\(f(top + 12))\">deregistration window "
                + "\(ShutdownVerdict.format(window.seconds)) s (untested: no --load)</text>\n"
        }
        let axisY = top + plotHeight
        svg += "<line x1=\"\(f(left))\" y1=\"\(f(axisY))\" x2=\"\(f(width - right))\" y2=\"\(f(axisY))\" "
            + "stroke=\"#888\"/>\n"
        // Ticks every whole second (or more) from the signal.
        let firstSecond = Int((start - signal).rounded(.up)), lastSecond = Int((end - signal).rounded(.down))
        let step = max(1, (lastSecond - firstSecond) / 12)
        for second in stride(from: firstSecond, through: lastSecond, by: step) {
            let tx = x(signal + Double(second))
            svg += "<line x1=\"\(f(tx))\" y1=\"\(f(axisY))\" x2=\"\(f(tx))\" y2=\"\(f(axisY + 4))\" stroke=\"#888\"/>"
                + "<text x=\"\(f(tx))\" y=\"\(f(axisY + 16))\" text-anchor=\"middle\">"
                + "\(second > 0 ? "+" : "")\(second) s</text>\n"
        }
        var moments: [(Double, String, String)] = []
        if termination < signal { moments.append((termination, "pre-stop", "#555")) }
        moments.append((signal, o.signal.name, "#000"))
        if let closed { moments.append((closed, "listener closed", "#d7263d")) }
        if let kill = first(.sigkill) { moments.append((kill, "SIGKILL", "#8a1c7c")) }
        if let exit { moments.append((exit, "exit", "#1b4079")) }
        if graceOnAxis { moments.append((graceEnd, "grace end", "#8a1c7c")) }
        for (index, (time, label, color)) in moments.enumerated() {
            let labelY = 14 + Double(index % 3) * 13
            svg += "<line class=\"moment\" x1=\"\(f(x(time)))\" y1=\"\(f(labelY + 3))\" x2=\"\(f(x(time)))\" "
                + "y2=\"\(f(axisY))\" stroke=\"\(color)\" stroke-width=\"1.5\" stroke-dasharray=\"4 3\"/>\n"
                + "<text x=\"\(f(x(time) + 3))\" y=\"\(f(labelY))\" style=\"fill:\(color)\">\(escape(label))</text>\n"
        }
        svg += "<text x=\"\(f(left))\" y=\"\(f(axisY + 38))\">time from the signal; no --load, so no requests "
            + "are drawn (--load RATE sends them through the shutdown)"
            + (graceOnAxis ? "" : "; grace ends \(ShutdownVerdict.precise(graceEnd - signal)) s after the signal, "
                + "off the axis") + "</text>\n</svg>\n"
        return "<h2>The shutdown</h2>\n" + svg
    }
}
