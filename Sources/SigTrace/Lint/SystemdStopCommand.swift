/// What an `ExecStop=` command does to the service, judged from its words: systemd runs the ExecStop= commands
/// one after another and, as soon as the last one returns, sends `KillSignal=` to whatever is left (systemd.service(5):
/// "the command … should hence be synchronous"; a maintainer in systemd/systemd#13284: "remaining processes are
/// killed right after"). So a command that only sends a signal and returns races the default stop.
public enum SystemdStopCommand: Sendable, Hashable {
    /// Sends a signal and returns at once (`kill`, `pkill`, `nginx -s quit`, `apachectl graceful-stop`,
    /// `start-stop-daemon --stop` without `--retry`). `signal` is nil when the program decides it (apachectl).
    case signalsAndReturns(signal: Signal?, targetsMainPID: Bool, how: String)
    /// Stops the service and waits for it (`start-stop-daemon --retry`, `pg_ctl stop`, a kill followed by a wait).
    case waits
    /// Does nothing that stops a process (`true`, `echo`, `logger`).
    case noOp
    /// Something else: the program's own stop command, which sigscope cannot judge.
    case unknown

    /// Sources for the command shapes classified here.
    static let sources = [
        "https://man7.org/linux/man-pages/man5/systemd.service.5.html (ExecStop=)",
        "https://github.com/systemd/systemd/issues/13284",
        "https://manpages.debian.org/bookworm/dpkg/start-stop-daemon.8.en.html (--retry)",
        "http://nginx.org/en/docs/beginners_guide.html (nginx -s)",
        "https://httpd.apache.org/docs/2.4/stopping.html (apachectl -k graceful-stop)",
    ]

    /// Programs that only signal the running server and exit: the word after which the action follows, and the
    /// actions that stop it.
    static let controlCommands: [(program: String, actionFlag: String?, actions: [String: Signal?])] = [
        ("nginx", "-s", ["quit": .quit, "stop": .term]),
        ("apachectl", nil, ["graceful-stop": .winch, "stop": .term]),
        ("apache2ctl", nil, ["graceful-stop": .winch, "stop": .term]),
        ("httpd", "-k", ["graceful-stop": .winch, "stop": .term]),
        ("apache2", "-k", ["graceful-stop": .winch, "stop": .term]),
    ]

    /// Classifies one command line of ExecStop=.
    public static func classify(_ command: SystemdCommand) -> SystemdStopCommand {
        let words = [command.programName] + command.arguments
        if let script = LintShellCommand.script(ofArguments: [command.executable] + command.arguments) {
            return classify(script: script)
        }
        return classify(words: words)
    }

    /// Classifies a shell script given to `sh -c`: the kill it sends, unless a later command waits for the exit.
    static func classify(script: String) -> SystemdStopCommand {
        let commands = LintShellCommand.commands(in: script)
        // A kill counts only when nothing after it could be waiting for the exit.
        var verdict: SystemdStopCommand = .noOp
        for var words in commands {
            while words.first == "exec" { words.removeFirst() }
            guard !words.isEmpty else { continue }
            if waitsForExit(words) { return .waits }
            switch classify(words: words) {
            case .noOp: continue
            case .signalsAndReturns(let signal, let mainPID, let how): verdict = .signalsAndReturns(
                signal: signal, targetsMainPID: mainPID, how: how)
            case .waits, .unknown: verdict = .unknown
            }
        }
        return verdict
    }

    /// `tail --pid=…`, `while kill -0 …`, `wait`, `pidwait`: the script waits for the process to exit.
    static func waitsForExit(_ words: [String]) -> Bool {
        let program = baseName(words[0])
        if program == "tail", words.contains(where: { $0.hasPrefix("--pid") }) { return true }
        if program == "kill" || program == "while" || program == "until", words.contains("-0") { return true }
        return program == "wait" || program == "pidwait"
    }

    static func classify(words: [String]) -> SystemdStopCommand {
        let program = baseName(words[0])
        let arguments = Array(words.dropFirst())
        switch program {
        case "true", "echo", "logger", "printf", ":", "sleep":
            return program == "sleep" ? .unknown : .noOp
        case "kill":
            let (signal, rest) = signalOption(arguments)
            if rest.contains("-0") { return .unknown }
            return .signalsAndReturns(signal: signal ?? .term, targetsMainPID: mentionsMainPID(rest),
                                      how: "kill")
        case "pkill", "killall":
            let (signal, rest) = signalOption(arguments)
            return .signalsAndReturns(signal: signal ?? .term, targetsMainPID: mentionsMainPID(rest), how: program)
        case "start-stop-daemon":
            guard arguments.contains(where: { $0 == "--stop" || $0 == "-K" }) else { return .unknown }
            if arguments.contains(where: { $0 == "--retry" || $0 == "-R" || $0.hasPrefix("--retry=") }) {
                return .waits
            }
            var signal: Signal = .term
            if let index = arguments.firstIndex(where: { $0 == "--signal" || $0 == "-s" }),
               index + 1 < arguments.count, let parsed = try? Signal(parsing: arguments[index + 1]) {
                signal = parsed
            }
            return .signalsAndReturns(signal: signal, targetsMainPID: false, how: "start-stop-daemon --stop")
        default:
            break
        }
        for control in controlCommands where control.program == program {
            let action: String?
            if let flag = control.actionFlag {
                action = arguments.firstIndex(of: flag).flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
            } else {
                action = arguments.first { control.actions[$0] != nil }
            }
            if let action, let signal = control.actions[action] {
                return .signalsAndReturns(signal: signal, targetsMainPID: false,
                                          how: "\(program) \(control.actionFlag.map { $0 + " " } ?? "")\(action)")
            }
        }
        return .unknown
    }

    /// The signal of `kill -QUIT`, `kill -s QUIT`, `kill --signal QUIT`, `kill -3`, and the remaining words.
    static func signalOption(_ arguments: [String]) -> (Signal?, [String]) {
        var rest = arguments
        var signal: Signal?
        var index = 0
        while index < rest.count {
            let word = rest[index]
            if word == "-s" || word == "--signal" || word == "-n", index + 1 < rest.count {
                signal = try? Signal(parsing: rest[index + 1])
                rest.removeSubrange(index...(index + 1))
                continue
            }
            if word.hasPrefix("--signal=") {
                signal = try? Signal(parsing: String(word.dropFirst("--signal=".count)))
                rest.remove(at: index)
                continue
            }
            if word.hasPrefix("-"), word != "-0", word.count > 1, let parsed = try? Signal(parsing: String(word.dropFirst())) {
                signal = parsed
                rest.remove(at: index)
                continue
            }
            index += 1
        }
        return (signal, rest)
    }

    static func mentionsMainPID(_ words: [String]) -> Bool {
        words.contains { $0.contains("$MAINPID") || $0.contains("${MAINPID}") }
    }

    static func baseName(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }
}
