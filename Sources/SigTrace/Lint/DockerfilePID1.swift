import Foundation

/// Follows a Dockerfile's ENTRYPOINT and CMD to the program that ends up as PID 1: through the official base
/// image's entrypoint, inits (tini, docker-init), `sh -c` in the image's real shell, entrypoint scripts from the build
/// context and launchers that exec (`bundle exec`, `opentelemetry-instrument`). Then judges that program with what
/// the knowledge base says about it as PID 1.
struct DockerfilePID1 {
    let image: DockerfileImage
    let context: BuildContext
    let instructions: [Dockerfile.Instruction]
    let display: String

    /// What the walk found.
    struct Outcome {
        var findings: [Finding] = []
        /// The program that runs as PID 1 (or as the init's child), when the knowledge base knows it.
        var server: ProgramEntry?
        /// True when the file sets neither ENTRYPOINT nor CMD, so the base image's command runs.
        var inheritedCommand = false
        /// The final program's command line.
        var arguments: [String] = []
    }

    /// The programs a launcher runs in its own place, with the words that precede the program.
    static let execingLaunchers: [String: Set<String>] = [
        "bundle": ["exec"], "bundler": ["exec"], "opentelemetry-instrument": [],
    ]

    func walk(entrypoint: Dockerfile.Instruction?, command: Dockerfile.Instruction?) -> Outcome {
        var outcome = Outcome()
        var argv: [String] = []
        var anchor = entrypoint ?? command
        if let entrypoint {
            if let array = entrypoint.execForm.arguments {
                argv = array
                if let command {
                    argv += command.execForm.arguments ?? ["/bin/sh", "-c", command.arguments]
                }
            } else {
                return shellForm(entrypoint, outcome: outcome)
            }
        } else if let command {
            guard let array = command.execForm.arguments else {
                if image.officialEntrypoint.isEmpty { return shellForm(command, outcome: outcome) }
                argv = image.officialEntrypoint + ["/bin/sh", "-c", command.arguments]
                return follow(argv, anchor: command, outcome: outcome)
            }
            argv = image.officialEntrypoint + array
        } else {
            // Neither is set here: the official base image's own ENTRYPOINT and CMD run.
            outcome.inheritedCommand = true
            argv = image.officialEntrypoint + image.officialCommand
            anchor = nil
        }
        guard let anchor else {
            outcome.server = ProgramKnowledge.program(commandLine: argv)
            outcome.arguments = argv
            return outcome
        }
        return follow(argv, anchor: anchor, outcome: outcome)
    }

    /// Shell-form ENTRYPOINT or CMD: `SHELL` (or /bin/sh) runs the text.
    func shellForm(_ instruction: Dockerfile.Instruction, outcome: Outcome) -> Outcome {
        var outcome = outcome
        let shell = LintShellCommand(script: instruction.arguments, shell: image.shellFormShell)
        if let (message, severity) = shell.pid1Consequence {
            outcome.findings.append(Rule.shellFormPID1.finding(
                "shell-form \(instruction.keyword)\(shellNote(image.shellFormShell)): \(message)",
                hint: "use exec form, \(instruction.keyword) [\"prog\", \"arg\"], or start the command with `exec`",
                file: display, line: instruction.line, severity: severity))
            return outcome
        }
        let words = shell.parsed.finalCommands.first.map { Array($0.words.drop { $0 == "exec" }) } ?? []
        return words.isEmpty ? outcome : follow(words, anchor: instruction, outcome: outcome)
    }

    func shellNote(_ shell: ImageShell?) -> String {
        guard let shell, let reason = image.shellReason else { return "" }
        return " (\(LintShellCommand.describe(shell)), from \(reason))"
    }

