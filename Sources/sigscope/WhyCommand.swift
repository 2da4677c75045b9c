import ArgumentParser
import SigTrace

struct Why: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Wait until a process dies, then say which signal killed it, who sent it and why.",
        usage: "sigscope why [<options>] <pid>",
        discussion: """
            Watches PID with the kernel backend (the signal:signal_generate and signal:signal_deliver \
            tracepoints; root and tracefs needed) until it ends, then prints how it ended, the killing signal and \
            its sender: a process (pid, comm, command line), the process itself, or the kernel with the cause: \
            the OOM killer (with the memory cgroup's oom_kill count, limit and peak; v1 memory.oom_control and \
            failcnt, or v2 memory.events), SIGPIPE from a write to a closed pipe or socket, a fault (SIGSEGV \
            ...), a timer, seccomp, a resource limit. Then every signal it got in its last seconds.

            EXIT CODES
              N    the dead process's own: 128+SIGNAL when a signal killed it, else its
                   exit code
              2    bad input, the kernel backend is unavailable (not root, no tracefs),
                   or no such process
              130  sigscope was interrupted while the process still ran (143, 129 for
                   TERM and HUP)
            """
    )

    @Argument(help: ArgumentHelp("The process to wait for.", valueName: "pid"))
    var pid: ProcessID

    @Option(help: ArgumentHelp("How far back before the death to list signals.", valueName: "duration"))
    var window: Duration = .seconds(5)

    @Option(help: ArgumentHelp("Give up after this long (default: wait as long as it takes).", valueName: "duration"))
    var timeout: Duration?

    @OptionGroup var output: FormatOption<ReportFormat>

    func run() async throws {
        let format = output.format
        var configuration = DeathWatch.Configuration()
        configuration.window = window
        configuration.timeout = timeout
        Interruption.install()
        let number = pid.rawValue
        configuration.onStart = { Output.error("waiting for process \(number) to end (kernel tracepoints; nothing is stopped)") }
        let result: Result<DeathReport, SigscopeError>
        do throws(SigscopeError) {
            result = .success(try await DeathWatch.watch(pid: pid.rawValue, configuration: configuration))
        } catch {
            result = .failure(error)
        }
        guard case .success(let report) = result else {
            if case .failure(let error) = result, error.code != .interrupted { throw error }
            if case .failure(let error) = result { Output.error(error.message) }
            throw ExitCode(128 + (Interruption.requested?.rawValue ?? 2))
        }
        let style = TextStyle.forDescriptor(1)
        Output.write(format == .json ? WhyFormat(style: style).json(report) : WhyFormat(style: style).text(report))
        throw ExitCode(report.exitCode)
    }
}
