/// The systemd rules for a service unit with its drop-ins applied: how `systemctl stop` signals the service
/// (KillMode=, KillSignal=, FinalKillSignal=, SendSIGKILL=, SendSIGHUP=), how long it waits (TimeoutStopSec=,
/// against a measured shutdown), what ExecStop= and ExecReload= really do, Type=forking without PIDFile=, and
/// ExecStart= through a shell. The program ExecStart= runs is judged with `ProgramKnowledge`.
public struct SystemdUnitLint: Sendable {
    /// The measured shutdown the stop timeout must hold.
    public var budget: StopBudget

    /// True for a drop-in linted without its unit: the settings it makes are judged as if on a long-running
    /// service, since the unit's Type= and ExecStart= are not known.
    public var partial = false

    public init(budget: StopBudget = StopBudget()) { self.budget = budget }

    /// Lints a unit (drop-ins already applied); `display` names the unit in findings.
    public func lint(_ unit: SystemdUnit, display: String) -> [Finding] {
        var context = Context(unit: unit, display: display)
        var findings = syntaxFindings(&context)
        guard unit.hasSections else { return findings }
        let settings = SystemdStopSettings(unit)
        context.settings = settings
        for (assignment, reason) in settings.invalid {
            findings.append(context.finding(.systemdUnitInvalid, "\(assignment.key)=\(assignment.value): \(reason); "
                + "systemd ignores the line and keeps the default", hint: "fix the value", at: assignment))
        }
        // A oneshot unit has no process left to stop; its ExecStop= is a teardown action, not a stop.
        guard settings.isLongRunning || partial && settings.type.assignment == nil else { return findings }
        context.program = Self.program(of: settings)
        findings += killModeFindings(context)
        findings += signalFindings(context)
        findings += timeoutFindings(context)
        findings += execStopFindings(context)
        findings += execReloadFindings(context)
        findings += mainProcessFindings(context)
        return findings
    }

    /// What the rules share about one unit.
    struct Context {
        var unit: SystemdUnit
        var display: String
        var settings: SystemdStopSettings!
        var program: ServiceProgram?

        /// The unit's file name: `nginx.service`.
        var name: String { display.split(separator: "/").last.map(String.init) ?? display }

        /// The program's name for messages.
        var programName: String { program?.entry?.name ?? program?.name ?? "the service" }

        /// A finding at an assignment (in a drop-in, the drop-in's file and line), or at the unit's
        /// `[Service]` section when the setting is systemd's default.
        func finding(_ rule: Rule, _ message: String, hint: String, at assignment: SystemdUnit.Assignment?,
                     severity: Severity? = nil) -> Finding {
            guard let assignment else {
                return rule.finding("\(name): " + message, hint: hint, file: display, line: serviceLine,
                                    severity: severity)
            }
            var text = "\(name): " + message
            if assignment.file != display {
                let dropIn = assignment.file.split(separator: "/").suffix(2).joined(separator: "/")
                text += " (set in drop-in \(dropIn) line \(assignment.line))"
            }
            return rule.finding(text, hint: hint, file: assignment.file, line: assignment.line, severity: severity)
        }

        /// The line of the unit's `[Service]` header, where findings about defaults point.
        var serviceLine: Int {
            let lines = unit.lines[display] ?? []
            return (lines.firstIndex { $0.trimmingWhitespace() == "[Service]" } ?? 0) + 1
        }
    }

    /// The program a service runs, as far as ExecStart= shows it.
    struct ServiceProgram {
        /// The executable's base name, or the shell's main command's.
        var name: String
        var entry: ProgramEntry?
        var command: SystemdCommand
        var assignment: SystemdUnit.Assignment
        /// When ExecStart= runs `sh -c SCRIPT`: the script's shape and the shell's name.
        var shell: (script: LintShellCommand, shellName: String)?
    }

