import Foundation

/// The Dockerfile rules, on the final stage only: shell-form CMD/ENTRYPOINT, entrypoint scripts that do not
/// exec, STOPSIGNAL validity and fit for known servers, and what runs as PID 1 (`DockerfilePID1`). Facts about
/// programs and images come from `ProgramKnowledge`.
public struct DockerfileLint: Sendable {
    /// The directory COPY sources are read from (the build context); the Dockerfile's own directory by default.
    public var context: String
    /// False when `context` is only the Dockerfile's directory (no `--context` given): COPY sources missing there
    /// are then looked for in its parent directories, as `docker build -f sub/Dockerfile .` reads them.
    public var contextIsExplicit: Bool
    /// A built image's files in place of a build context (`lint --image`).
    var image: BuildContext?

    public init(context: String, contextIsExplicit: Bool = true) {
        self.context = context
        self.contextIsExplicit = contextIsExplicit
    }

    var buildContext: BuildContext {
        image ?? BuildContext(explicit: contextIsExplicit ? context : nil, dockerfileDirectory: context)
    }

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
        var commandStage = -1
        for (stage, instructions) in chain.map(\.instructions).enumerated() {
            for instruction in instructions {
                switch instruction.keyword {
                case "ENTRYPOINT":
                    entrypoint = instruction
                    // Docker resets a CMD inherited from an earlier stage when ENTRYPOINT is set; a CMD of the same
                    // stage stays, wherever it is written.
                    if commandStage < stage { command = nil }
                case "CMD":
                    command = instruction
                    commandStage = stage
                case "STOPSIGNAL": stopSignal = instruction
                default: break
                }
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
        let image = DockerfileImage(base: base, instructions: instructions)
        let pid1 = DockerfilePID1(image: image, context: buildContext, instructions: instructions, display: display)
            .walk(entrypoint: entrypoint, command: command)
        findings += pid1.findings
        findings += stopSignalFindings(stopSignal, image: image, program: pid1.server, arguments: pid1.arguments,
                                       inherited: pid1.inheritedCommand, anchor: entrypoint ?? command,
                                       from: chain.last!.from, display: display)
        return findings
    }

    /// STOPSIGNAL validity and its fit for a known server.
    func stopSignalFindings(_ instruction: Dockerfile.Instruction?, image: DockerfileImage, program: ProgramEntry?,
                            arguments: [String], inherited: Bool, anchor: Dockerfile.Instruction?,
                            from: Dockerfile.Instruction, display: String) -> [Finding] {
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
        // Without STOPSIGNAL in the file, the official base image's (as it was when that tag was built) applies.
        let stop = effective ?? image.officialStopSignal ?? .term
        guard let server = program ?? (inherited ? image.officialProgram : nil),
              server.kind == .server || server.kind == .supervisor, server.needsStopSignalChange else { return [] }
        let graceful = server.recommendedStopSignal
        guard stop != graceful, !settingChangesStop(server, arguments: arguments) else { return [] }
        let line = instruction?.line ?? anchor?.line ?? from.line
        let inheritedNote = instruction != nil ? ""
            : image.official.map { !$0.image.stopSignalHistory.isEmpty } == true
            ? " (the STOPSIGNAL \(image.base) was built with)" : " (no STOPSIGNAL: the runtime's default)"
        return [Rule.stopSignalServer.finding(
            "\(server.name) is stopped with SIG\(stop.shortName)\(inheritedNote): \(Self.stopNote(server, stop: stop))",
            hint: "STOPSIGNAL SIG\(graceful.shortName)", file: display, line: line)]
    }

    /// True when the program's command line sets one of its own settings that change how it stops (uWSGI's
    /// `--die-on-term`, also as `die-on-term = true` in the `--ini` file it names).
    func settingChangesStop(_ server: ProgramEntry, arguments: [String]) -> Bool {
        let names = server.settings.map(\.setting).filter { $0.hasPrefix("--") }.map { String($0.dropFirst(2)) }
        guard !names.isEmpty else { return false }
        var texts = arguments
        for (index, argument) in arguments.enumerated() where argument == "--ini" && index + 1 < arguments.count {
            let path = arguments[index + 1]
            let candidates = buildContext.roots.map { ($0 as NSString).appendingPathComponent(path) }
            if let text = candidates.lazy.compactMap(BuildContext.readText).first { texts.append(text) }
        }
        return names.contains { name in texts.contains { $0.contains(name) } }
    }

    /// What the stop signal does to a server and what its graceful one does, from the knowledge base.
    static func stopNote(_ server: ProgramEntry, stop: Signal) -> String {
        let graceful = server.recommendedStopSignal
        let now = server.meaning(of: stop).map { "SIG\(stop.shortName) means \($0.summary)" }
            ?? "SIG\(stop.shortName) is not its graceful stop"
        let better = server.meaning(of: graceful).map { "SIG\(graceful.shortName) means \($0.summary)" }
            ?? "its stop signal is SIG\(graceful.shortName)"
        return "\(now); \(better)"
    }

    /// `docker.io/library/nginx:1.27@sha256:...` -> `nginx`.
    static func imageName(_ reference: String) -> String {
        var name = reference.split(separator: "@").first.map(String.init) ?? reference
        if let last = name.split(separator: "/").last { name = String(last) }
        return name.split(separator: ":").first.map(String.init)?.lowercased() ?? name
    }

    static func baseName(_ path: String) -> String { path.split(separator: "/").last.map(String.init) ?? path }
}
