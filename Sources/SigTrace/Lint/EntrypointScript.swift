/// What a shell script run as a container's main process (a Dockerfile ENTRYPOINT script, a Kubernetes
/// `command: [sh, script.sh]`) does with its command at the end, and so what becomes PID 1.
///
/// A shell running a script file never execs its last command on its own (measured for dash, bash and BusyBox
/// ash, `LintShellCommandTests`): only an explicit `exec` hands PID 1 and SIGTERM to the program.
struct EntrypointScript: Sendable {
    enum Verdict: Sendable {
        /// Not a shell script (no shell shebang, no `.sh` name).
        case notAShellScript
        /// It ends with `exec "$@"`: the command given to it (CMD) runs next as PID 1.
        case execsArguments
        /// It ends by exec'ing a named program (`exec nginx -g ...`): that program is PID 1.
        case execsProgram([String])
        /// It starts an init as PID 1 (`set -- docker-init -- "$@"; exec "$@"`, `exec tini -- ...`), on every
        /// path or on some.
        case startsInit(String)
        /// It traps TERM, starts the program in the background and waits: it forwards the signal itself.
        case forwardsTerm
        /// It traps TERM but runs the program in the foreground: the trap runs only after the program exits.
        case deferredTrap(String)
        /// It runs its last command (or a loop) as a child and stays PID 1.
        case staysPID1(String)
    }

    /// Judges a script's text; `name` decides a script without a shebang by its `.sh` suffix.
    static func verdict(text: String, name: String) -> Verdict {
        let firstLine = text.prefix { $0 != "\n" }
        if firstLine.hasPrefix("#!") {
            let words = firstLine.dropFirst(2).split(separator: " ").map { String($0.split(separator: "/").last ?? $0) }
            let interpreter = words.first == "env" ? words.dropFirst().first { !$0.hasPrefix("-") } : words.first
            guard let interpreter, LintShellCommand.shellName(interpreter) != nil else { return .notAShellScript }
        } else if !name.hasSuffix(".sh") {
            return .notAShellScript
        }
        let script = ShellScript(text)
        if let initName = initPrefix(script) { return .startsInit(initName) }
        let finals = script.finalCommands
        if !finals.isEmpty, finals.allSatisfy({ $0.isExec && !$0.enclosing.contains("(") }) {
            let programs = finals.compactMap(\.program)
            if let initName = programs.lazy.map(baseName).first(where: isInit) { return .startsInit(initName) }
            if programs.contains(where: { $0 == "$@" || $0 == "${@}" }) { return .execsArguments }
            let words = Array(finals[0].words.drop { $0 == "exec" || $0.hasPrefix("-") })
            return .execsProgram(words)
        }
        // A trap with the program in the background and `wait`, or a loop of short foreground commands, lets the
        // shell run its trap in time.
        if script.trapsTerm && (script.waitsForBackgroundJob || script.endsInLoop) { return .forwardsTerm }
        // Name the last program the script runs, not a final `exit` or `echo`.
        let program = (finals.reversed() + script.commands.filter { $0.function == nil }.reversed()).first {
            guard let name = $0.program else { return false }
            return !LintShellCommand.builtins.contains(name)
        }
        let last = program.map { LintShellCommand.oneLine($0.words.joined(separator: " "), limit: 50) }
        if script.trapsTerm, let last { return .deferredTrap(last) }
        if script.endsInLoop { return .staysPID1("a loop") }
        return .staysPID1(last.map { "`\($0)`" } ?? "its last command")
    }

    /// The init a `set -- tini -- "$@"` (or `set -- docker-init ...`) puts in front of the command that a later
    /// `exec "$@"` runs.
    static func initPrefix(_ script: ShellScript) -> String? {
        guard script.commands.contains(where: { $0.isExec && ($0.program == "$@" || $0.program == "${@}") })
        else { return nil }
        for command in script.commands where command.words.first == "set" && command.words.dropFirst().first == "--" {
            if let first = command.words.dropFirst(2).first, isInit(baseName(first)) { return baseName(first) }
        }
        return nil
    }

    /// True for a program the knowledge base knows as an init (tini, docker-init, dumb-init, catatonit) or a
    /// supervisor that reaps and forwards (s6-svscan, supervisord).
    static func isInit(_ name: String) -> Bool {
        guard let entry = ProgramKnowledge.program(executable: name) else { return false }
        return entry.kind == .initProcess || entry.kind == .supervisor
    }

    static func baseName(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }
}
