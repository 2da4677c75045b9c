import ArgumentParser
import SigTrace

#if canImport(Glibc)
import Glibc
#endif

/// `watch --backend`.
enum WatchBackend: String, ExpressibleByArgument, CaseIterable {
    case kernel, ptrace
}

extension Watch {
    /// The backend asked for, or the kernel one when tracefs is usable and nothing needs ptrace; the banner says
    /// which and why.
    func chooseBackend() throws -> WatchBackend {
        if let backend { return backend }
        if followForks { return .ptrace }
        if let reason = KernelSignalTracer.unavailableReason() {
            if all || !comms.isEmpty { throw SigscopeError(.badInput, "--all and --comm need the kernel backend: \(reason)") }
            Output.error("kernel backend unavailable (\(reason)); using ptrace")
            return .ptrace
        }
        return .kernel
    }

    /// The watch on the kernel's tracepoints.
    func runKernel() async throws {
        var configuration = KernelSignalTracer.Configuration()
        let format = self.format.format
        configuration.signals = signals ?? straceFilter?.signals
        configuration.duration = duration
        configuration.comms = comms
        configuration.stopOnInterruption = true
        Interruption.install()
        signal(SIGPIPE, SIG_IGN)
        let numbers = pids.map(\.rawValue)
        let sink = try output.map { (path) throws(SigscopeError) in try FileOutput.create(path: path) }
            ?? FileOutput.standardOutput
        var launch = SpawnedProcess.Options()
        launch.newProcessGroup = detachOnInterrupt
        let target: KernelSignalTracer.Target = all ? .all
            : numbers.isEmpty ? .launch(command, launch) : .attach(numbers)
        let tracer = try KernelSignalTracer.start(target, configuration: configuration)
        let render = WatchFormat(style: output == nil ? TextStyle.forDescriptor(1) : TextStyle(colored: false))
        let what = all ? "every process" : tracer.pids.map(String.init).joined(separator: ", ")
        let mounted = tracer.tracefs.mountedBySigscope ? "mounted tracefs at " : "tracefs "
        Output.error("watching \(what) with the kernel backend (\(mounted)\(tracer.tracefs.root), instance "
                     + "\(tracer.instanceName)); nothing is stopped; "
                     + (all ? "Ctrl-C ends the watch" : interruptNote(attached: !numbers.isEmpty, backend: .kernel)))
        // A failed write ends the watch with one line and exit 2, as with the ptrace backend.
        var writeError: Int32?
        func check(_ failure: Int32?) {
            guard let failure, failure != EPIPE, writeError == nil else { return }
            writeError = failure
            tracer.stop()
        }
        if format == .text && !summaryOnly { check(sink.write(render.textHeader())) }
        var summary = WatchSummary()
        let launched = numbers.isEmpty && !all ? tracer.pids.first : nil
        var commandStatus: Int32 = 0
        // One buffer, rendered into without a String or a JSON tree per event, and one write per batch: on a
        // small machine what a flood costs sigscope is taken from the traced program.
        var writer = WatchLineWriter(style: render.style)
        var lines: [UInt8] = []
        // Read once: an option's property wrapper costs a lookup per event.
        let summaryOnly = self.summaryOnly
        for await batch in tracer.batches {
            lines.removeAll(keepingCapacity: true)
            for event in batch {
                summary.record(event)
                if event.pid == launched, let status = event.exitStatus { commandStatus = status.shellCode }
                if summaryOnly { continue }
                if format == .json { writer.appendJSON(event, to: &lines) } else { writer.appendText(event, to: &lines) }
            }
            if !lines.isEmpty { check(sink.write(bytes: lines)) }
            // The reader of our output went away (`| head`): end as the ptrace backend does on SIGPIPE.
            if Self.readerGone(sink.fd) { tracer.stop() }
        }
        summary.lostEvents = tracer.statistics.lost
        writeSummary(summary, to: sink, check: check)
        if output != nil { check(sink.close()) }
        if let writeError { throw Self.writeFailure(writeError, output: output) }
        if commandStatus != 0 { throw ExitCode(commandStatus) }
    }

    /// The summary: the last JSON line of the output; in text on stderr, or (`--summary-only`) the output itself.
    func writeSummary(_ summary: WatchSummary, to sink: FileOutput, check: (Int32?) -> Void) {
        if format.format == .json {
            check(sink.write(summary.json()))
        } else if summaryOnly {
            check(sink.write(summary.text(style: output == nil ? TextStyle.forDescriptor(1) : TextStyle(colored: false))))
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
