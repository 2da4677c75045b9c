import ArgumentParser
import SigTrace

#if canImport(Glibc)
import Glibc
#endif

struct Watch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Trace the signals delivered to processes, with sender, si_code and siginfo, at no syscall cost.",
        usage: "sigscope watch [<options>] (-p <pid> ... | --all | -- <command> ...)",
        discussion: """
            Two backends. kernel (the default where tracefs is usable, i.e. as root): the kernel's own \
            signal:signal_generate and signal:signal_deliver tracepoints in a tracing instance of sigscope's \
            (instances/sigscope-PID, removed on exit), read from the per-CPU ring buffers. The traced process is \
            never stopped; every signal shows with its sender (also SIGKILL and SIGSTOP), what the kernel did \
            with it (result: delivered, ignored, dropped-by-init, merged, overflow, info-lost) as a 'generated' \
            event, and at delivery the handler it went to, named from the ELF image that maps it. Events the \
            kernel lost are counted in the summary. --all watches every process on the host. siginfo values \
            (si_value, fault addresses) are not in the tracepoints: use --backend ptrace for those. \
            ptrace (the default otherwise, and with --follow-forks): attaches with PTRACE_SEIZE to every thread of each --pid (new threads too; with --follow-forks, \
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
            in text and is the last JSON line in json. With -c (--summary-only, as strace -c) no event is \
            written, only the summary, to stdout or --output.

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

            Ctrl-C in a terminal goes to its whole foreground process group. A command started after -- is in \
            sigscope's group, so it gets the SIGINT too: sigscope detaches and the command does what it does \
            with SIGINT (by default, it dies). With --detach-on-interrupt the command gets a process group of \
            its own, Ctrl-C reaches sigscope alone, and the command runs on in the background (where reading the \
            terminal stops it with SIGTTIN).

            EXIT CODES
              0  the watch ended (the processes exited, the duration passed, or
                 sigscope was told to stop)
              N  with -- CMD: the command's own exit code, or 128+SIGNAL when a signal
                 killed it, as a shell reports it (0 when sigscope detached before it
                 ended)
              2  bad input or cannot trace: no such process, permission denied
                 (ptrace_scope, CAP_SYS_PTRACE, another user's process), already
                 traced, a kernel thread, a zombie, sigscope itself; or the events could
                 not be written
            """
    )

    @Option(name: [.customShort("p"), .customLong("pid")],
            help: ArgumentHelp("A process to attach to (repeatable), as strace -p.", valueName: "pid"))
    var pids: [ProcessID] = []

    @Option(help: "kernel (tracepoints; root and tracefs) or ptrace; default: kernel when usable.")
    var backend: WatchBackend?

    @Flag(help: "Watch every process on the host (kernel backend).")
    var all = false

    @Option(name: .customLong("comm"), help: "Only signals to processes with this comm (repeatable; kernel backend).")
    var comms: [String] = []

    @Flag(name: [.customShort("f"), .long], help: "Also trace children the processes fork.")
    var followForks = false

    @Option(name: .customLong("signal"),
            help: ArgumentHelp("Show only these signals, e.g. TERM,INT,RTMIN+1 (all are still delivered).",
                               valueName: "signals"))
    var signals: SignalSet?

    @Option(name: .customShort("e"),
            help: ArgumentHelp("strace's filter, signal=LIST (or signal=!LIST, all, none), as --signal.",
                               valueName: "expr"))
    var straceFilter: StraceSignalFilter?

    @Option(help: ArgumentHelp("Detach after this long.", valueName: "duration"))
    var duration: Duration?

    @Option(name: [.customShort("o"), .long],
            help: ArgumentHelp("Write events to this file instead of stdout, as strace -o.", valueName: "file"))
    var output: String?

    @OptionGroup var format: FormatOption<ReportFormat>

    @Flag(name: [.customShort("c"), .customLong("summary-only")],
          help: "Write only the summary (signals per sender, events, kernel results and losses), as strace -c.")
    var summaryOnly = false

    @Flag(help: ArgumentHelp("Start the command in its own process group, so that Ctrl-C reaches sigscope alone: "
                             + "it detaches and the command runs on in the background."))
    var detachOnInterrupt = false

    @Argument(parsing: .postTerminator, help: ArgumentHelp("A command to start under trace, after --.",
                                                           valueName: "command"))
    var command: [String] = []

    /// What Ctrl-C will do, said when the watch starts.
    func interruptNote(attached: Bool, backend: WatchBackend) -> String {
        // The kernel backend never stopped it, so there is nothing to detach.
        let ends = backend == .kernel ? "ends the watch" : "detaches"
        if attached { return "Ctrl-C \(ends) and leaves \(pids.count == 1 ? "it" : "them") running" }
        if detachOnInterrupt {
            return "it has its own process group: Ctrl-C \(ends), leaving it running in the background"
        }
        return "Ctrl-C reaches it too (same process group): SIGINT ends it unless it handles it"
    }

    /// Checks which options go together; called from `run`, so that the argument parser names an unknown option
    /// before sigscope complains about a missing one.
    func validateCombination() throws {
        if pids.isEmpty && command.isEmpty && !all {
            throw ValidationError("give --pid PID, --all or -- CMD ARGS...")
        }
        if [!pids.isEmpty, !command.isEmpty, all].filter({ $0 }).count > 1 {
            throw ValidationError("give one of --pid, --all or a command")
        }
        if backend == .ptrace && (all || !comms.isEmpty) {
            throw ValidationError("--all and --comm need --backend kernel")
        }
        if backend == .kernel && followForks { throw ValidationError("--follow-forks needs --backend ptrace") }
        if detachOnInterrupt && command.isEmpty {
            throw ValidationError("--detach-on-interrupt applies to a command started after --")
        }
        if signals != nil && straceFilter != nil { throw ValidationError("give --signal or -e signal=, not both") }
    }

    /// The one-line error for events that could not be written (exit 2).
    static func writeFailure(_ code: Int32, output: String?) -> SigscopeError {
        SigscopeError(.unwritableFile, "cannot write events to \(output ?? "standard output"): "
                      + SigscopeError.describe(errno: code) + "; the watch was stopped")
    }

    func run() async throws {
        try validateCombination()
        if try chooseBackend() == .kernel { return try await runKernel() }
        var configuration = SignalTracer.Configuration()
        configuration.followForks = followForks
        configuration.signals = signals ?? straceFilter?.signals
        configuration.duration = duration
        // SIGPIPE too: when the reader of our output goes away (`| head`), detach cleanly rather than die; and
        // once the tracer has let go, a write to the closed pipe just fails.
        configuration.stopSignals = [.int, .term, .hup, .pipe]
        signal(SIGPIPE, SIG_IGN)
        let numbers = pids.map(\.rawValue)
        let sink = try eventSink()
        var launch = SpawnedProcess.Options()
        // Out of the terminal's foreground group, Ctrl-C reaches sigscope alone.
        launch.newProcessGroup = detachOnInterrupt
        let target: SignalTracer.Target = numbers.isEmpty ? .launch(command, launch) : .attach(numbers)
        let tracer = try SignalTracer.start(target, configuration: configuration)
        Output.error("watching \(tracer.pids.map(String.init).joined(separator: ", ")); "
                     + interruptNote(attached: !numbers.isEmpty, backend: .ptrace))
        try await writeEvents(tracer.batches, to: sink, launched: numbers.isEmpty ? tracer.pids.first : nil,
                              stop: tracer.detach)
    }
}