    /// The last ExecStart= command and the program it runs (through `sh -c` when it is a shell).
    static func program(of settings: SystemdStopSettings) -> ServiceProgram? {
        guard let (command, assignment) = settings.execStart.last else { return nil }
        let argv = [command.executable] + command.arguments
        if let script = LintShellCommand.script(ofArguments: argv) {
            let shell = LintShellCommand(script: script)
            var words = LintShellCommand.commands(in: script).last ?? []
            while let first = words.first, first == "exec" || first.contains("=") && !first.hasPrefix("-") {
                words.removeFirst()
            }
            let name = words.first.map(SystemdStopCommand.baseName) ?? command.programName
            return ServiceProgram(name: name, entry: ProgramKnowledge.program(commandLine: words), command: command,
                                  assignment: assignment, shell: (shell, command.programName))
        }
        return ServiceProgram(name: command.programName, entry: ProgramKnowledge.program(commandLine: argv),
                              command: command, assignment: assignment, shell: nil)
    }

    func syntaxFindings(_ context: inout Context) -> [Finding] {
        let unit = context.unit
        guard unit.hasSections else {
            return [Rule.systemdUnitInvalid.finding(
                "\(context.name) has no [Section] header: not a systemd unit file", hint: "start it with [Unit] or "
                    + "[Service]", file: context.display, line: 1)]
        }
        return unit.problems.map { problem in
            Rule.systemdUnitInvalid.finding(
                "\(context.name): \(problem.message)", hint: "put Key=Value lines under a [Section] header",
                file: problem.file, line: problem.line, severity: .warning)
        }
    }

    /// True for servers and supervisors whose other processes are workers that must stop with them.
    static func runsWorkers(_ entry: ProgramEntry?) -> Bool {
        guard let entry else { return false }
        return entry.kind == .server || entry.kind == .supervisor
    }

    func killModeFindings(_ context: Context) -> [Finding] {
        let settings = context.settings!
        let mode = settings.killMode
        let restarts = settings.restart.value != "no"
        switch mode.value {
        case .none:
            let stopped = settings.execStop.isEmpty
                ? "and there is no ExecStop=, so nothing stops the service: its processes keep running while "
                    + "systemd reports it stopped"
                : "only ExecStop= runs; whatever it leaves keeps running while systemd reports the unit stopped"
            return [context.finding(
                .systemdKillModeNone, "KillMode=none: systemd sends no signal when the unit stops, \(stopped); "
                    + "KillMode=none is deprecated (systemd.kill(5))",
                hint: "use KillMode=mixed (SIGTERM to the main process, SIGKILL to the rest at the end) or the "
                    + "default control-group", at: mode.assignment,
                severity: settings.execStop.isEmpty ? .error : .warning)]
        case .process:
            let workers = Self.runsWorkers(context.program?.entry)
            let signal = settings.killSignal.value.name
            var message = "KillMode=process: only the main process gets \(signal); whatever else runs in the unit is "
                + "left running after the stop"
            var severity = Severity.info
            if workers && restarts {
                // A master stops its own workers on its stop signal; the trap is a master that dies first.
                message += ". \(context.programName) stops its own children on \(signal), but if it crashes or is "
                    + "killed they keep running, and Restart=\(settings.restart.value) starts a second "
                    + "\(context.programName) beside them"
                severity = .warning
            } else if workers {
                message += ": if \(context.programName) dies before stopping its children, they stay"
            } else {
                message += " (intended only when those processes must outlive the service, as login sessions do)"
            }
            return [context.finding(
                .systemdKillModeProcess, message,
                hint: "use KillMode=mixed: SIGTERM to the main process, SIGKILL to what is left at the end",
                at: mode.assignment, severity: severity)]
        case .controlGroup, .mixed:
            return []
        }
    }

