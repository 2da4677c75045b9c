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

            CONTAINERS
            Each process in a container is attributed from /proc/PID/cgroup (docker, podman, containerd and \
            CRI-O, with the Kubernetes pod UID) and named through the podman or docker CLI when one answers: a \
            CONTAINER column with --all, a `container` object in the JSON. `--container NAME|ID` inspects a \
            container's init process. `--format prometheus` writes the text exposition format for \
            node_exporter's textfile collector: sigscope_process_sigterm_outcome and sigscope_process_findings \
            per process (pid, comm, container, container_id, pod_uid labels), sigscope_findings per rule.

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

    @Option(help: ArgumentHelp("Inspect the init process of this container (name or ID).", valueName: "name|id"))
    var container: String?

    @Option(help: ArgumentHelp("The container engine's CLI for --container: podman or docker.", valueName: "name"))
    var runtime: String?

    @OptionGroup var output: FormatOption<InspectReportFormat>

    @Option(help: ArgumentHelp("Exit 1 when a finding reaches this severity.", valueName: "severity"))
    var failOn: FailOn = .none

    /// Checks which options go together; called from `run`, so that the argument parser names an unknown option
    /// before sigscope complains about a missing one.
    func validateCombination() throws {
        if all && !pids.isEmpty { throw ValidationError("give PIDs or --all, not both") }
        if container != nil && (all || !pids.isEmpty) { throw ValidationError("give --container, PIDs or --all") }
        if !all && pids.isEmpty && container == nil {
            throw ValidationError("give at least one PID, --all or --container")
        }
    }

    func run() throws {
        try validateCombination()
        let threshold = failOn.threshold
        let format = output.format
        var render = InspectFormat(style: TextStyle.forDescriptor(1), allSignals: allSignals, showThreads: threads)
        let inspector = Inspector()
        let reports: [ProcessReport]
        if all {
            let table = try ProcessTable.scan(inspector: inspector)
            reports = table.reports
            let attributions = ContainerAttribution.labels(for: reports.map(\.pid))
            render.containers = attributions.mapValues { ($0.label, $0.json) }
            if format == .prometheus {
                Output.write(Inspect.metrics(reports, attributions))
            } else if format == .json {
                render.writeJSON(reports) { FileOutput.standardOutput.write(bytes: $0) }
            } else {
                Output.write(render.table(table))
            }
        } else {
            var numbers = pids.map(\.rawValue)
            if let container {
                let state = try ContainerEngine.detect(preference: runtime).container(container)
                guard state.running, state.pid > 0 else {
                    throw SigscopeError(.badInput, "container \(container) is not running")
                }
                numbers = [state.pid]
            }
            reports = try numbers.map { (pid) throws(SigscopeError) in
                try inspector.inspect(pid, acceptPartial: true)
            }
            let attributions = ContainerAttribution.labels(for: numbers)
            render.containers = attributions.mapValues { ($0.label, $0.json) }
            if format == .prometheus {
                Output.write(Inspect.metrics(reports, attributions))
            } else if format == .json {
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

/// inspect's formats: text, JSON, or Prometheus' text exposition format.
enum InspectReportFormat: String, OutputFormat {
    case text, json, prometheus
}

extension Inspect {
    /// The reports as Prometheus text exposition.
    static func metrics(_ reports: [ProcessReport], _ containers: [Int32: ContainerAttribution]) -> String {
        FleetMetrics(processes: reports.map { report in
            FleetMetrics.Process(pid: report.pid, comm: report.snapshot.status.name, runtime: report.runtime.rawValue,
                                 sigtermOutcome: report.disposition(.term).outcome.rawValue,
                                 findings: report.findings, container: containers[report.pid])
        }).exposition()
    }
}
