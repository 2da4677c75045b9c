import Foundation

/// The Dockerfile rules, on the final stage only: shell-form CMD/ENTRYPOINT, entrypoint scripts that do not
/// exec, STOPSIGNAL validity and fit for known servers, and whether an init runs as PID 1.
public struct DockerfileLint: Sendable {
    /// Servers whose graceful stop is not SIGTERM, and the official images that already set it.
    static let servers: [(program: String, graceful: Signal, note: String)] = [
        ("nginx", .quit, "nginx's graceful shutdown is QUIT; TERM is its fast shutdown that cuts connections"),
        ("postgres", .int, "PostgreSQL's fast shutdown is INT; TERM waits for every session to end"),
        ("httpd", .winch, "Apache httpd's graceful stop is WINCH; TERM stops at once"),
        ("apache2", .winch, "Apache httpd's graceful stop is WINCH; TERM stops at once"),
    ]
    /// Inits that forward signals to their child and reap zombies.
    static let inits: Set<String> = ["tini", "tini-static", "dumb-init", "catatonit", "s6-svscan", "init", "runit",
                                     "supervisord", "docker-init"]
    /// Interpreters that install no SIGTERM handler unless the script asks.
    static let handlerlessInterpreters: [String] = ["node", "nodejs", "python", "python3", "ruby", "perl", "php",
                                                    "bun", "deno"]

    /// Docker's default PATH for images that do not set one.
    static let defaultPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// The directory COPY sources are read from (the build context); the Dockerfile's own directory by default.
    public var context: String

    public init(context: String) { self.context = context }

    /// Lints Dockerfile text; `display` names the file in findings.
    public func lint(_ file: Dockerfile, display: String) -> [Finding] {
        guard !file.stages.isEmpty else {
            return [Rule.dockerfileNoFrom.finding(
                "no FROM instruction: not a Dockerfile, or an empty one",
                hint: "start the final stage with FROM", file: display, line: 1)]
        }
        let chain = file.finalChain
        let instructions = chain.flatMap(\.instructions)
        var entrypoint: Dockerfile.Instruction?
        var command: Dockerfile.Instruction?
        var stopSignal: Dockerfile.Instruction?
        for instruction in instructions {
            switch instruction.keyword {
            case "ENTRYPOINT":
                entrypoint = instruction
                // Docker resets an inherited CMD when ENTRYPOINT is set.
                command = nil
            case "CMD": command = instruction
            case "STOPSIGNAL": stopSignal = instruction
            default: break
            }
        }
        var findings: [Finding] = []
        for instruction in [entrypoint, command].compactMap({ $0 }) where instruction.execForm.invalidJSON {
            findings.append(Rule.execFormInvalidJSON.finding(
                "\(instruction.keyword) \(instruction.arguments) is not a valid JSON array of strings, so Docker "
                    + "runs it as shell form through /bin/sh -c", hint: "use double quotes: [\"prog\", \"arg\"]",
                file: display, line: instruction.line))
        }
        let base = chain.first?.base ?? ""
        let pid1 = pid1Findings(entrypoint: entrypoint, command: command, instructions: instructions, display: display)
        findings += pid1.findings
        findings += stopSignalFindings(stopSignal, base: base, programs: pid1.programs, anchor: entrypoint ?? command,
                                       from: chain.last!.from, display: display)
        return findings
    }

