import ArgumentParser
import SigTrace

#if canImport(Glibc)
import Glibc
#endif

extension Watch {
    /// Writes a watch's events as they come, whichever backend traced them: the text header, a line each (one
    /// buffer rendered into without a String or a JSON tree per event, one write per batch: what a flood costs
    /// sigscope is taken from the traced program on a small machine), then the summary. A failed write ends the
    /// watch with one line and exit 2 (events are never lost silently); EPIPE, or a reader that went away
    /// (`| head`), ends it cleanly. The started command's end is sigscope's, as a shell would report it: its exit
    /// code, or 128 + the killing signal.
    func writeEvents(_ batches: AsyncStream<[SignalEvent]>, to sink: FileOutput, launched: Int32?,
                     stop: () -> Void, lostEvents: () -> Int? = { nil }) async throws {
        var writeError: Int32?
        func check(_ failure: Int32?) {
            guard let failure, failure != EPIPE, writeError == nil else { return }
            writeError = failure
            stop()
        }
        let format = self.format.format
        // Colour only on a terminal, never in an `-o` file.
        let style = output == nil ? TextStyle.forDescriptor(1) : TextStyle(colored: false)
        // Read once: an option's property wrapper costs a lookup per event.
        let summaryOnly = self.summaryOnly
        if format == .text && !summaryOnly { check(sink.write(WatchFormat(style: style).textHeader())) }
        var summary = WatchSummary()
        var commandStatus: Int32 = 0
        var writer = WatchLineWriter(style: style)
        var lines: [UInt8] = []
        for await batch in batches {
            lines.removeAll(keepingCapacity: true)
            for event in batch {
                summary.record(event)
                if event.pid == launched, let status = event.exitStatus { commandStatus = status.shellCode }
                if summaryOnly { continue }
                if format == .json { writer.appendJSON(event, to: &lines) } else { writer.appendText(event, to: &lines) }
            }
            if !lines.isEmpty { check(sink.write(bytes: lines)) }
            if Self.readerGone(sink.fd) { stop() }
        }
        summary.lostEvents = lostEvents()
        writeSummary(summary, to: sink, style: style, check: check)
        if output != nil { check(sink.close()) }
        if let writeError { throw Self.writeFailure(writeError, output: output) }
        if commandStatus != 0 { throw ExitCode(commandStatus) }
    }

    /// Where the events go: the `-o` file, created before the tracer starts so that a bad path costs nothing, or
    /// standard output.
    func eventSink() throws(SigscopeError) -> FileOutput {
        try output.map { (path) throws(SigscopeError) in try FileOutput.create(path: path) } ?? FileOutput.standardOutput
    }

    /// The summary: the last JSON line of the output; in text on stderr, or (`--summary-only`) the output itself,
    /// in the output's `style`.
    func writeSummary(_ summary: WatchSummary, to sink: FileOutput, style: TextStyle, check: (Int32?) -> Void) {
        if format.format == .json {
            check(sink.write(summary.json()))
        } else if summaryOnly {
            check(sink.write(summary.text(style: style)))
        } else {
            FileOutput.standardError.write(summary.text(style: TextStyle.forDescriptor(2)))
        }
    }

    /// True when `fd` is a pipe or socket whose reader has closed it.
    static func readerGone(_ fd: Int32) -> Bool {
        var descriptor = pollfd(fd: fd, events: 0, revents: 0)
        return poll(&descriptor, 1, 0) == 1 && descriptor.revents & Int16(POLLERR | POLLHUP) != 0
    }
}