    /// Walks argv to the program that runs last, emitting findings on the way.
    func follow(_ start: [String], anchor: Dockerfile.Instruction, outcome: Outcome) -> Outcome {
        var outcome = outcome
        var argv = start
        var underInit: String?
        for _ in 0..<8 {
            guard let first = argv.first else { return outcome }
            let program = EntrypointScript.baseName(first)
            // An init: tini, dumb-init, docker-init (or a supervisor, which manages the rest itself).
            if let entry = ProgramKnowledge.program(executable: program),
               entry.kind == .initProcess || entry.kind == .supervisor {
                if entry.kind == .supervisor {
                    outcome.server = entry
                    return outcome
                }
                underInit = entry.name
                argv = Array(argv.dropFirst().drop { $0.hasPrefix("-") && $0 != "--" })
                if argv.first == "--" { argv.removeFirst() }
                continue
            }
            // sh -c 'script', in the shell the image really has.
            if let script = LintShellCommand.script(ofArguments: argv), let name = LintShellCommand.shellName(program) {
                let shellKind = LintShellCommand.resolve(name, imageShell: image.shell)
                let shell = LintShellCommand(script: script, shell: shellKind)
                if let (message, severity) = shell.pid1Consequence {
                    let text = underInit.map {
                        "sh -c under \($0): the init forwards SIGTERM to the shell, which dies of it (or, as a "
                            + "trap, waits) without passing it on to the program"
                    } ?? "\(anchor.keyword) runs \(name) -c\(shellNote(shellKind)): \(message)"
                    outcome.findings.append(Rule.shellFormPID1.finding(
                        text, hint: "exec the program directly, or start the script with `exec`", file: display,
                        line: anchor.line, severity: underInit == nil ? severity : .warning))
                    return outcome
                }
                argv = shell.parsed.finalCommands.first.map { Array($0.words.drop { $0 == "exec" }) } ?? []
                continue
            }
            // A shell script from the build context.
            var scriptPath = first
            var rest = Array(argv.dropFirst())
            if LintShellCommand.shellName(program) != nil, let file = rest.first, !file.hasPrefix("-") {
                scriptPath = file
                rest = Array(rest.dropFirst())
            }
            if let placed = context.file(at: scriptPath, instructions: instructions),
               let text = BuildContext.readText(placed.source) {
                let name = EntrypointScript.baseName(scriptPath)
                switch EntrypointScript.verdict(text: text, name: name) {
                case .notAShellScript:
                    break
                case .execsArguments:
                    argv = rest
                    continue
                case .execsProgram(let words):
                    argv = words.flatMap { $0 == "$@" || $0 == "${@}" ? rest : [$0] }
                    continue
                case .startsInit(let initName):
                    underInit = initName
                    argv = rest
                    continue
                case .forwardsTerm:
                    return outcome
                case .deferredTrap(let last):
                    outcome.findings.append(Rule.entrypointScriptNoExec.finding(
                        "\(name) (\(placed.origin)) traps TERM but runs `\(last)` in the foreground: a "
                            + "shell runs its trap only after the foreground command exits, so SIGTERM waits for the "
                            + "grace period to end",
                        hint: "start the program in the background and `wait` for it, or end \(name) with "
                            + "`exec \"$@\"`", file: display, line: anchor.line))
                    return outcome
                case .staysPID1(let what):
                    outcome.findings.append(Rule.entrypointScriptNoExec.finding(
                        "\(name) (\(placed.origin)) ends by running \(what) without `exec` and traps no "
                            + "TERM: the shell stays PID 1, ignores SIGTERM, and the program never receives it",
                        hint: "end \(name) with `exec \"$@\"` (or `exec prog ...`)", file: display,
                        line: anchor.line))
                    return outcome
                }
            } else if !image.officialEntrypoint.isEmpty,
                      EntrypointScript.baseName(image.officialEntrypoint[0]) == program,
                      image.official?.image.entrypointExecs == true {
                // The official image's entrypoint execs its arguments; like docker-library's scripts it puts the
                // image's program in front of arguments that are options (`--require=x.js`), and docker-node's in
                // front of a script file (`server.js`).
                argv = rest
                if let next = argv.first, let main = image.officialCommand.first,
                   next.hasPrefix("-") || main == "node" && [".js", ".mjs", ".cjs"].contains(where: next.hasSuffix) {
                    argv.insert(main, at: 0)
                }
                continue
            }
            // A launcher that puts the program in its own place.
            if let skip = Self.execingLaunchers[program] {
                argv = Array(argv.dropFirst().drop { skip.contains($0) || $0.hasPrefix("-") })
                continue
            }
            break
        }
        judge(argv, anchor: anchor, underInit: underInit, outcome: &outcome)
        return outcome
    }

