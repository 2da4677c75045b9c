import Foundation

/// `lint --image`: a built image judged by its configuration and its own files, not by the Dockerfile that made
/// it. The command (ENTRYPOINT and CMD, or a pod's command and args) must be runnable in the image (the file, its
/// execute bit, its ELF loader or `#!` interpreter); USER must exist in its /etc/passwd; then the same walk to
/// PID 1 as for a Dockerfile (`DockerfilePID1`), through the scripts and the `/bin/sh` the image really holds;
/// STOPSIGNAL against the program found (`DockerfileLint`); the ELF lint of that program (`BinaryLint`); and
/// whether an exec preStop hook (`sh`, `sleep`, or the pod's own command) can run in it.
public struct ImageLint: Sendable {
    /// What the image's configuration says (the engine's `image inspect` Config).
    public struct Config: Sendable {
        /// The reference the user gave.
        public var reference: String
        public var entrypoint: [String]
        public var cmd: [String]
        /// `USER`, empty for root.
        public var user: String
        /// `STOPSIGNAL` as written, nil when none.
        public var stopSignal: String?
        public var workingDir: String
        /// `KEY=VALUE` entries.
        public var env: [String]

        public init(reference: String, entrypoint: [String], cmd: [String], user: String, stopSignal: String?,
                    workingDir: String, env: [String]) {
            self.reference = reference
            self.entrypoint = entrypoint
            self.cmd = cmd
            self.user = user
            self.stopSignal = stopSignal
            self.workingDir = workingDir
            self.env = env
        }

        /// The image's PATH, else the engines' default.
        var searchPath: [String] {
            guard let path = env.last(where: { $0.hasPrefix("PATH=") }) else { return BuildContext.defaultPath }
            return path.dropFirst(5).split(separator: ":").map(String.init)
        }
    }

    /// What a pod spec changes for one container of the image (`lint --images` on a manifest).
    public struct PodContainer: Sendable {
        /// `Deployment/web container app`, for messages.
        public var name: String
        /// `command` replaces ENTRYPOINT (and drops CMD unless `args` are given); `args` replace CMD.
        public var command: [String]
        public var args: [String]
        /// `lifecycle.stopSignal`.
        public var stopSignal: Signal?
        /// `lifecycle.preStop.exec.command`.
        public var preStopExec: [String]?

        public init(name: String, command: [String], args: [String], stopSignal: Signal?, preStopExec: [String]?) {
            self.name = name
            self.command = command
            self.args = args
            self.stopSignal = stopSignal
            self.preStopExec = preStopExec
        }
    }

    public var config: Config
    public var root: ImageRoot
    public var pod: PodContainer?

    public init(config: Config, root: ImageRoot, pod: PodContainer? = nil) {
        self.config = config
        self.root = root
        self.pod = pod
    }

    /// The command PID 1 runs and what to call it in messages.
    var command: (argv: [String], what: String) {
        if let pod, !pod.command.isEmpty { return (pod.command + pod.args, "the pod's command") }
        if let pod, !pod.args.isEmpty { return (config.entrypoint + pod.args, "ENTRYPOINT with the pod's args") }
        return (config.entrypoint + config.cmd, config.entrypoint.isEmpty ? "CMD" : "ENTRYPOINT")
    }

