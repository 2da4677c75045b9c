/// What `/bin/sh -c TEXT` does with SIGTERM when it is a container's main process, as Dockerfile shell-form
/// CMD/ENTRYPOINT and Kubernetes `command: [sh, -c, ...]` run it.
///
/// Which shell runs decides it (measured here, `LintShellCommandTests`): dash (Debian's and Ubuntu's /bin/sh) never
/// execs a command of `-c`, it stays PID 1 with the command as its child; bash execs the last simple command of a
/// list when it has no redirection and no trap is set; BusyBox ash (Alpine) does the same, redirections and a
/// final `if` included. No shell execs a command in a pipeline, in the background or inside a loop. An explicit
/// `exec` at the end replaces the shell whatever it is.
public struct LintShellCommand: Sendable, Hashable {
    /// How the shell and the program relate once the script reaches its last command.
    public enum Shape: String, Sendable {
        /// The script ends with `exec prog ...`: the program replaces the shell and gets the signal.
        case execs
        /// The shell may exec the last command itself: bash and BusyBox do, dash does not.
        case shellDecides = "shell-decides"
        /// No shell execs it (a loop, a pipe, a background job, a trap): the shell stays in front.
        case shellStays = "shell-stays"
    }

    /// The script text given to `sh -c`.
    public let script: String
    /// How it runs in a shell that may exec its last command.
    public let shape: Shape
    /// The shell that runs it, when known (the image's /bin/sh or the one named).
    public let shell: ImageShell?
    /// Set when a TERM trap is installed and then a foreground command runs: the shell runs the trap only
    /// after that command exits, so the trap never helps at stop time.
    public let deferredTrap: Bool
    let parsed: ShellScript

    /// Classifies a `sh -c` script run by `shell` (nil: unknown, judged for every shell it could be).
    public init(script: String, shell: ImageShell? = nil) {
        self.script = script
        self.shell = shell
        let parsed = ShellScript(script)
        self.parsed = parsed
        let finals = parsed.finalCommands
        let last = finals.count == 1 ? finals[0] : nil
        deferredTrap = parsed.trapsTerm && !parsed.waitsForBackgroundJob && !finals.isEmpty
            && finals.allSatisfy { !$0.isExec && $0.next != .background }
        if !finals.isEmpty, finals.allSatisfy({ $0.isExec && !$0.enclosing.contains("(") }) {
            shape = .execs
        } else if let last, !parsed.trapsTerm, !parsed.endsInLoop, !last.pipedInto, last.next != .background,
                  !last.enclosing.contains("("), !last.enclosing.contains("loop"), last.program != nil,
                  !LintShellCommand.builtins.contains(last.program!) {
            shape = .shellDecides
        } else {
            shape = .shellStays
        }
    }

    /// Builtins never exec'd: a script ending in one keeps the shell until it returns.
    static let builtins: Set<String> = ["wait", "true", "false", ":", "echo", "printf", "cd", "export", "set",
                                        "read", "exit", "return", "trap", "source", ".", "eval", "shift", "unset", "local"]

    /// True when this shell replaces itself with the script's last command (or the script execs explicitly).
    public func programReplacesShell(in shell: ImageShell) -> Bool {
        switch shape {
        case .execs: return true
        case .shellStays: return false
        case .shellDecides:
            guard let last = parsed.finalCommands.first else { return false }
            switch shell {
            case .dash, .none: return false
            case .bash: return !last.redirects && last.depth == 0 && parsed.finalCommands.count == 1
            case .busyboxAsh: return last.enclosing.allSatisfy { $0 == "if" }
            }
        }
    }

    /// The programs the script runs, the first word of each command (after `exec` and assignments).
    public var programs: [String] { parsed.commands.compactMap(\.program) }

    /// True for `sh`, `/bin/sh`, `bash`, `/bin/bash -c`, ... followed by `-c` (possibly among other flags like
    /// `-ec`); returns the script when it is.
    public static func script(ofArguments arguments: [String]) -> String? {
        guard let first = arguments.first, shellName(first) != nil else { return nil }
        for (index, argument) in arguments.enumerated().dropFirst() {
            if argument.hasPrefix("-") && !argument.hasPrefix("--") && argument.contains("c") {
                return index + 1 < arguments.count ? arguments[index + 1] : ""
            }
            if !argument.hasPrefix("-") { return nil }
        }
        return nil
    }