    func signalFindings(_ context: Context) -> [Finding] {
        let settings = context.settings!
        var findings: [Finding] = []
        let entry = context.program?.entry
        for (key, setting) in [("KillSignal", settings.killSignal), ("RestartKillSignal", settings.restartKillSignal)]
        where setting.assignment != nil || key == "KillSignal" {
            let signal = setting.value
            if signal.isUncatchable {
                findings.append(context.finding(
                    .systemdKillSignalInvalid, "\(key)=\(signal.name) cannot be caught: "
                        + (signal == .kill ? "\(context.programName) gets no chance to shut down"
                           : "SIGSTOP freezes the service, which then waits out TimeoutStopSec= before SIGKILL"),
                    hint: "use SIGTERM or the program's graceful stop signal", at: setting.assignment))
                continue
            }
            if key == "RestartKillSignal" && setting.assignment == nil { continue }
            // With a stop command, ExecStop= sends the first signal; the race is execStopFindings' concern.
            guard settings.execStop.isEmpty, let entry, entry.kind == .server || entry.kind == .supervisor,
                  signal != entry.recommendedStopSignal else { continue }
            // A signal that does what the recommended one does (uWSGI's QUIT and INT) is as good.
            if let sent = entry.meaning(of: signal)?.effect,
               sent == entry.meaning(of: entry.recommendedStopSignal)?.effect { continue }
            let meaning = entry.meaning(of: signal).map { ": \($0.summary)" } ?? ""
            let verb = key == "KillSignal" ? "systemctl stop" : "systemctl restart"
            findings.append(context.finding(
                .systemdKillSignalServer, "\(verb) sends \(signal.name) to \(entry.name)\(meaning)",
                hint: "\(key)=\(entry.recommendedStopSignal.name)" + (entry.fix.map { " (\($0))" } ?? ""),
                at: setting.assignment ?? context.program?.assignment))
        }
        if let assignment = settings.finalKillSignal.assignment, settings.finalKillSignal.value != .kill,
           settings.sendSIGKILL.value {
            let signal = settings.finalKillSignal.value
            if let meaning = entry?.meaning(of: signal), !meaning.effect.stopsProgram
                || meaning.effect == .gracefulStop {
                findings.append(context.finding(
                    .systemdFinalKillSignal, "FinalKillSignal=\(signal.name) is caught by \(entry!.name): "
                        + "\(meaning.summary); a process that outlived TimeoutStopSec= is not ended by it",
                    hint: "leave FinalKillSignal= at SIGKILL", at: assignment))
            } else if [.term, .int, .hup].contains(signal) {
                findings.append(context.finding(
                    .systemdFinalKillSignal, "FinalKillSignal=\(signal.name) is a signal programs catch; it is sent "
                        + "only to processes that already outlived \(settings.killSignal.value.name) and "
                        + "TimeoutStopSec=, which may well handle this one too",
                    hint: "leave FinalKillSignal= at SIGKILL (SIGQUIT or SIGABRT only to get a core dump)",
                    at: assignment))
            } else if !signal.isUncatchable && entry?.meaning(of: signal) == nil {
                findings.append(context.finding(
                    .systemdFinalKillSignal, "FinalKillSignal=\(signal.name): a program that catches it survives "
                        + "the final kill (systemd.kill(5) suggests SIGQUIT or SIGABRT only to get a core dump)",
                    hint: "make sure \(context.programName) does not handle \(signal.name), or use SIGKILL",
                    at: assignment, severity: .info))
            }
        }
        if !settings.sendSIGKILL.value {
            let restart = settings.killMode.value == .controlGroup || settings.killMode.value == .mixed
                ? "; while they run, systemd will not start the unit again" : ""
            findings.append(context.finding(
                .systemdSendSIGKILLNo, "SendSIGKILL=no: processes still running when TimeoutStopSec= "
                    + "(\(Self.describe(settings.stopTimeout.value))) ends are left running, and the unit is marked "
                    + "failed\(restart)",
                hint: "keep SendSIGKILL=yes and raise TimeoutStopSec= to what the shutdown needs",
                at: settings.sendSIGKILL.assignment))
        }
        if settings.sendSIGHUP.value, let entry, let hup = entry.meaning(of: .hup),
           hup.effect == .reload || hup.effect == .gracefulReload {
            findings.append(context.finding(
                .systemdSendSIGHUPReload, "SendSIGHUP=yes sends SIGHUP right after \(settings.killSignal.value.name), "
                    + "and SIGHUP to \(entry.name) means: \(hup.summary)",
                hint: "remove SendSIGHUP= (it is meant for shells and terminal programs)",
                at: settings.sendSIGHUP.assignment))
        }
        return findings
    }