    /// Lints the image; `display` names it in findings (`image localhost/web:1`).
    public func lint(display: String) -> (facts: ImageFacts, findings: [Finding]) {
        let (argv, what) = command
        let (shell, shellReason) = root.shell
        let sleep = root.locate("sleep", searchPath: config.searchPath, workdir: "/")
        var facts = ImageFacts(command: argv, user: config.user, stopSignal: config.stopSignal, shell: shell,
                               shellReason: shellReason, sleep: sleep?.imagePath)
        var findings: [Finding] = []
        findings += userFindings(display: display)
        findings += preStopFindings(shell: shell, sleep: sleep, display: display)
        guard let first = argv.first else {
            findings.append(Rule.imageEntrypointMissing.finding(
                "the image has no ENTRYPOINT and no CMD: podman and docker refuse to run it (\"no command "
                    + "specified\")", hint: "set ENTRYPOINT [\"/path/to/program\"] in the Dockerfile", file: display))
            return (facts, findings.map(unlined))
        }
        if let (reason, exitCode) = unrunnable(first) {
            findings.append(Rule.imageEntrypointMissing.finding(
                "\(what) runs \(first), but \(reason): the container cannot start (the runtime's exec fails, exit "
                    + "\(exitCode))", hint: "COPY the program to that path in the final stage, or fix the path in "
                    + "ENTRYPOINT", file: display))
            return (facts, findings.map(unlined))
        }

        let image = DockerfileImage(shell: shell, reason: shellReason)
        let instructions = [Dockerfile.Instruction(keyword: "WORKDIR", arguments: config.workingDir.isEmpty ? "/"
            : config.workingDir, line: 0)]
        let anchor = Dockerfile.Instruction(keyword: what, arguments: Self.jsonArray(argv), line: 0)
        let context = BuildContext(image: root, searchPath: config.searchPath)
        let pid1 = DockerfilePID1(image: image, context: context, instructions: instructions, display: display)
            .walk(entrypoint: anchor, command: nil)
        findings += pid1.findings

        let stopText = pod?.stopSignal.map { "SIG\($0.shortName)" } ?? config.stopSignal
        let stop = stopText.map { Dockerfile.Instruction(keyword: "STOPSIGNAL", arguments: $0, line: 0) }
        let from = Dockerfile.Instruction(keyword: "FROM", arguments: config.reference, line: 0)
        var dockerfileLint = DockerfileLint(context: root.directory)
        dockerfileLint.image = context
        findings += dockerfileLint.stopSignalFindings(stop, image: image, program: pid1.server,
                                                      arguments: pid1.arguments, inherited: false, anchor: anchor,
                                                      from: from, display: display)

        // The program the walk ended at; none when it stopped at a shell or an init with a finding.
        if let program = pid1.arguments.first, LintShellCommand.shellName(program) == nil,
           let file = root.locate(program, searchPath: config.searchPath, workdir: config.workingDir) {
            facts.program = file.imagePath
            if root.head(file, count: 4) == [0x7F, 0x45, 0x4C, 0x46] {
                let (binary, binaryFindings) = BinaryLint.lint(path: file.hostPath, display: file.imagePath)
                facts.binary = binary
                findings += binaryFindings.map { finding in
                    var finding = finding
                    finding.message = "\(file.imagePath): " + finding.message
                        .replacingOccurrences(of: file.hostPath, with: file.imagePath)
                    finding.file = display
                    return finding
                }
            }
        }
        return (facts, findings.map(unlined))
    }

    /// Findings of a built image point at no line.
    func unlined(_ finding: Finding) -> Finding {
        var finding = finding
        finding.line = nil
        return finding
    }

    /// Why `program` cannot be exec'd in the image, with the exit code the runtime gives then; nil when it can.
    func unrunnable(_ program: String) -> (reason: String, exitCode: Int)? {
        guard let file = root.locate(program, searchPath: config.searchPath, workdir: config.workingDir) else {
            let where_ = program.contains("/") ? "the image has no such file"
                : "no directory of the image's PATH (\(config.searchPath.joined(separator: ":"))) holds it"
            return (where_, 127)
        }
        guard file.isRegular else { return ("\(file.imagePath) is not a regular file", 126) }
        guard file.isExecutable else {
            return ("\(file.imagePath) has no execute permission (mode \(String(file.mode & 0o7777, radix: 8)))", 126)
        }
        let head = root.head(file, count: 256) ?? []
        if head.starts(with: [0x7F, 0x45, 0x4C, 0x46]) {
            guard let elf = try? ELFImage(path: file.hostPath), let loader = elf.interpreter else { return nil }
            if root.resolve(loader) == nil {
                return ("\(file.imagePath) is dynamically linked and its loader \(loader) is not in the image", 127)
            }
        } else if head.starts(with: Array("#!".utf8)) {
            let line = String(decoding: head.dropFirst(2).prefix { $0 != 0x0A }, as: UTF8.self)
            let words = line.split(separator: " ").map(String.init)
            guard let interpreter = words.first else { return nil }
            if root.resolve(interpreter) == nil {
                return ("\(file.imagePath) starts with #!\(line.trimmingWhitespace()), and \(interpreter) is not in "
                    + "the image", 127)
            }
            if (interpreter as NSString).lastPathComponent == "env", let name = words.dropFirst().first(where: {
                !$0.hasPrefix("-") && !$0.contains("=") }),
                root.locate(name, searchPath: config.searchPath, workdir: "/") == nil {
                return ("\(file.imagePath) starts with #!\(line.trimmingWhitespace()), and no \(name) is in the "
                    + "image's PATH", 127)
            }
        }
        return nil
    }

    /// USER must name a user (and group) of the image's /etc/passwd (/etc/group) unless it is numeric.
    func userFindings(display: String) -> [Finding] {
        guard !config.user.isEmpty else { return [] }
        let parts = config.user.split(separator: ":", maxSplits: 1).map(String.init)
        var findings: [Finding] = []
        for (index, file) in ["/etc/passwd", "/etc/group"].enumerated() where index < parts.count {
            let name = parts[index]
            if name.isEmpty || name.allSatisfy(\.isNumber) { continue }
            let text = root.text(file)
            let known = text?.split(separator: "\n").contains { $0.hasPrefix(name + ":") } ?? false
            guard !known else { continue }
            let what = index == 0 ? "user" : "group"
            findings.append(Rule.imageUserUnknown.finding(
                "USER \(config.user): the \(what) \(name) is not in the image's \(file)"
                    + (text == nil ? " (it has none)" : "") + ": podman and docker refuse to start the container "
                    + "(\"unable to find \(what) \(name)\")",
                hint: "use a numeric USER (USER 65532:65532), or add the \(what) to \(file) in the final stage",
                file: display))
        }
        return findings
    }