    /// What runs as PID 1 and the findings about it; `programs` are the program names seen, for server checks.
    func pid1Findings(entrypoint: Dockerfile.Instruction?, command: Dockerfile.Instruction?,
                      instructions: [Dockerfile.Instruction], display: String)
        -> (findings: [Finding], programs: [String]) {
        var findings: [Finding] = []
        var argv: [String] = []
        var shellInstruction: Dockerfile.Instruction?
        if let entrypoint {
            if let array = entrypoint.execForm.arguments {
                argv = array
                if let command {
                    if let commandArray = command.execForm.arguments { argv += commandArray } else {
                        argv += ["/bin/sh", "-c", command.arguments]
                    }
                }
            } else {
                shellInstruction = entrypoint
            }
        } else if let command {
            if let array = command.execForm.arguments { argv = array } else { shellInstruction = command }
        }
        if let shellInstruction {
            let shell = LintShellCommand(script: shellInstruction.arguments)
            let (message, severity) = shell.pid1Consequence
            if shell.shape != .execs {
                findings.append(Rule.shellFormPID1.finding(
                    "shell-form \(shellInstruction.keyword): \(message)",
                    hint: "use exec form, \(shellInstruction.keyword) [\"prog\", \"arg\"], or start the command with "
                        + "`exec`", file: display, line: shellInstruction.line, severity: severity))
            }
            return (findings, shell.programs)
        }
        guard let anchor = entrypoint ?? command, let first = argv.first else { return (findings, []) }
        var programs = argv.map(Self.baseName)
        var program = Self.baseName(first)
        var underInit = false
        var rest = Array(argv.dropFirst())
        if Self.inits.contains(program) {
            underInit = true
            while let next = rest.first, next.hasPrefix("-") { rest.removeFirst() }
            guard let child = rest.first else { return (findings, programs) }
            program = Self.baseName(child)
            rest.removeFirst()
        }
        if let script = LintShellCommand.script(ofArguments: [program] + rest) {
            let shell = LintShellCommand(script: script)
            programs += shell.programs.map(Self.baseName)
            if shell.shape != .execs {
                let (message, severity) = shell.pid1Consequence
                findings.append(Rule.shellFormPID1.finding(
                    underInit ? "sh -c under an init: the init forwards SIGTERM to the shell, which dies of it "
                        + "without passing it on to the program" : "\(anchor.keyword) runs sh -c: \(message)",
                    hint: "exec the program directly, or start the script with `exec`", file: display,
                    line: anchor.line, severity: underInit ? .warning : severity))
            }
            return (findings, programs)
        }
        let childPath = underInit ? argv.first(where: { Self.baseName($0) == program }) ?? program : first
        switch scriptVerdict(path: childPath, instructions: instructions, anchor: anchor, display: display) {
        case .noExec(let finding):
            findings.append(finding)
            return (findings, programs)
        case .execs:
            // The script execs its arguments: the program that ends up as PID 1 is the next one.
            if let next = rest.first { program = Self.baseName(next) }
        case .notAScript:
            break
        }
        if !underInit {
            if Self.handlerlessInterpreters.contains(where: { program == $0 || program.hasPrefix($0 + ".") }) {
                findings.append(Rule.interpreterPID1.finding(
                    "\(program) runs as PID 1 with no init: it has no SIGTERM handler unless the script installs one, "
                        + "and the kernel drops signals PID 1 does not handle, so `docker stop` waits and SIGKILLs",
                    hint: "handle SIGTERM in the script, or run it under tini (ENTRYPOINT [\"tini\", \"--\"] or "
                        + "`docker run --init`); verify with `sigscope check`", file: display, line: anchor.line))
            } else {
                findings.append(Rule.noInit.finding(
                    "\(program) runs as PID 1 with no init: it must handle SIGTERM itself (the kernel drops signals "
                        + "PID 1 has no handler for) and reap its zombie children",
                    hint: "add tini or dumb-init as ENTRYPOINT, or run with `docker run --init`", file: display,
                    line: anchor.line))
            }
        }
        return (findings, programs)
    }

    /// What an entrypoint shell script COPY'd from the build context does with its command.
    enum ScriptVerdict {
        case notAScript
        case execs
        case noExec(Finding)
    }

    /// Reads the script the program path names, if a COPY put it there, and judges whether it execs its command
    /// or traps TERM.
    func scriptVerdict(path: String, instructions: [Dockerfile.Instruction], anchor: Dockerfile.Instruction,
                       display: String) -> ScriptVerdict {
        guard let (source, copyLine) = copySource(of: path, instructions: instructions),
              let text = try? String(contentsOfFile: source, encoding: .utf8) else { return .notAScript }
        let firstLine = text.prefix { $0 != "\n" }
        let isShell = firstLine.hasPrefix("#!") ? ["sh", "bash", "dash", "ash"].contains { firstLine.hasSuffix("/" + $0)
            || firstLine.hasSuffix(" " + $0) || firstLine.contains("/\($0) ") } : source.hasSuffix(".sh")
        guard isShell else { return .notAScript }
        var execs = false
        var traps = false
        for line in text.split(separator: "\n") {
            let code = String(line).trimmingWhitespace()
            if code.hasPrefix("#") { continue }
            let words = LintShellCommand.commands(in: code).map {
                $0.split(separator: " ").first.map(String.init) ?? ""
            }
            if words.contains("exec") { execs = true }
            if words.contains("trap") && (code.contains("TERM") || code.contains(" 15")) { traps = true }
        }
        if execs { return .execs }
        if traps { return .notAScript }
        let name = Self.baseName(path)
        return .noExec(Rule.entrypointScriptNoExec.finding(
            "\(name) (copied at line \(copyLine)) runs its command as a child without `exec` and traps no TERM: "
                + "the shell stays PID 1 and SIGTERM never reaches the program",
            hint: "end \(name) with `exec \"$@\"` (or `exec prog ...`)", file: display, line: anchor.line))
    }

