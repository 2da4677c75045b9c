import Yams

/// The Kubernetes rules: the grace period, preStop hooks and their duration against it, the grace budget with
/// a measured shutdown time, shell-wrapper commands, `lifecycle.stopSignal` and `shareProcessNamespace`.
public struct KubernetesManifestLint: Sendable {
    /// The app's measured shutdown time (from `--shutdown` or a `sigscope check` report), if known.
    public var shutdown: Duration?
    /// Where the shutdown figure came from, for messages: `--shutdown`, `check report results.json`.
    public var shutdownSource: String
    /// The margin the budget must leave; nil means 10% of the grace period, at least 2 s.
    public var margin: Duration?
    /// Measured shutdown times of single containers (or Compose services), by name: `--shutdown NAME=20s`. They
    /// come before a `shutdown.sigscope.dev/NAME` annotation, which comes before `shutdown`.
    public var shutdownByName: [String: Duration] = [:]

    public init(shutdown: Duration? = nil, shutdownSource: String = "--shutdown", margin: Duration? = nil) {
        self.shutdown = shutdown
        self.shutdownSource = shutdownSource
        self.margin = margin
    }

    /// Kubernetes' default when `terminationGracePeriodSeconds` is absent.
    static let defaultGraceSeconds = 30

    /// Lints every pod spec of a manifest.
    public func lint(_ manifest: KubernetesManifest, display: String) -> [Finding] {
        manifest.podSpecs.flatMap { lint($0, display: display, scripts: manifest.configMapFiles) }
    }

    func lint(_ pod: KubernetesManifest.PodSpec, display: String, scripts: [String: String] = [:]) -> [Finding] {
        var findings: [Finding] = []
        let object = "\(pod.kind) \(pod.name)"
        var grace = Self.defaultGraceSeconds
        var graceText = "the default grace period of 30s"
        var graceLine = pod.line
        if let node = pod.spec["terminationGracePeriodSeconds"] {
            graceLine = node.line
            guard let seconds = node.int else {
                return [Rule.manifestInvalid.finding(
                    "\(object): terminationGracePeriodSeconds is not an integer: \(node.string ?? "a mapping")",
                    hint: "give whole seconds, such as 30", file: display, line: node.line)]
            }
            if seconds <= 0 {
                findings.append(Rule.gracePeriodZero.finding(
                    "\(object): terminationGracePeriodSeconds is \(seconds): the kubelet sends SIGKILL right after "
                        + "SIGTERM (or at once), so no shutdown handler can run",
                    hint: "set it to the preStop time plus the measured shutdown plus a margin (30 is the default)",
                    file: display, line: node.line))
                return findings + containerFindings(pod, grace: nil, graceText: "", graceLine: graceLine,
                                                    scripts: scripts, display: display)
            }
            grace = seconds
            graceText = "terminationGracePeriodSeconds \(seconds)"
        }
        if pod.spec["shareProcessNamespace"]?.bool == true, let node = pod.spec["shareProcessNamespace"] {
            findings.append(Rule.shareProcessNamespace.finding(
                "\(object): shareProcessNamespace is on, so the pause container is PID 1 and each app is not: an "
                    + "app with no SIGTERM handler dies of it here, while the same image as PID 1 elsewhere ignores it",
                hint: "test shutdown the way it is deployed (`sigscope check`), and handle SIGTERM explicitly",
                file: display, line: node.line))
        }
        return findings + unknownShutdownAnnotations(pod, display: display)
            + containerFindings(pod, grace: grace, graceText: graceText, graceLine: graceLine, scripts: scripts,
                                display: display)
    }

    /// A `shutdown.sigscope.dev/NAME` annotation naming no container of the pod: a typo that would otherwise leave
    /// the container's budget unchecked without a word.
    func unknownShutdownAnnotations(_ pod: KubernetesManifest.PodSpec, display: String) -> [Finding] {
        let names = pod.containerNames
        return pod.shutdownAnnotations.sorted { ($0.value.line ?? 0) < ($1.value.line ?? 0) }
            .filter { !names.contains($0.key) }
            .map { name, annotation in
                Rule.manifestInvalid.finding(
                    "\(pod.kind) \(pod.name): the annotation \(KubernetesManifest.shutdownAnnotationPrefix)\(name) "
                        + "names no container of this pod (" + (names.isEmpty ? "it has none" : "it has "
                        + names.joined(separator: ", ")) + "), so it sets no shutdown time",
                    hint: "name one of the pod's containers after the slash", file: display, line: annotation.line)
            }
    }