    /// Judges the program that ends up as PID 1 (or as an init's child) by what the knowledge base says of it.
    func judge(_ argv: [String], anchor: Dockerfile.Instruction, underInit: String?, outcome: inout Outcome) {
        guard let first = argv.first else { return }
        let program = EntrypointScript.baseName(first)
        let entry = ProgramKnowledge.program(commandLine: argv)
        outcome.server = entry
        outcome.arguments = argv
        guard underInit == nil, let entry else { return }
        if entry.kind == .runtime, let language = AppSignalHandling.Language(runtime: entry.id) {
            interpreter(entry, language: language, argv: argv, anchor: anchor, outcome: &outcome)
            return
        }
        // A launcher that does not put the program in its own place (npm, yarn, pnpm, npx, `flask run`).
        if entry.kind == .launcher, entry.forwardsStopSignal?.value != true {
            let words = argv.prefix(3).joined(separator: " ")
            outcome.findings.append(Rule.launcherPID1.finding(
                "`\(words)` makes \(entry.name) PID 1, in front of the program, with no init ("
                    + (entry.meaning(of: .term).map { "on SIGTERM: \($0.summary)" } ?? "it does not handle SIGTERM")
                    + "): the program is not PID 1 and may never see SIGTERM, and the container can end in SIGKILL",
                hint: entry.fix ?? "run the program itself as PID 1", file: display, line: anchor.line))
            return
        }
        if entry.handlesStopSignalAsPID1?.value == false || entry.reapsChildren?.value == false {
            let what = entry.kind == .shell ? "a shell as PID 1 ignores SIGTERM unless it traps it"
                : "it does not handle SIGTERM as PID 1"
            outcome.findings.append(Rule.noInit.finding(
                "\(program) runs as PID 1 with no init: \(what), so `docker stop` waits for the grace period and "
                    + "SIGKILLs",
                hint: "add tini or dumb-init as ENTRYPOINT, or run with `docker run --init`", file: display,
                line: anchor.line))
        }
    }

    /// An interpreter as PID 1: judged by the app's source in the build context.
    func interpreter(_ entry: ProgramEntry, language: AppSignalHandling.Language, argv: [String],
                     anchor: Dockerfile.Instruction, outcome: inout Outcome) {
        let interpreterName = EntrypointScript.baseName(argv[0])
        let arguments = Array(argv.dropFirst())
        let script = arguments.first { !$0.hasPrefix("-") }
        let module = arguments.firstIndex(of: "-m").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        let interactive = script == nil && module == nil && !arguments.contains("-c") && !arguments.contains("-e")
        var directory = context.sourceDirectory(instructions: instructions)
        if let script, module == nil {
            if let placed = context.file(at: script.hasPrefix("/") || script.contains("/") ? script : "./" + script,
                                         instructions: instructions) {
                directory = BuildContext.directory(of: placed.source)
            } else if directory.map({ !FileManager.default.fileExists(
                atPath: ($0 as NSString).appendingPathComponent(script)) }) ?? true {
                directory = nil
            }
        }
        let evidence = interactive ? .noHandler(files: 0)
            : AppSignalHandling.evidence(language: language, directory: directory, argv: arguments)
        let what = interactive ? "the \(entry.name) REPL" : "\(interpreterName) \(script ?? module ?? "")"
        switch evidence {
        case .handles:
            return
        case .noHandler(let files):
            let seen = files > 0 ? " (none of the \(files) source files in the build context handles it)" : ""
            outcome.findings.append(Rule.interpreterPID1.finding(
                "\(what) runs as PID 1 with no init and no SIGTERM handler\(seen): the kernel drops the signals PID 1 "
                    + "does not handle, so `docker stop` waits for the grace period and SIGKILLs",
                hint: (entry.fix ?? "handle SIGTERM in the program") + "; or run it under tini "
                    + "(`docker run --init`); verify with `sigscope check`", file: display, line: anchor.line))
        case .noSource:
            outcome.findings.append(Rule.interpreterPID1.finding(
                "\(what) runs as PID 1 with no init, and its source is not in the build context: unless it installs "
                    + "a SIGTERM handler the kernel drops the signal and `docker stop` ends in SIGKILL",
                hint: "make sure the program handles SIGTERM (\(entry.fix ?? "a handler that exits")), or run it "
                    + "under tini; verify with `sigscope check`", file: display, line: anchor.line,
                severity: .info))
        }
    }
}