    func timeoutFindings(_ context: Context) -> [Finding] {
        let settings = context.settings!
        let timeout = settings.stopTimeout
        guard let seconds = settings.stopTimeoutSeconds else {
            return [context.finding(
                .systemdStopTimeoutInfinite, "\(timeout.assignment?.key ?? "TimeoutStopSec")="
                    + "\(timeout.assignment?.value ?? "infinity") disables the stop timeout: if "
                    + "\(context.programName) hangs on \(settings.killSignal.value.name), `systemctl stop`, restarts "
                    + "and machine shutdown wait for it",
                hint: "set TimeoutStopSec= to the longest shutdown you accept", at: timeout.assignment)]
        }
        guard let (verdict, margin, needed) = budget.judge(timeout: seconds), verdict != .fits else { return [] }
        let name = timeout.assignment.map { "\($0.key)=\($0.value)" } ?? "the default TimeoutStopSec= of 90s"
        if verdict == .exceeded {
            let end = settings.sendSIGKILL.value ? "\(settings.finalKillSignal.value.name) ends it mid-shutdown"
                : "it is abandoned mid-shutdown"
            return [context.finding(
                .systemdStopBudgetExceeded, "\(budget.described) exceeds \(name): \(end)",
                hint: "set TimeoutStopSec=\(needed)s or more, or shorten the shutdown", at: timeout.assignment)]
        }
        return [context.finding(
            .systemdStopBudgetTight, "\(budget.described) leaves less than the \(StopBudget.format(margin)) margin "
                + "of \(name)", hint: "set TimeoutStopSec=\(needed)s or more", at: timeout.assignment)]
    }

    func execStopFindings(_ context: Context) -> [Finding] {
        let settings = context.settings!
        guard settings.killMode.value != .none else { return [] }
        var findings: [Finding] = []
        let commands = settings.execStop
        for (index, (command, assignment)) in commands.enumerated() {
            switch SystemdStopCommand.classify(command) {
            case .signalsAndReturns(let signal, _, let how):
                // A later ExecStop= that waits (or that sigscope cannot judge) may be what holds the stop.
                let later = commands[(index + 1)...].map { SystemdStopCommand.classify($0.command) }
                guard later.allSatisfy({ if case .signalsAndReturns = $0 { return true }; return $0 == .noOp })
                else { continue }
                findings.append(asyncStopFinding(context, command: command, assignment: assignment, signal: signal,
                                                 how: how))
            case .noOp:
                findings.append(context.finding(
                    .systemdExecStopNoStop, "ExecStop=\(command.text) does not stop anything; systemd's "
                        + "\(settings.killSignal.value.name) after it is what stops \(context.programName)",
                    hint: "remove the ExecStop= line", at: assignment, severity: .info))
            case .waits, .unknown:
                continue
            }
        }
        return findings
    }

    func asyncStopFinding(_ context: Context, command: SystemdCommand, assignment: SystemdUnit.Assignment,
                          signal: Signal?, how: String) -> Finding {
        let settings = context.settings!
        let killSignal = settings.killSignal.value
        let entry = context.program?.entry
        let sent = signal.map { "sends \($0.name)" } ?? "signals the server"
        let recipients: String
        switch settings.killMode.value {
        case .mixed: recipients = "the main process (SIGKILL to the rest)"
        case .process: recipients = "the main process"
        case .controlGroup, .none: recipients = "every process left"
        }
        var message = "ExecStop=\(command.text) (\(how)) \(sent) and returns at once; systemd then sends "
            + "\(killSignal.name) to \(recipients) without waiting"
        let hint: String
        if let signal, signal == killSignal {
            message += ": the program gets \(signal.name) twice, and many programs take a second one as \"exit now\""
            hint = "remove ExecStop=: KillSignal=\(killSignal.name) already stops it, and systemd waits for the exit"
        } else {
            if let entry, let meaning = entry.meaning(of: killSignal) {
                message += ", and \(killSignal.name) to \(entry.name) means: \(meaning.summary)"
            } else {
                message += ", cutting short the stop ExecStop= began"
            }
            let graceful = signal ?? entry?.recommendedStopSignal
            hint = graceful.map { "remove ExecStop= and set KillSignal=\($0.name): systemd sends it and waits up to "
                + "TimeoutStopSec= for the exit" } ?? "make ExecStop= wait until the service has exited"
        }
        return context.finding(.systemdExecStopAsync, message, hint: hint, at: assignment)
    }