    func containerFindings(_ pod: KubernetesManifest.PodSpec, grace: Int?, graceText: String, graceLine: Int,
                           scripts: [String: String] = [:],
                           display: String) -> [Finding] {
        var findings: [Finding] = []
        for container in pod.spec["containers"]?.sequence ?? Node.Sequence() {
            let name = "\(pod.kind) \(pod.name) container \(container["name"]?.string ?? "unnamed")"
            findings += commandFindings(container, name: name, shared: pod.spec["shareProcessNamespace"]?.bool == true,
                                        scripts: scripts, display: display)
            findings += stopSignalFindings(container, name: name, display: display)
            guard let grace else { continue }
            let preStopNode = container["lifecycle"]?["preStop"]
            let preStop = preStopNode.map(Self.preStopDuration)
            let preStopLine = container["lifecycle"]?.line(ofKey: "preStop")
            if let preStopNode, let preStop, !preStop.known {
                findings.append(Rule.preStopDurationUnknown.finding(
                    "\(name): the preStop \(preStop.kind) hook's duration cannot be known before it runs"
                        + (preStop.seconds > 0 ? " (at least \(Self.format(preStop.seconds)))" : "")
                        + "; it counts against \(graceText)",
                    hint: "keep it well under the grace period; measure it with `sigscope check`", file: display,
                    line: preStopLine))
            }
            let preStopSeconds = preStop?.seconds ?? 0
            let line = preStopLine ?? container.line
            let graceDouble = Double(grace)
            if preStopSeconds >= graceDouble {
                findings.append(Rule.preStopExceedsGrace.finding(
                    "\(name): preStop takes \(Self.format(preStopSeconds)), the whole of \(graceText): SIGTERM comes "
                        + "only when the grace period is over, and SIGKILL follows at once",
                    hint: "shorten the preStop sleep or raise terminationGracePeriodSeconds", file: display,
                    line: line))
                continue
            }
            let measured: (shutdown: Duration, source: String)
            let containerName = container["name"]?.string ?? "unnamed"
            let annotation = KubernetesManifest.shutdownAnnotationPrefix + containerName
            if let named = shutdownByName[containerName] {
                measured = (named, "--shutdown \(containerName)=\(DurationParser.text(named))")
            } else if let annotated = pod.shutdownAnnotations[containerName] {
                guard let value = try? DurationParser.parse(annotated.value) else {
                    findings.append(Rule.manifestInvalid.finding(
                        "\(name): the annotation \(annotation) is '\(annotated.value)', not a duration",
                        hint: "write a duration such as 20s or 1m30s", file: display, line: annotated.line))
                    continue
                }
                measured = (value, "annotation \(annotation)")
            } else if let shutdown {
                measured = (shutdown, shutdownSource)
            } else {
                continue
            }
            let (shutdown, shutdownSource) = measured
            let total = preStopSeconds + shutdown.seconds
            let margin = self.margin?.seconds ?? max(2, graceDouble * 0.1)
            let budget = "preStop \(Self.format(preStopSeconds)) + shutdown \(Self.format(shutdown.seconds)) "
                + "(\(shutdownSource)) = \(Self.format(total))"
            if total > graceDouble {
                findings.append(Rule.graceBudgetExceeded.finding(
                    "\(name): \(budget) exceeds \(graceText): the app is SIGKILLed mid-shutdown",
                    hint: "set terminationGracePeriodSeconds to at least \(Int((total + margin).rounded(.up))), or "
                        + "shorten preStop or the shutdown", file: display, line: line))
            } else if total > graceDouble - margin {
                findings.append(Rule.graceBudgetTight.finding(
                    "\(name): \(budget) leaves less than the \(Self.format(margin)) margin of \(graceText)",
                    hint: "set terminationGracePeriodSeconds to at least \(Int((total + margin).rounded(.up)))",
                    file: display, line: line))
            }
        }
        return findings
    }

    /// A container whose command runs the app through `sh -c`, or runs a shell script (`command: [sh]`,
    /// `args: [script.sh]`) that a ConfigMap of the same file holds.
    func commandFindings(_ container: Node, name: String, shared: Bool, scripts: [String: String],
                         display: String) -> [Finding] {
        let command = (container["command"]?.sequence ?? Node.Sequence()).compactMap(\.string)
        let args = (container["args"]?.sequence ?? Node.Sequence()).compactMap(\.string)
        let argv = command + args
        let line = container.line(ofKey: "command") ?? container.line(ofKey: "args") ?? container.line
        guard let first = argv.first, let shellName = LintShellCommand.shellName(first) else { return [] }
        let imageShell = DockerfileImage.shell(of: container["image"]?.string ?? "").0
        let shellKind = LintShellCommand.resolve(shellName, imageShell: imageShell)
        guard let script = LintShellCommand.script(ofArguments: argv) else {
            return scriptFileFindings(argv, name: name, scripts: scripts, line: line, display: display)
        }
        let shell = LintShellCommand(script: script, shell: shellKind)
        guard var (message, severity) = shell.pid1Consequence else { return [] }
        if shared {
            message = "the shell is not PID 1 (shareProcessNamespace), so SIGTERM kills the shell and leaves the "
                + "program running until SIGKILL"
            severity = .warning
        }
        return [Rule.shellWrapperCommand.finding(
            "\(name) runs `\(shellName) -c \(LintShellCommand.oneLine(script))`: \(message)",
            hint: "run the program directly in command/args, or start the script with `exec`", file: display,
            line: line, severity: severity)]
    }