    /// The shell a program name is (`sh`, `/bin/bash`), nil for anything else; `sh` itself is `.none` here,
    /// meaning "the image's /bin/sh".
    static func shellName(_ program: String) -> String? {
        let base = program.split(separator: "/").last.map(String.init) ?? program
        return ["sh", "bash", "dash", "ash", "zsh", "ksh", "busybox"].contains(base) ? base : nil
    }

    /// The shell a named shell binary is, given the image's `/bin/sh`.
    static func resolve(_ name: String, imageShell: ImageShell?) -> ImageShell? {
        switch name {
        case "bash": .bash
        case "dash": .dash
        case "ash", "busybox": .busyboxAsh
        case "sh": imageShell
        default: nil
        }
    }

    /// The commands of a script split at `;`, `&&`, `||`, `|`, `&` and newlines, outside quotes; redirections
    /// such as `2>&1` stay in their command.
    static func commands(in script: String) -> [[String]] {
        ShellScript(script).commands.map(\.words)
    }

    /// A script as one line for messages: newlines shown as `\n`, cut to `limit` characters.
    public static func oneLine(_ script: String, limit: Int = 60) -> String {
        let flat = script.trimmingWhitespace().replacingNewlines()
        return flat.count > limit ? String(flat.prefix(limit - 3)) + "..." : flat
    }

    /// The shell's name for messages.
    static func describe(_ shell: ImageShell) -> String {
        switch shell {
        case .dash: "dash"
        case .bash: "bash"
        case .busyboxAsh: "BusyBox ash"
        case .none: "no shell"
        }
    }

    /// The finding text for a shell that runs as PID 1 (nil when the program replaces the shell) and its
    /// severity: error when the shell certainly stays in front, warning when it depends on which /bin/sh the
    /// image has.
    public var pid1Consequence: (message: String, severity: Severity)? {
        // `sh -c` with no script fails at once: nothing runs long enough to be stopped.
        if parsed.commands.isEmpty { return nil }
        // A TERM trap and `wait` for a background job: `wait` returns at once on a trapped signal and the trap runs
        // then (EntrypointScript's `forwardsTerm` for a script file; deploy/daemonset.yaml's loop, stopped in
        // SigscopeImageTests).
        if parsed.trapsTerm && parsed.waitsForBackgroundJob { return nil }
        if deferredTrap {
            return ("the shell traps TERM but runs the program in the foreground, and a shell runs a trap only after "
                        + "the foreground command exits: SIGTERM is held until the grace period ends", .error)
        }
        if let shell {
            if shell == .none {
                return ("the image has no /bin/sh, so the command cannot even start", .error)
            }
            guard !programReplacesShell(in: shell) else { return nil }
            let name = Self.describe(shell)
            let why = shape == .shellStays ? "no shell execs \(stayReason)" : shell == .dash
                ? "dash never execs the command it runs" : "\(name) does not exec a command with a redirection"
            return ("\(name) stays PID 1 with the program as its child (\(why)), forwards nothing, and SIGTERM is "
                        + "dropped until the grace period ends and SIGKILL follows", .error)
        }
        switch shape {
        case .execs:
            return nil
        case .shellDecides:
            return ("/bin/sh runs as PID 1: dash (Debian, Ubuntu) keeps itself there with the program as its child "
                        + "and forwards nothing, so SIGTERM is dropped and the container is SIGKILLed when the "
                        + "grace period ends; bash and BusyBox ash would exec this last command", .warning)
        case .shellStays:
            return ("/bin/sh runs as PID 1 in front of \(stayReason) (no shell execs that): SIGTERM is dropped and "
                        + "the container is SIGKILLed when the grace period ends", .error)
        }
    }

    /// Why no shell execs the last command, for messages.
    var stayReason: String {
        let finals = parsed.finalCommands
        if parsed.endsInLoop { return "a loop" }
        if parsed.trapsTerm { return "a script that sets a trap" }
        guard let last = finals.last else { return "a compound command" }
        if last.pipedInto || last.next == .pipe { return "a pipeline" }
        if last.next == .background { return "a background job" }
        if last.enclosing.contains("(") { return "a subshell" }
        if let program = last.program, Self.builtins.contains(program) { return "a final builtin (\(program))" }
        return "a compound command"
    }
}

extension String {
    /// The text with newlines, carriage returns and tabs written as `\n`, `\r`, `\t`, for one-line output.
    func replacingNewlines() -> String {
        substituting(["\n": "\\n", "\r": "\\r", "\t": "\\t", "\r\n": "\\r\\n"])
    }
}
