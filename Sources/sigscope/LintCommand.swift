import ArgumentParser
import Foundation
import SigTrace

struct Lint: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Lint binaries, Dockerfiles, Kubernetes manifests, systemd units and Compose files for signal "
            + "handling before deploying.",
        usage: "sigscope lint [<options>] <path> ...\nsigscope lint --image <image> [<options>]\n"
            + "sigscope lint --list-rules [--format text|json]",
        discussion: """
            ELF binaries (read with libelf, mmap'ed): class, machine, static or dynamic, interpreter, the signal \
            APIs imported or contained (sigaction, signal, signalfd, sigwait...), the runtime: Go (version, module, \
            whether os/signal.Notify is linked), Rust (signal-hook, tokio::signal, ctrlc), Swift (UnixSignals), \
            C/C++, and interpreters whose script decides. It says what a stripped binary hides.

            Dockerfiles (final stage): shell-form CMD/ENTRYPOINT and what /bin/sh does as PID 1, entrypoint \
            scripts that do not exec, STOPSIGNAL validity and fit for nginx, PostgreSQL and httpd, and whether \
            an init (tini, dumb-init) runs as PID 1.

            Kubernetes YAML (multi-document, Lists; Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, \
            CronJob): terminationGracePeriodSeconds, preStop and its duration, the grace budget (preStop + \
            shutdown from --shutdown or --check-report must fit with a margin), sh -c wrappers, \
            lifecycle.stopSignal and shareProcessNamespace.

            systemd service units (*.service, with the NAME.service.d/*.conf drop-ins beside them applied in \
            order): KillMode=, KillSignal= for the program ExecStart= runs, FinalKillSignal=, SendSIGKILL=, \
            SendSIGHUP=, TimeoutStopSec= (the budget with --shutdown or --check-report, default 90s), ExecStop= \
            that only signals and returns, ExecReload= that stops, Type=forking without PIDFile=, ExecStart= \
            through sh -c.

            Compose files (compose.yaml, docker-compose.yml and their .override files; -f files merged in \
            order): stop_signal, stop_grace_period (the budget, default 10s), string commands with shell \
            syntax, what runs as PID 1 (the build Dockerfile with command:, entrypoint:, init: and stop_signal \
            applied), deploy.update_config against healthchecks.

            Built images (--image, and with --images those the manifests name, as their pods run them): the \
            configuration (ENTRYPOINT, CMD, USER, STOPSIGNAL) and the files, through podman image mount (or \
            create + export, never run, never pulled): whether the command can be executed in the image (the \
            file, its execute bit, its ELF loader or #! interpreter), USER in its /etc/passwd, the entrypoint \
            script actually in the image and the /bin/sh it really has, the ELF lint of the program that ends \
            up running, and whether /bin/sh and sleep exist for a preStop exec hook (or the pod's own hook).

            Directories are searched for Dockerfiles and Containerfiles (also Dockerfile.*, Dockerfile-*, \
            *.Dockerfile), *.yaml/*.yml, Kubernetes JSON (kubectl get -o json), *.service units, Compose files \
            and executable ELF files. A file that cannot \
            be read or parsed is a finding for that file; the others are still linted. The path - reads one file \
            from standard input, which --type names (`kubectl get deploy web -o yaml | sigscope lint --type \
            manifest -`); its findings name the file -.

            Suppress a finding with a comment on its line or the line above, `# sigscope ignore=RULE[,RULE]`, \
            or in .sigscope.yml (read from the current directory, or --config):
              ignore:
                - go-no-signal-notify
                - rule: grace-budget-tight
                  path: k8s/staging/*.yaml

            EXIT CODES
              0  no finding at or above --fail-on
              1  a finding at or above --fail-on (default: error)
              2  bad input: bad option, bad duration, unreadable or malformed
                 --check-report or --config, an --image the engine does not
                 have, no container engine for --image
            """
    )

    @Argument(help: ArgumentHelp("ELF binaries, Dockerfiles, Kubernetes YAML files, or directories holding them.",
                                 valueName: "path"))
    var paths: [String] = []

    @Option(help: ArgumentHelp("Lint this built image, its configuration and its files (repeatable; nothing is "
                               + "pulled or run).", valueName: "image"))
    var image: [String] = []

    @Flag(help: "Also lint the images the Kubernetes manifests name, with each pod's command and preStop.")
    var images = false

    @Option(help: ArgumentHelp("The container engine's CLI for --image and --images: podman or docker.",
                               valueName: "name"))
    var runtime: String?

    @OptionGroup var output: FormatOption<LintFormat>

    @Option(help: ArgumentHelp("Exit 1 when a finding reaches this severity; none never fails.",
                               valueName: "severity"))
    var failOn: FailOn = .error

    @Option(help: ArgumentHelp("The app's measured shutdown time, for the grace budget; NAME=<duration> for one "
                               + "container or Compose service (repeatable). A Kubernetes object can also carry "
                               + "the annotation shutdown.sigscope.dev/NAME: 20s.", valueName: "duration"))
    var shutdown: [ShutdownTime] = []

    @Option(help: ArgumentHelp("What `lint -` reads from standard input: dockerfile, manifest, systemd or compose.",
                               valueName: "type"))
    var type: StandardInputType?

    @Option(help: ArgumentHelp("A `sigscope check --format json` report whose shutdown time feeds the grace "
                               + "budget.", valueName: "file"))
    var checkReport: String?

    @Option(help: ArgumentHelp("The margin the grace budget must leave (default: 10% of the grace period, at least "
                               + "2s).", valueName: "duration"))
    var margin: Duration?

    @Option(help: ArgumentHelp("The Docker build context for COPY sources (default: each Dockerfile's "
                               + "directory).", valueName: "dir"))
    var context: String?

    @Option(name: [.customShort("f"), .customLong("compose-file")],
            help: ArgumentHelp("A Compose file of one project; repeat to merge overrides in order, as `docker "
                               + "compose -f`.", valueName: "file"))
    var composeFiles: [String] = []

    @Option(help: ArgumentHelp("The suppression file (default: .sigscope.yml in the current directory, if "
                               + "present).", valueName: "file"))
    var config: String?

    @Option(help: ArgumentHelp("Silence this rule everywhere (repeatable).", valueName: "rule"))
    var ignore: [LintRuleName] = []

    @Flag(help: "List the rules with their slug, severity, summary and source, and exit.")
    var listRules = false

    /// Checks which options go together; called from `run`, so that the argument parser names an unknown option
    /// before sigscope complains about a missing one.
    func validateCombination() throws {
        if !listRules && paths.isEmpty && composeFiles.isEmpty && image.isEmpty {
            throw ValidationError("give at least one file, directory or --image to lint")
        }
        if shutdown.contains(where: { $0.name == nil }) && checkReport != nil {
            throw ValidationError("give --shutdown or --check-report, not both")
        }
        if shutdown.filter({ $0.name == nil }).count > 1 {
            throw ValidationError("give one --shutdown for all containers (NAME=<duration> for each other one)")
        }
        if paths.filter({ $0 == "-" }).count > 1 {
            throw ValidationError("standard input can be linted once: give - once")
        }
        if paths.contains("-") && type == nil {
            throw ValidationError("lint - needs --type dockerfile|manifest|systemd|compose (what standard input holds)")
        }
        if type != nil && !paths.contains("-") {
            throw ValidationError("--type says what `lint -` reads: give - as a path")
        }
        if listRules && output.format != .text && output.format != .json {
            throw ValidationError("--list-rules writes text or json")
        }
    }

    func run() throws {
        try validateCombination()
        if listRules && output.format == .json {
            let rules = Rule.reported(by: .lint).map(\.json)
            Output.write(JSONSchema.document([("rules", .array(rules))]).pretty() + "\n")
            return
        }
        if listRules {
            var table = TextTable(header: ["RULE", "SEVERITY", "SUMMARY"])
            table.lineWidth = 80
            let rules = Rule.reported(by: .lint)
            for rule in rules {
                table.append([rule.id, rule.severity.rawValue + (rule.severityVaries == nil ? "" : "*"), rule.summary])
                table.append(["", "", "source: " + rule.source])
            }
            let note = rules.contains { $0.severityVaries != nil }
                ? "* usual severity; it varies by case: `sigscope rules RULE` says when and why\n" : ""
            Output.write(table.rendered() + "\n" + note)
            return
        }
        var manifestLint = KubernetesManifestLint()
        if let margin { manifestLint.margin = margin }
        var extra: [LintedFile] = []
        if let shutdown = shutdown.first(where: { $0.name == nil }) {
            manifestLint.shutdown = shutdown.duration
            manifestLint.shutdownSource = "--shutdown"
        }
        for named in shutdown {
            if let name = named.name { manifestLint.shutdownByName[name] = named.duration }
        }
        if let checkReport {
            let report = try LintCheckReport.load(path: checkReport)
            manifestLint.shutdown = report.budgetedShutdown
            manifestLint.shutdownSource = report.shutdownSeconds == nil
                ? "did not finish in \(checkReport)" : "measured in \(checkReport)"
            if let finding = report.finding(file: checkReport) {
                extra.append(LintedFile(path: checkReport, kind: .report, facts: nil, findings: [finding],
                                        suppressed: 0))
            }
        }
        var suppression = try loadSuppression()
        try suppression.ignore(ignore.map(\.id))
        var linter = Linter(manifestLint: manifestLint, context: context, suppression: suppression)
        if let type {
            let kind: InputFile.Kind = switch type {
            case .dockerfile: .dockerfile
            case .manifest, .compose: .manifest
            case .systemd: .config
            }
            linter.standardInput = (try InputFile.readStandardInput(as: kind), type.kind)
        }
        if !composeFiles.isEmpty {
            for path in composeFiles where !FileManager.default.isReadableFile(atPath: path) {
                throw SigscopeError(.unreadableFile, "cannot read compose file \(path)")
            }
            extra.append(linter.lintCompose(files: composeFiles))
        }
        let files = paths.isEmpty ? [] : linter.lint(paths: paths)
        let manifests = images ? files.filter { $0.kind == .manifest }.map(\.path) : []
        var imageFiles: [LintedFile] = []
        if !image.isEmpty || !manifests.isEmpty {
            let imageLint = ContainerImageLint(engine: try ContainerEngine.detect(preference: runtime), linter: linter)
            for name in image { imageFiles.append(try imageLint.lint(image: name)) }
            for path in manifests { imageFiles += imageLint.lintImages(ofManifest: path) }
        }
        let linted = extra + files + imageFiles
        // A name that matches no container or service is a typo that would leave its budget unchecked in silence.
        let defined = Set(linted.flatMap(\.names))
        for named in shutdown {
            guard let name = named.name, !defined.contains(name) else { continue }
            let known = defined.sorted().joined(separator: ", ")
            throw SigscopeError(.badInput, "--shutdown \(name)=\(DurationParser.text(named.duration)): no container "
                                + "or Compose service named \(name) in the files linted"
                                + (known.isEmpty ? "" : " (they define: \(known))"))
        }
        let report = LintReport(files: linted, failOn: failOn.threshold)
        switch output.format {
        case .text: Output.write(report.text(style: TextStyle.forDescriptor(1)))
        case .json: Output.write(report.json.pretty() + "\n")
        case .sarif:
            Output.write(Sarif.log(report, workingDirectory: FileManager.default.currentDirectoryPath).pretty() + "\n")
        case .junit: Output.write(report.junit)
        case .github:
            Output.write(report.github(workspace: ProcessInfo.processInfo.environment["GITHUB_WORKSPACE"],
                                       workingDirectory: FileManager.default.currentDirectoryPath))
        }
        if report.failed { throw ExitCode(1) }
    }

    func loadSuppression() throws -> Suppression {
        let path = config ?? ".sigscope.yml"
        guard FileManager.default.fileExists(atPath: path) else {
            if config != nil { throw SigscopeError(.unreadableFile, "cannot read config \(path): no such file") }
            return Suppression()
        }
        let text = try InputFile.readText(path, as: .config)
        return try Suppression(configText: text, source: path)
    }
}