    /// Whether an exec preStop hook can run: the pod's own hook, else the usual `sh -c` and `sleep`.
    func preStopFindings(shell: ImageShell?, sleep: ImageRoot.File?, display: String) -> [Finding] {
        guard let pod else {
            guard shell == ImageShell.none || sleep == nil else { return [] }
            let missing = [shell == ImageShell.none ? "/bin/sh" : nil, sleep == nil ? "sleep" : nil]
                .compactMap { $0 }.joined(separator: " and no ")
            return [Rule.imageNoPreStopTools.finding(
                "the image has no \(missing): a Kubernetes preStop exec hook such as [\"sleep\", \"5\"]"
                    + (shell == ImageShell.none ? " or [\"sh\", \"-c\", \"...\"]" : "") + " cannot run in it; the "
                    + "kubelet then records FailedPreStopHook and sends the stop signal at once",
                hint: "use the preStop sleep action (lifecycle.preStop.sleep.seconds, Kubernetes 1.30+), which "
                    + "needs nothing in the image", file: display)]
        }
        guard let command = pod.preStopExec, let program = command.first else { return [] }
        var problems: [String] = []
        if let (reason, _) = unrunnable(program) {
            problems.append(reason)
        } else if let script = LintShellCommand.script(ofArguments: command), shell != .busyboxAsh {
            // BusyBox's sh runs its applets (sleep, kill) without a file for them; other shells need the file.
            for words in LintShellCommand.commands(in: script) {
                guard let name = words.first(where: { !$0.contains("=") && $0 != "exec" }),
                      !LintShellCommand.builtins.contains(name) else { continue }
                if let (reason, _) = unrunnable(name) { problems.append("\(name) in its script: \(reason)") }
            }
        }
        guard let problem = problems.first else { return [] }
        return [Rule.preStopCommandMissing.finding(
            "preStop of \(pod.name) runs \(ShutdownVerdict.commandLine(command)), but \(problem); the kubelet only "
                + "records a FailedPreStopHook event and sends the stop signal at once",
            hint: "use the sleep action (lifecycle.preStop.sleep.seconds, Kubernetes 1.30+), which needs nothing in "
                + "the image, or add \(program) to the image", file: display)]
    }

    static func jsonArray(_ words: [String]) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: words, options: [.withoutEscapingSlashes])
        else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }
}

/// What `lint --image` learned about an image: what PID 1 runs, the program at the end, its shell and tools.
public struct ImageFacts: Sendable {
    /// ENTRYPOINT + CMD (or the pod's command and args).
    public var command: [String]
    public var user: String
    public var stopSignal: String?
    /// What `/bin/sh` is (`.none`: there is none; nil: not recognised) and how that was decided.
    public var shell: ImageShell?
    public var shellReason: String
    /// Where `sleep` is in the image's PATH, nil when nowhere.
    public var sleep: String?
    /// The program the command ends up running, in the image.
    public var program: String?
    /// The ELF facts of that program.
    public var binary: BinaryFacts?
    /// The engine's image ID and, with `--images`, the pod container it was linted for.
    public var id: String?
    public var podContainer: String?

    /// The facts as a JSON object with stable snake_case keys.
    public var json: JSONValue {
        .object([
            ("id", .string(id)), ("command", .array(command.map(JSONValue.string))), ("user", .string(user)),
            ("stop_signal", .string(stopSignal)), ("shell", .string(shell?.rawValue)),
            ("shell_reason", .string(shellReason)), ("sleep", .string(sleep)), ("program", .string(program)),
            ("binary", binary?.json ?? .null), ("pod_container", .string(podContainer)),
        ])
    }

    /// `/bin/sh busybox-ash, sleep, runs /server (elf static go)` for the text report's header.
    public var summary: String {
        let shellText = shell.map { $0 == .none ? "no /bin/sh" : "/bin/sh \($0.rawValue)" } ?? "/bin/sh unknown"
        var parts = ["image", shellText, sleep == nil ? "no sleep" : "sleep"]
        if let program {
            parts.append("runs \(program)" + (binary.map { " (\($0.isStatic ? "static" : "dynamic") "
                + "\($0.runtime.rawValue))" } ?? ""))
        }
        return parts.joined(separator: ", ")
    }
}
