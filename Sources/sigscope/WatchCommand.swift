import ArgumentParser
import SigTrace

#if canImport(Glibc)
import Glibc
#endif

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Trace the signals delivered to processes, with sender, si_code and siginfo, at no syscall cost.",
        discussion: """
            Attaches with PTRACE_SEIZE to every thread of each --pid (new threads too; with --follow-forks, \
            children), or starts CMD under trace. Tracees stop only when a signal is delivered (PTRACE_CONT, never \
            PTRACE_SYSCALL), so a syscall-heavy process runs at full speed, and every signal is re-injected with \
            its siginfo unchanged. Group-stops are resumed with PTRACE_LISTEN, so SIGSTOP and SIGCONT behave as \
            without tracing.

            Events: signal (name, si_code, sender pid, uid, comm and cmdline read at that moment, si_value, \
            si_status, fault address), stopped, continued, exec, thread, fork, exit, killed, detached. Text \
            shows one aligned line per event; --format json writes JSON lines with the keys event, time, pid, tid \
            and the event's own. A sender is named in sigscope's PID namespace even when the receiver is in a \
            nested one (a container), whose number for it is kept as sender_pid_in_namespace. stdout carries only \
            events; the summary of signals per sender goes to stderr \
            in text and is the last JSON line in json.

            The watch ends when the traced processes exit, when --duration passes, or on SIGINT, SIGTERM or \
            SIGHUP to sigscope, or when the reader of its output goes away (SIGPIPE): then each process is \
            detached as it was found (running, or stopped), with any \
            signal being delivered re-injected. If sigscope is killed, the kernel detaches and attached \
            processes run on; a command started by sigscope is killed with it.

            LOST-SIGNAL WINDOW: ptrace stops a tracee at each signal delivery until sigscope re-injects the \
            signal. If sigscope dies by SIGKILL (or crashes) while a tracee sits in that signal-delivery-stop, \
            the kernel detaches it and discards that one signal: the process never sees it. Measured: 16 of \
            68,192 signals over 100 tracer SIGKILLs during a flood (the same with a 20-line C tracer; it is \
            the kernel's behaviour, not sigscope's). A detach by Ctrl-C, SIGTERM, SIGHUP, --duration or an \
            output error re-injects every pending signal and loses none. Do not SIGKILL a watch of a process \
            that must not miss a signal.

            Output errors: a failed write of events (a full disk, --output /dev/full) stops the watch, detaches \
            cleanly and exits 2 with one line; a reader that goes away (SIGPIPE, EPIPE) is a clean end (0).

            EXIT CODES
              0  the watch ended (the processes exited, the duration passed, or sigscope was told to stop)
              N  with -- CMD: the command's own exit code, or 128+SIGNAL when a signal killed it, as a shell \
            reports it (0 when sigscope detached before it ended)
              2  bad input or cannot trace: no such process, permission denied (ptrace_scope, CAP_SYS_PTRACE, \
            another user's process), already traced, a kernel thread, a zombie, sigscope itself; or the events \
            could not be written
            """
    )

    @Option(name: .customLong("pid"), help: "A process to attach to (repeatable).")
    var pids: [String] = []

    @Flag(name: [.customShort("f"), .long], help: "Also trace children the processes fork.")
    var followForks = false

    @Option(name: .customLong("signal"), help: "Show only these signals, e.g. TERM,INT,RTMIN+1 (all are still delivered).")
    var signals: String?

    @Option(help: "Detach after this long, e.g. 30s or 2m.")
    var duration: String?

    @Option(help: "Write events to this file instead of stdout.")
    var output: String?

    @Option(help: "Output format: text or json (JSON lines).")
    var format: ReportFormat = .text

    @Argument(parsing: .postTerminator, help: "A command to start under trace, after --.")
    var command: [String] = []

    func validate() throws {
        if pids.isEmpty && command.isEmpty { throw ValidationError("give --pid PID or -- CMD ARGS...") }
        if !pids.isEmpty && !command.isEmpty { throw ValidationError("give --pid or a command, not both") }
        if let signals { _ = try Signal.parseList(signals) }
        if let duration { _ = try DurationParser.parse(duration) }
    }

    func run() async throws {
        var configuration = SignalTracer.Configuration()
        configuration.followForks = followForks
        configuration.signals = try signals.map { (text) throws(SigscopeError) in try Signal.parseList(text) }
        configuration.duration = try duration.map { (text) throws(SigscopeError) in try DurationParser.parse(text) }
        // SIGPIPE too: when the reader of our output goes away (`| head`), detach cleanly rather than die; and
        // once the tracer has let go, a write to the closed pipe just fails.
        configuration.stopSignals = [.int, .term, .hup, .pipe]
        signal(SIGPIPE, SIG_IGN)
        let numbers = try pids.map { (text) throws(SigscopeError) -> Int32 in
            guard let pid = Int32(text), pid > 0 else { throw SigscopeError(.badInput, "not a process id: '\(text)'") }
            return pid
        }
        let sink = try output.map { (path) throws(SigscopeError) in try FileOutput.create(path: path) }
            ?? FileOutput.standardOutput
        let target: SignalTracer.Target = numbers.isEmpty ? .launch(command, SpawnedProcess.Options()) : .attach(numbers)
        let tracer = try SignalTracer.start(target, configuration: configuration)
        let render = WatchFormat(style: output == nil ? TextStyle.forDescriptor(1) : TextStyle(colored: false))
        Output.error("watching \(tracer.pids.map(String.init).joined(separator: ", ")); "
                     + "Ctrl-C detaches and leaves \(numbers.isEmpty ? "it" : "them") running")
        // A failed write (a full disk, /dev/full) ends the watch with one line and exit 2: events are never lost
        // silently. EPIPE is the reader going away, which SIGPIPE already turns into a clean detach.
        var writeError: Int32?
        func check(_ failure: Int32?) {
            guard let failure, failure != EPIPE, writeError == nil else { return }
            writeError = failure
            tracer.detach()
        }
        if format == .text { check(sink.write(render.textHeader())) }
        var summary = WatchSummary()
        // The started command's end, as a shell would report it: its exit code, or 128 + the killing signal.
        let launched = numbers.isEmpty ? tracer.pids.first : nil
        var commandStatus: Int32 = 0
        // One write per batch: a flood must not cost a system call per event.
        for await batch in tracer.batches {
            var text = ""
            var json: [UInt8] = []
            for event in batch {
                summary.record(event)
                if event.pid == launched, let status = event.exitStatus { commandStatus = status.shellCode }
                if format == .json { WatchFormat.append(event, toJSONLines: &json) } else { render.append(event, to: &text) }
            }
            check(format == .json ? sink.write(bytes: json) : sink.write(text))
        }
        if format == .json {
            check(sink.write(summary.json()))
        } else {
            FileOutput.standardError.write(summary.text(style: TextStyle.forDescriptor(2)))
        }
        if output != nil { check(sink.close()) }
        if let writeError {
            throw SigscopeError(.systemCall, "cannot write events to \(output ?? "standard output"): "
                                + SigscopeError.describe(errno: writeError) + "; the watch was stopped")
        }
        if commandStatus != 0 { throw ExitCode(commandStatus) }
    }
}
