/// What `/bin/sh -c TEXT` does with SIGTERM when it is a container's main process, as Dockerfile shell-form
/// CMD/ENTRYPOINT and Kubernetes `command: [sh, -c, ...]` run it.
///
/// dash (Debian's and Ubuntu's /bin/sh) stays PID 1 with the command as its child and forwards nothing; bash
/// and recent busybox exec a lone simple command; no shell execs a compound command (`a && b`, `a; b`, a pipe).
/// An explicit `exec` replaces the shell whatever it is.
public struct LintShellCommand: Sendable, Hashable {
    /// How the shell and the command relate once it runs.
    public enum Shape: String, Sendable {
        /// `exec prog ...`: the shell is replaced, the program gets the signal.
        case execs
        /// A lone simple command: dash keeps the shell in front, bash execs it.
        case simple
        /// Several commands, a pipe, a subshell or a background job: the shell stays in front in any shell.
        case compound
    }

    /// The script text given to `sh -c`.
    public let script: String
    /// How it runs.
    public let shape: Shape

    /// The programs an interpreter check cares about, the first word of each command.
    public var programs: [String] {
        var names: [String] = []
        for command in LintShellCommand.commands(in: script) {
            var words = command.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            while let first = words.first, first == "exec" || first.contains("=") && !first.hasPrefix("-") {
                words.removeFirst()
            }
            if let first = words.first { names.append(first) }
        }
        return names
    }

    /// Classifies a `sh -c` script.
    public init(script: String) {
        self.script = script
        let trimmed = script.trimmingWhitespace()
        let commands = LintShellCommand.commands(in: trimmed)
        if trimmed.hasPrefix("exec ") && commands.count == 1 {
            shape = .execs
        } else if commands.count > 1 || trimmed.contains("$(") || trimmed.contains("`") || trimmed.hasPrefix("(")
            || trimmed.hasSuffix("&") {
            // The last command of `a && exec b` is exec'ed, which is fine: the shell is replaced at the end.
            if let last = commands.last, last.trimmingWhitespace().hasPrefix("exec "), !trimmed.contains("|") {
                shape = .execs
            } else {
                shape = .compound
            }
        } else {
            shape = .simple
        }
    }

    /// True for `sh`, `/bin/sh`, `bash`, `/bin/bash -c`, ... followed by `-c` (possibly among other flags like
    /// `-ec`); returns the script when it is.
    public static func script(ofArguments arguments: [String]) -> String? {
        guard let first = arguments.first else { return nil }
        let shell = first.split(separator: "/").last.map(String.init) ?? first
        guard ["sh", "bash", "dash", "ash", "zsh", "ksh"].contains(shell) else { return nil }
        for (index, argument) in arguments.enumerated().dropFirst() {
            if argument.hasPrefix("-") && !argument.hasPrefix("--") && argument.contains("c") {
                return index + 1 < arguments.count ? arguments[index + 1] : ""
            }
            if !argument.hasPrefix("-") { return nil }
        }
        return nil
    }

    /// The commands of a script split at `;`, `&&`, `||`, `|`, `&` and newlines, outside quotes.
    static func commands(in script: String) -> [String] {
        var commands: [String] = []
        var current = ""
        var quote: Character?
        var previous: Character?
        for character in script {
            if let open = quote {
                if character == open && previous != "\\" { quote = nil }
                current.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                current.append(character)
            } else if character == ";" || character == "\n" || character == "|" || character == "&" {
                if !current.trimmingWhitespace().isEmpty { commands.append(current.trimmingWhitespace()) }
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        if !current.trimmingWhitespace().isEmpty { commands.append(current.trimmingWhitespace()) }
        return commands
    }

    /// The finding text for a shell that runs as PID 1: what happens to SIGTERM and how severe it is.
    public var pid1Consequence: (message: String, severity: Severity) {
        switch shape {
        case .execs:
            return ("`exec` replaces the shell, so the program itself gets SIGTERM", .info)
        case .simple:
            return ("/bin/sh runs as PID 1: dash (Debian, Ubuntu) keeps itself there with the program as its child "
                        + "and forwards nothing, so SIGTERM is dropped and the container is SIGKILLed when the "
                        + "grace period ends; bash would exec this lone command", .warning)
        case .compound:
            return ("/bin/sh runs as PID 1 in front of a compound command (no shell execs that): SIGTERM is dropped "
                        + "and the container is SIGKILLed when the grace period ends", .error)
        }
    }
}