    func execReloadFindings(_ context: Context) -> [Finding] {
        let settings = context.settings!
        guard let entry = context.program?.entry else { return [] }
        var findings: [Finding] = []
        for (command, assignment) in settings.execReload {
            guard case .signalsAndReturns(let signal?, _, _) = SystemdStopCommand.classify(command),
                  let meaning = entry.meaning(of: signal), meaning.effect.stopsProgram else { continue }
            let restart = settings.restart.value
            let after = ["always", "on-abnormal", "on-abort", "on-failure"].contains(restart)
                ? "Restart=\(restart) may start it again" : "with Restart=\(restart) it stays down"
            findings.append(context.finding(
                .systemdReloadStops, "ExecReload=\(command.text) sends \(signal.name), and \(signal.name) makes "
                    + "\(entry.name) stop (\(meaning.summary)): `systemctl reload` stops the service; \(after)",
                hint: entry.signals.first { $0.effect == .gracefulReload }.map {
                    "send \($0.signal.name) instead (\($0.summary))" } ?? "use the program's own reload command",
                at: assignment))
        }
        return findings
    }

    func mainProcessFindings(_ context: Context) -> [Finding] {
        let settings = context.settings!
        var findings: [Finding] = []
        let usesMainPID = (settings.execStop + settings.execReload).contains { item in
            SystemdStopCommand.mentionsMainPID(item.command.words)
        }
        if settings.type.value == "forking", settings.pidFile == nil {
            let noGuess = !settings.guessMainPID.value
            let matters = settings.killMode.value == .mixed || settings.killMode.value == .process || usesMainPID
            let message = noGuess
                ? "Type=forking with GuessMainPID=no and no PIDFile=: systemd knows no main process"
                    + (matters ? ", so KillMode=\(settings.killMode.value.rawValue) and $MAINPID have nothing to "
                        + "act on" : "")
                : "Type=forking without PIDFile=: systemd guesses the main process among those left when "
                    + "ExecStart= returns; a wrong guess sends the stop signal to the wrong process"
            findings.append(context.finding(
                .systemdForkingNoPIDFile, message, hint: "set PIDFile= to the file the daemon writes, or run it in "
                    + "the foreground with Type=simple, exec or notify", at: settings.type.assignment,
                severity: noGuess && matters ? .warning : .info))
        }
        if let program = context.program, let shell = program.shell, shell.script.shape != .execs {
            // bash and busybox sh exec a lone simple command; dash (Debian's /bin/sh) does not.
            let execsLone = ["bash", "ash", "busybox"].contains(shell.shellName) && shell.script.shape == .shellDecides
            if !execsLone {
                var reasons: [String] = []
                switch settings.killMode.value {
                case .mixed: reasons.append("KillMode=mixed sends \(settings.killSignal.value.name) only to the "
                    + "shell and SIGKILL to \(program.name) at the end")
                case .process: reasons.append("KillMode=process signals only the shell and leaves \(program.name) "
                    + "running")
                case .controlGroup, .none: break
                }
                if usesMainPID { reasons.append("$MAINPID in ExecStop=/ExecReload= is the shell, not \(program.name)") }
                if settings.type.value == "notify" {
                    reasons.append("Type=notify accepts readiness only from the shell unless NotifyAccess=all")
                }
                let facts = reasons.isEmpty
                    ? "; KillMode=control-group still signals \(program.name), but its exit status reaches systemd "
                        + "only through the shell" : ": " + reasons.joined(separator: "; ")
                findings.append(context.finding(
                    .systemdExecStartShell, "ExecStart= runs \(program.name) through \(shell.shellName) -c, so the "
                        + "shell is the main process\(facts)",
                    hint: "run the program directly in ExecStart=, or start the script with `exec`",
                    at: program.assignment, severity: reasons.isEmpty ? .info : .warning))
            }
        }
        return findings
    }

    static func describe(_ span: DurationParser.TimeSpan) -> String {
        switch span {
        case .infinity: "infinity"
        case .finite(let duration): StopBudget.format(duration.seconds)
        }
    }
}
