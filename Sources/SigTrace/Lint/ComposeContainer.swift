import Foundation

/// What a Compose service runs as PID 1, as a Dockerfile the Dockerfile rules can read: the service's image
/// (its `build:` Dockerfile, or `FROM image` with what the knowledge base knows of an official image's
/// ENTRYPOINT and CMD) with the service's overrides written after it the way Docker applies them: an
/// `entrypoint:` replaces the image's ENTRYPOINT and drops its CMD, a `command:` replaces CMD, `init: true`
/// puts docker-init (tini) in front, `stop_signal` replaces STOPSIGNAL (Compose specification; Docker's
/// "ENTRYPOINT and CMD" interaction table).
public struct ComposeContainer: Sendable {
    /// A CMD or ENTRYPOINT: exec form (an argv) or shell form (run through `/bin/sh -c`).
    public enum Form: Sendable, Hashable {
        case exec([String])
        case shell(String)

        /// The Dockerfile text after the keyword.
        var dockerfileText: String {
            switch self {
            case .exec(let words):
                let data = (try? JSONSerialization.data(withJSONObject: words, options: [.withoutEscapingSlashes]))
                return data.flatMap { String(data: $0, encoding: .utf8) } ?? "[]"
            case .shell(let text): return text.replacingOccurrences(of: "\n", with: " ")
            }
        }

        /// What runs: the argv, shell form through `/bin/sh -c`.
        var argv: [String] {
            switch self {
            case .exec(let words): words
            case .shell(let text): ["/bin/sh", "-c", text]
            }
        }
    }

    /// The Dockerfile text to lint: the image's, then the overrides.
    public var text: String
    /// The Dockerfile the image comes from, when the service builds one; nil for `image:` only.
    public var dockerfile: String?
    /// The build context (for COPY sources), when the service builds.
    public var context: String?
    /// The first line written for the overrides; lines before it are the image's own.
    public var firstOverrideLine: Int
    /// Where in the Compose files each written line came from.
    public var overrideLines: [Int: ComposeFile.Location]
    /// True when the image's own ENTRYPOINT is unknown (an image that is neither built here nor known).
    public var imageEntrypointUnknown: Bool
    /// True when the image defines a HEALTHCHECK (nil: unknown).
    public var imageHealthcheck: Bool?

    /// The overrides a service makes, each with where it was written.
    public struct Overrides: Sendable {
        public var entrypoint: (form: Form, location: ComposeFile.Location)?
        public var command: (form: Form, location: ComposeFile.Location)?
        public var initProcess: ComposeFile.Location?
        public var stopSignal: (text: String, location: ComposeFile.Location)?

        public init() {}
    }

    /// Builds the container from the image's Dockerfile text (nil for an image that is not built here) and the
    /// service's overrides.
    public init(baseText: String?, image: String?, dockerfile: String?, context: String?, target: String?,
                overrides: Overrides) {
        self.dockerfile = dockerfile
        self.context = context
        var base: String
        var entrypoint: Form?
        var command: Form?
        if let baseText {
            base = Self.truncated(baseText, toTarget: target)
            let parsed = Dockerfile(text: base)
            (entrypoint, command) = Self.entrypointAndCommand(parsed)
            imageEntrypointUnknown = false
            imageHealthcheck = parsed.finalChain.flatMap(\.instructions).last { $0.keyword == "HEALTHCHECK" }
                .map { $0.arguments.trimmingWhitespace().uppercased() != "NONE" } ?? false
        } else {
            base = "FROM \(image ?? "scratch")\n"
            var stopSignal = Signal.term
            if let image, let (known, tag) = ProgramKnowledge.officialImage(image) {
                // An entrypoint script that ends in `exec "$@"` leaves the CMD program as PID 1.
                entrypoint = known.entrypoint.isEmpty || known.entrypointExecs ? nil : .exec(known.entrypoint)
                command = known.cmd.isEmpty ? nil : .exec(known.cmd)
                stopSignal = known.stopSignal(forTag: tag)
                imageEntrypointUnknown = false
            } else {
                imageEntrypointUnknown = true
            }
            imageHealthcheck = nil
            if let entrypoint { base += "ENTRYPOINT \(entrypoint.dockerfileText)\n" }
            if let command { base += "CMD \(command.dockerfileText)\n" }
            if stopSignal != .term { base += "STOPSIGNAL \(stopSignal.name)\n" }
        }
        if !base.hasSuffix("\n") { base += "\n" }
        let baseLines = base.split(separator: "\n", omittingEmptySubsequences: false).count - 1
        firstOverrideLine = baseLines + 1
        var lines: [String] = []
        var locations: [Int: ComposeFile.Location] = [:]
        func write(_ line: String, _ location: ComposeFile.Location?) {
            lines.append(line)
            if let location { locations[baseLines + lines.count] = location }
        }
        if overrides.entrypoint != nil || overrides.command != nil || overrides.initProcess != nil {
            // Docker: an entrypoint set by the run drops the image's CMD.
            let finalEntrypoint = overrides.entrypoint?.form ?? entrypoint
            let finalCommand = overrides.command?.form ?? (overrides.entrypoint != nil ? nil : command)
            let entrypointLocation = overrides.entrypoint?.location ?? overrides.command?.location
                ?? overrides.initProcess
            if overrides.initProcess != nil {
                let wrapped = ["docker-init", "--"] + (finalEntrypoint?.argv ?? [])
                write("ENTRYPOINT \(Form.exec(wrapped).dockerfileText)", entrypointLocation)
            } else if let finalEntrypoint {
                write("ENTRYPOINT \(finalEntrypoint.dockerfileText)", entrypointLocation)
            } else {
                write("ENTRYPOINT []", entrypointLocation)
            }
            if let finalCommand {
                write("CMD \(finalCommand.dockerfileText)", overrides.command?.location ?? entrypointLocation)
            }
        }
        if let stopSignal = overrides.stopSignal {
            write("STOPSIGNAL \(stopSignal.text)", stopSignal.location)
        }
        text = base + lines.joined(separator: "\n") + (lines.isEmpty ? "" : "\n")
        overrideLines = locations
    }

    /// The image's last ENTRYPOINT and CMD in the final stage's chain, as Docker resolves them (an ENTRYPOINT
    /// drops an inherited CMD).
    static func entrypointAndCommand(_ dockerfile: Dockerfile) -> (Form?, Form?) {
        var entrypoint: Form?
        var command: Form?
        for instruction in dockerfile.finalChain.flatMap(\.instructions) {
            let form: Form = instruction.execForm.arguments.map(Form.exec) ?? .shell(instruction.arguments)
            switch instruction.keyword {
            case "ENTRYPOINT":
                entrypoint = form
                command = nil
            case "CMD":
                command = form
            default:
                break
            }
        }
        return (entrypoint, command)
    }

    /// The Dockerfile up to the end of the `target` stage (`build.target`), so that stage is the final one.
    static func truncated(_ text: String, toTarget target: String?) -> String {
        guard let target else { return text }
        let dockerfile = Dockerfile(text: text)
        guard let index = dockerfile.stages.firstIndex(where: { $0.name?.lowercased() == target.lowercased() }),
              index + 1 < dockerfile.stages.count else { return text }
        let cut = dockerfile.stages[index + 1].from.line - 1
        return dockerfile.lines.prefix(cut).joined(separator: "\n") + "\n"
    }
}