    /// The build-context file a COPY/ADD (not `--from` another stage) placed at `path`, and that COPY's line.
    func copySource(of path: String, instructions: [Dockerfile.Instruction]) -> (String, Int)? {
        var workdir = "/"
        var found: (String, Int)?
        for instruction in instructions {
            if instruction.keyword == "WORKDIR" {
                let dir = instruction.arguments.trimmingWhitespace()
                workdir = dir.hasPrefix("/") ? dir : (workdir as NSString).appendingPathComponent(dir)
            }
            guard instruction.keyword == "COPY" || instruction.keyword == "ADD" else { continue }
            var words = instruction.execForm.arguments
                ?? instruction.arguments.split(separator: " ").map(String.init)
            if words.contains(where: { $0.hasPrefix("--from") }) { continue }
            words.removeAll { $0.hasPrefix("--") }
            guard words.count >= 2, let destination = words.last else { continue }
            let absolute = destination.hasPrefix("/")
                ? destination : (workdir as NSString).appendingPathComponent(destination)
            // A bare name is looked up in the image's default PATH, as exec does; `./x` is relative to WORKDIR.
            let targets = path.hasPrefix("/") ? [path] : path.contains("/")
                ? [(workdir as NSString).appendingPathComponent(path)]
                : Self.defaultPath.map { ($0 as NSString).appendingPathComponent(path) }
            for source in words.dropLast() {
                let placed = destination.hasSuffix("/") || words.count > 2
                    ? (absolute as NSString).appendingPathComponent(Self.baseName(source)) : absolute
                let placedPath = (placed as NSString).standardizingPath
                if targets.contains(where: { ($0 as NSString).standardizingPath == placedPath }) {
                    found = ((context as NSString).appendingPathComponent(source), instruction.line)
                }
            }
        }
        return found
    }

    /// STOPSIGNAL validity and its fit for a known server.
    func stopSignalFindings(_ instruction: Dockerfile.Instruction?, base: String, programs: [String],
                            anchor: Dockerfile.Instruction?, from: Dockerfile.Instruction,
                            display: String) -> [Finding] {
        var effective: Signal?
        if let instruction {
            let text = instruction.arguments.trimmingWhitespace()
            if text.contains("$") { return [] }
            do {
                let signal = try Signal(parsing: text)
                if signal == .kill || signal == .stop {
                    return [Rule.stopSignalInvalid.finding(
                        "STOPSIGNAL \(text) cannot be caught: the program gets no chance to shut down",
                        hint: "use SIGTERM, or the server's graceful signal", file: display, line: instruction.line)]
                }
                effective = signal
            } catch {
                return [Rule.stopSignalInvalid.finding(
                    "STOPSIGNAL \(text): \(error.message)", hint: "use a signal name such as SIGTERM or SIGQUIT",
                    file: display, line: instruction.line)]
            }
        }
        let image = Self.imageName(base)
        guard let server = Self.servers.first(where: { server in
            image == server.program || programs.contains(where: { $0 == server.program })
        }) else { return [] }
        // The official image sets the graceful signal itself; an explicit STOPSIGNAL overrides it.
        let stop = effective ?? (image == server.program
            ? server.graceful : Signal.term)
        guard stop != server.graceful else { return [] }
        let line = instruction?.line ?? anchor?.line ?? from.line
        return [Rule.stopSignalServer.finding(
            "\(server.program) is stopped with SIG\(stop.shortName): \(server.note)",
            hint: "STOPSIGNAL SIG\(server.graceful.shortName)", file: display, line: line)]
    }

    /// `docker.io/library/nginx:1.27@sha256:...` -> `nginx`.
    static func imageName(_ reference: String) -> String {
        var name = reference.split(separator: "@").first.map(String.init) ?? reference
        if let last = name.split(separator: "/").last { name = String(last) }
        return name.split(separator: ":").first.map(String.init)?.lowercased() ?? name
    }

    static func baseName(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }
}
