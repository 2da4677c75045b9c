/// `inspect --all --format prometheus`: the judged processes of a node in Prometheus' text exposition format
/// (version 0.0.4), for node_exporter's textfile collector on every node of a cluster (the DaemonSet in deploy/).
/// One series per process judged, with its container and pod as labels, and a count per finding rule.
public struct FleetMetrics: Sendable {
    /// One judged process: what SIGTERM would do and the findings, with the container it runs in.
    public struct Process: Sendable {
        public var pid: Int32
        public var comm: String
        public var runtime: String
        public var sigtermOutcome: String
        public var findings: [Finding]
        public var container: ContainerAttribution?

        public init(pid: Int32, comm: String, runtime: String, sigtermOutcome: String, findings: [Finding],
                    container: ContainerAttribution?) {
            self.pid = pid
            self.comm = comm
            self.runtime = runtime
            self.sigtermOutcome = sigtermOutcome
            self.findings = findings
            self.container = container
        }
    }

    public var processes: [Process]

    public init(processes: [Process]) { self.processes = processes }

    /// The exposition text, one family after another, each with HELP and TYPE.
    public func exposition() -> String {
        var out = ""
        out += "# HELP sigscope_processes Processes sigscope inspect judged on this node.\n"
        out += "# TYPE sigscope_processes gauge\n"
        out += "sigscope_processes \(processes.count)\n"

        out += "# HELP sigscope_process_sigterm_outcome What SIGTERM would do to the process: 1 for each process, "
            + "the outcome in its label.\n"
        out += "# TYPE sigscope_process_sigterm_outcome gauge\n"
        for process in processes {
            out += "sigscope_process_sigterm_outcome" + labels(process, [("outcome", process.sigtermOutcome)]) + " 1\n"
        }

        out += "# HELP sigscope_process_findings Findings on the process, by severity.\n"
        out += "# TYPE sigscope_process_findings gauge\n"
        for process in processes {
            var counts: [Severity: Int] = [:]
            for finding in process.findings { counts[finding.severity, default: 0] += 1 }
            for severity in Severity.allCases.sorted(by: >) where counts[severity] != nil {
                out += "sigscope_process_findings" + labels(process, [("severity", severity.rawValue)])
                    + " \(counts[severity]!)\n"
            }
        }

        out += "# HELP sigscope_findings Processes with a finding of the rule, on this node.\n"
        out += "# TYPE sigscope_findings gauge\n"
        var rules: [String: (Severity, Int)] = [:]
        for process in processes {
            for finding in Set(process.findings.map { FindingKey(rule: $0.rule, severity: $0.severity) }) {
                let current = rules[finding.rule]
                rules[finding.rule] = (max(current?.0 ?? finding.severity, finding.severity), (current?.1 ?? 0) + 1)
            }
        }
        for rule in rules.keys.sorted() {
            let (severity, count) = rules[rule]!
            out += "sigscope_findings{rule=\"\(FleetMetrics.escape(rule))\",severity=\"\(severity.rawValue)\"} "
                + "\(count)\n"
        }
        return out
    }

    private struct FindingKey: Hashable {
        var rule: String
        var severity: Severity
    }

    /// `{pid="..",comm="..",runtime="..",container="..",container_id="..",pod_uid="..",EXTRA}`; empty values
    /// for a process outside containers, so every series of a family has the same label names.
    func labels(_ process: Process, _ extra: [(String, String)]) -> String {
        let container = process.container
        let pairs: [(String, String)] = [
            ("pid", String(process.pid)), ("comm", process.comm), ("runtime", process.runtime),
            ("container", container?.name ?? ""), ("container_id", container?.shortID ?? ""),
            ("container_runtime", container?.runtime.rawValue ?? ""), ("pod_uid", container?.podUID ?? ""),
        ] + extra
        return "{" + pairs.map { "\($0.0)=\"\(FleetMetrics.escape($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// A label value as the exposition format wants it: backslash, double quote and newline escaped.
    static func escape(_ value: String) -> String {
        value.substituting(["\\": "\\\\", "\"": "\\\"", "\n": "\\n"])
    }
}