    /// `sh script.sh` as a container's command: a shell running a script file never execs its last command, so
    /// the script must. Judged when a ConfigMap in the same file holds the script.
    func scriptFileFindings(_ argv: [String], name: String, scripts: [String: String], line: Int,
                            display: String) -> [Finding] {
        guard let path = argv.dropFirst().first(where: { !$0.hasPrefix("-") }) else { return [] }
        let file = DockerfileLint.baseName(path)
        guard let text = scripts[file] else { return [] }
        switch EntrypointScript.verdict(text: text.hasPrefix("#!") ? text : "#!/bin/sh\n" + text, name: file) {
        case .staysPID1(let what):
            return [Rule.entrypointScriptNoExec.finding(
                "\(name) runs \(file) (from a ConfigMap in this file) with \(argv[0]): it ends by running \(what) "
                    + "without `exec` and traps no TERM, so the shell stays PID 1 and SIGTERM is dropped until SIGKILL",
                hint: "end \(file) with `exec prog ...`, or trap TERM and forward it", file: display, line: line)]
        case .deferredTrap(let last):
            return [Rule.entrypointScriptNoExec.finding(
                "\(name) runs \(file) (from a ConfigMap in this file): it traps TERM but runs `\(last)` in the "
                    + "foreground, and the shell runs the trap only after that command exits",
                hint: "start the program in the background and `wait`, or `exec` it", file: display, line: line)]
        default:
            return []
        }
    }

    /// `lifecycle.stopSignal` validity, and its fit for a known server image.
    func stopSignalFindings(_ container: Node, name: String, display: String) -> [Finding] {
        guard let node = container["lifecycle"]?["stopSignal"], let text = node.string else { return [] }
        let signal: Signal
        do {
            signal = try Signal(parsing: text)
        } catch {
            return [Rule.stopSignalInvalid.finding("\(name): lifecycle.stopSignal \(text): \(error.message)",
                                                   hint: "use a name such as SIGTERM", file: display,
                                                   line: node.line)]
        }
        if signal == .kill || signal == .stop {
            return [Rule.stopSignalInvalid.finding(
                "\(name): lifecycle.stopSignal \(text) cannot be caught: the app gets no chance to shut down",
                hint: "use SIGTERM, or the server's graceful signal", file: display, line: node.line)]
        }
        let image = container["image"]?.string ?? ""
        let command = (container["command"]?.sequence ?? Node.Sequence()).compactMap(\.string)
        let official = ProgramKnowledge.officialImage(image).flatMap { ProgramKnowledge.program(id: $0.image.programID) }
        guard let server = (command.isEmpty ? nil : ProgramKnowledge.program(commandLine: command)) ?? official,
              server.kind == .server || server.kind == .supervisor, server.needsStopSignalChange,
              signal != server.recommendedStopSignal else { return [] }
        return [Rule.stopSignalServer.finding(
            "\(name): lifecycle.stopSignal is SIG\(signal.shortName) for \(server.name): "
                + DockerfileLint.stopNote(server, stop: signal),
            hint: "stopSignal: SIG\(server.recommendedStopSignal.shortName)", file: display, line: node.line)]
    }

    /// How long a preStop hook takes: `sleep` actions and `sleep N` commands are known; anything else adds an
    /// unknown part (`known` false).
    static func preStopDuration(_ hook: Node) -> (seconds: Double, known: Bool, kind: String) {
        if let sleep = hook["sleep"] {
            return (Double(sleep["seconds"]?.int ?? 0), true, "sleep")
        }
        if hook["httpGet"] != nil { return (0, false, "httpGet") }
        if hook["tcpSocket"] != nil { return (0, false, "tcpSocket") }
        let command = (hook["exec"]?["command"]?.sequence ?? Node.Sequence()).compactMap(\.string)
        let commands: [[String]]
        if let script = LintShellCommand.script(ofArguments: command) {
            commands = LintShellCommand.commands(in: script)
        } else {
            commands = [command]
        }
        var seconds = 0.0
        var known = !commands.isEmpty
        for words in commands {
            guard let first = words.first else { continue }
            if DockerfileLint.baseName(first) == "sleep", words.count == 2,
               let duration = try? DurationParser.parse(words[1]) {
                seconds += duration.seconds
            } else if DockerfileLint.baseName(first) != "true" && first != ":" {
                known = false
            }
        }
        return (seconds, known, "exec")
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? "\(Int(seconds))s" : "\((seconds * 10).rounded() / 10)s"
    }
}
