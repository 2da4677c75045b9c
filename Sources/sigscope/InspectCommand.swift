import ArgumentParser
import Foundation
import SigTrace

#if canImport(Glibc)
import Glibc
#endif

struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Decode signal masks per process and thread and judge what SIGTERM will do.",
        usage: "sigscope inspect [<options>] (<pid> ... | --all)",
        discussion: """
            Reads /proc/PID/status of the process and every thread, signalfd masks from /proc/PID/fdinfo, \
            threads waiting in sigwait, children and the language runtime, and judges each signal's effective \
            outcome: handled (by a handler, signalfd or sigwait), terminates, dumps-core, ignored, dropped (PID 1 \
            of its namespace without a handler) or stays-pending (blocked with nobody waiting).

            `--all` reads what a verdict needs at about the cost of `ps`: descriptors (signalfd, listening \
            sockets) only of processes where every thread blocks a signal that matters, so `sigpipe-default` \
            needs `inspect PID`, and not the executable's path (`exe` is null; runtimes come from the command \
            name and maps).

            Masks change from moment to moment (pthread_create blocks every signal briefly); a read that looks \
            torn is repeated a few times within milliseconds and the steady state is judged.

            The table names the masks as /proc/PID/status does: BLK (SigBlk, blocked), IGN (SigIgn, ignored), \
            CGT (SigCgt, caught by a handler), PND (pending); VIA is what handles the signal (a handler, a \
            signalfd or a thread in sigwait).

            A static reading is a forecast: run `sigscope check` for a verdict.

            EXIT CODES
              0  inspected (findings do not change the exit code without --fail-on)
              1  a finding at or above --fail-on
              2  bad input: no such process, not a number, a kernel thread, a zombie,
                 permission denied
            """
    )

    @Argument(help: ArgumentHelp("Process ids to inspect.", valueName: "pid"))
    var pids: [ProcessID] = []

    @Flag(help: "Inspect every process on the host, one row each in text.")
    var all = false

    @Flag(help: "Show each thread's mask and what it blocks beyond the main thread.")
    var threads = false

    @Flag(help: "Show all 64 signals instead of those that matter, each with its meaning in text.")
    var allSignals = false

    @OptionGroup var output: FormatOption<ReportFormat>

    @Option(help: ArgumentHelp("Exit 1 when a finding reaches this severity.", valueName: "severity"))
    var failOn: FailOn = .none

    /// Checks which options go together; called from `run`, so that the argument parser names an unknown option
    /// before sigscope complains about a missing one.
    func validateCombination() throws {
        if all && !pids.isEmpty { throw ValidationError("give PIDs or --all, not both") }
        if !all && pids.isEmpty { throw ValidationError("give at least one PID, or --all") }
    }

    func run() throws {
        try validateCombination()
        let threshold = failOn.threshold
        let format = output.format
        let render = InspectFormat(style: TextStyle.forDescriptor(1), allSignals: allSignals, showThreads: threads)
        let inspector = Inspector()
        let reports: [ProcessReport]
        if all {
            let table = try ProcessTable.scan(inspector: inspector)
            reports = table.reports
            if format == .json {
                render.writeJSON(reports) { FileOutput.standardOutput.write(bytes: $0) }
            } else {
                Output.write(render.table(table))
            }
        } else {
            reports = try pids.map { (pid) throws(SigscopeError) in try inspector.inspect(pid.rawValue) }
            if format == .json {
                Output.write(render.json(reports))
            } else {
                Output.write(reports.map(render.text).joined(separator: "\n"))
            }
        }
        let reached = threshold.map { threshold in reports.contains { $0.findings.reaches(threshold) } } ?? false
        if all {
            // Thousands of reports are not taken apart object by object (about 1.5 ms): the process ends here.
            Glibc.exit(reached ? 1 : 0)
        }
        if reached { throw ExitCode(1) }
    }
}
