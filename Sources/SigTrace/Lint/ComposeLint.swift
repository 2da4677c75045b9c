import Foundation

/// The Compose rules for each service of a merged project: `stop_signal` and `stop_grace_period` (against a
/// measured shutdown), string `command:`/`entrypoint:` that look like shell, what runs as PID 1 and with which
/// stop signal (the Dockerfile rules on `ComposeContainer`, the image with the service's overrides), and
/// `deploy.update_config` with healthchecks for a rolling update.
public struct ComposeLint: Sendable {
    /// The measured shutdown the grace period must hold.
    public var budget: StopBudget

    public init(budget: StopBudget = StopBudget()) { self.budget = budget }

    /// Compose's default `stop_grace_period`.
    static let defaultGrace: Duration = .seconds(10)

    /// Lints every service. `directory` resolves relative build contexts (the first file's directory);
    /// `read` returns a file's text (the build Dockerfiles), nil when it cannot be read.
    public func lint(_ file: ComposeFile, directory: String, read: (String) -> String?) -> [Finding] {
        guard file.root["services"] != nil else {
            let location = file.root.location
            return [Rule.composeInvalid.finding(
                "no `services` key: not a Compose file, or one that only holds shared definitions",
                hint: "lint the compose.yaml that defines the services", file: location.file, line: location.line,
                severity: .warning)]
        }
        return file.services.flatMap { lint(service: $0.name, $0.value, directory: directory, read: read) }
    }

    func lint(service name: String, _ service: ComposeFile.Value, directory: String, read: (String) -> String?)
        -> [Finding] {
        var findings: [Finding] = []
        let anchor = service.location
        let budget = self.budget.named(name)
        func finding(_ rule: Rule, _ message: String, hint: String, at location: ComposeFile.Location,
                     severity: Severity? = nil) -> Finding {
            rule.finding("service \(name): " + message, hint: hint, file: location.file, line: location.line,
                         severity: severity)
        }
        guard service.pairs != nil else {
            return [finding(.composeInvalid, "is not a mapping", hint: "give the service's settings as a mapping",
                            at: anchor)]
        }
        var overrides = ComposeContainer.Overrides()
        // stop_signal
        if let node = service["stop_signal"], let text = node.text {
            do {
                let signal = try Signal(parsing: text)
                if signal.isUncatchable {
                    findings.append(finding(
                        .composeStopSignalInvalid, "stop_signal \(text) cannot be caught: the program gets no "
                            + "chance to shut down", hint: "use SIGTERM, or the server's graceful signal",
                        at: node.location))
                } else {
                    overrides.stopSignal = (signal.name, node.location)
                }
            } catch {
                findings.append(finding(.composeStopSignalInvalid, "stop_signal \(text): \(error.message)",
                                        hint: "use a signal name such as SIGTERM", at: node.location))
            }
        }
        // stop_grace_period and the budget
        var grace = Self.defaultGrace
        var graceText = "the default stop_grace_period of 10s"
        var graceLocation = anchor
        if let node = service["stop_grace_period"], let text = node.text {
            do {
                grace = try DurationParser.parseGoDuration(text)
                graceText = "stop_grace_period \(text)"
                graceLocation = node.location
            } catch {
                findings.append(finding(.composeInvalid, "stop_grace_period \(text): \(error.message)",
                                        hint: "write a unit: 30s, 1m30s", at: node.location))
            }
        }
        if grace == .zero {
            findings.append(finding(
                .composeGraceZero, "stop_grace_period is 0: Docker sends SIGKILL right after the stop signal, so no "
                    + "shutdown handler can run", hint: "set it to the measured shutdown plus a margin",
                at: graceLocation))
        } else if let (verdict, margin, needed) = budget.judge(timeout: grace.seconds), verdict != .fits {
            if verdict == .exceeded {
                findings.append(finding(
                    .composeBudgetExceeded, "\(budget.described) exceeds \(graceText): `docker compose stop` "
                        + "SIGKILLs it mid-shutdown", hint: "set stop_grace_period: \(needed)s or more, or shorten "
                        + "the shutdown", at: graceLocation))
            } else {
                findings.append(finding(
                    .composeBudgetTight, "\(budget.described) leaves less than the \(StopBudget.format(margin)) "
                        + "margin of \(graceText)", hint: "set stop_grace_period: \(needed)s or more",
                    at: graceLocation))
            }
        }
        // command / entrypoint
        for key in ["entrypoint", "command"] {
            guard let node = service[key] else { continue }
            let form: ComposeContainer.Form
            if let items = node.sequence {
                let words = items.compactMap { $0.text ?? $0.scalar }
                guard words.count == items.count else { continue }
                form = .exec(words)
            } else if let text = node.text ?? node.scalar {
                let split = ComposeLint.words(text)
                let words = split.map(\.text)
                if let operatorWord = split.first(where: { !$0.quoted && Self.isShellSyntax($0.text) })?.text {
                    findings.append(finding(
                        .composeCommandNoShell, "\(key): `\(Self.clip(text))` is split into words without a shell, "
                            + "so `\(operatorWord)` reaches \(words.first ?? "the program") as an argument instead of "
                            + "being run by a shell", hint: "write a list; if a shell is needed, [\"sh\", \"-c\", "
                            + "\"... && exec prog\"] with `exec` on the last command", at: node.location))
                }
                form = .exec(words)
            } else if case .null = node {
                form = .exec([])
            } else {
                continue
            }
            if key == "entrypoint" { overrides.entrypoint = (form, node.location) } else {
                overrides.command = (form, node.location)
            }
        }
        if let node = service["init"], node.bool == true { overrides.initProcess = node.location }
        // The container as Docker would start it, judged by the Dockerfile rules.
        let container = container(service, overrides: overrides, directory: directory, read: read)
        if let (container, buildLocation) = container {
            findings += containerFindings(container, service: name, overrides: overrides,
                                          buildLocation: buildLocation)
        } else if let build = service["build"] {
            findings.append(finding(
                .composeInvalid, "the build Dockerfile cannot be read, so what runs as PID 1 is not checked",
                hint: "lint from the directory the Compose file is in, or check build.context and build.dockerfile",
                at: build.location, severity: .info))
        }
        findings += rollingFindings(service, name: name, container: container?.0, finding: finding)
        return findings
    }

    /// The container of a service, and the Compose location its image lines point at (`build:` or `image:`);
    /// nil when the service builds from a Dockerfile that cannot be read, or names neither.
    func container(_ service: ComposeFile.Value, overrides: ComposeContainer.Overrides, directory: String,
                   read: (String) -> String?) -> (ComposeContainer, ComposeFile.Location)? {
        if let build = service["build"] {
            let contextText = build.text ?? build["context"]?.text ?? "."
            let context = contextText.hasPrefix("/") ? contextText
                : ((directory as NSString).appendingPathComponent(contextText) as NSString).standardizingPath
            var text = build["dockerfile_inline"]?.text
            var path: String?
            if text == nil {
                let name = build["dockerfile"]?.text ?? "Dockerfile"
                let dockerfile = name.hasPrefix("/") ? name : (context as NSString).appendingPathComponent(name)
                path = dockerfile
                text = read(dockerfile)
            }
            guard let text else { return nil }
            return (ComposeContainer(baseText: text, image: nil, dockerfile: path, context: context,
                                     target: build["target"]?.text, overrides: overrides), build.location)
        }
        guard let image = service["image"], let reference = image.text else { return nil }
        return (ComposeContainer(baseText: nil, image: reference, dockerfile: nil, context: nil, target: nil,
                                 overrides: overrides), image.location)
    }

    /// The PID 1 rules whose verdict depends on an image ENTRYPOINT sigscope cannot see.
    static let entrypointDependentRules: Set<String> = [
        Rule.interpreterPID1.id, Rule.noInit.id, Rule.entrypointScriptNoExec.id,
    ]

    /// The Dockerfile rules on the container, each finding moved to the Compose line it comes from.
    func containerFindings(_ container: ComposeContainer, service name: String,
                           overrides: ComposeContainer.Overrides, buildLocation: ComposeFile.Location) -> [Finding] {
        let dockerfile = Dockerfile(text: container.text)
        let lint = DockerfileLint(context: container.context ?? "/nonexistent")
        var findings: [Finding] = []
        for var finding in lint.lint(dockerfile, display: container.dockerfile ?? "image") {
            let line = finding.line ?? 0
            if let location = container.overrideLines[line] {
                finding.message = "service \(name) (as Compose runs it): " + finding.message
                finding.file = location.file
                finding.line = location.line
            } else if container.dockerfile == nil {
                // The lines sigscope wrote for a known official image restate that image, which the service
                // does not change: its own rules are the image's business.
                continue
            } else {
                // A finding in the image's own Dockerfile: honour its inline suppression, then point at `build:`.
                if line < container.firstOverrideLine, Suppression.inlineSuppresses(finding, lines: dockerfile.lines) { continue }
                let source = "Dockerfile \(container.dockerfile ?? "") line \(line)"
                finding.message = "service \(name) (\(source)): " + finding.message
                finding.file = buildLocation.file
                finding.line = buildLocation.line
            }
            if container.imageEntrypointUnknown && Self.entrypointDependentRules.contains(finding.rule) {
                finding.severity = .info
                finding.message += " (unless the image's own ENTRYPOINT is an init)"
            }
            findings.append(finding)
        }
        return findings
    }

    /// `deploy.update_config` for a rolling update: start-first needs a healthcheck to know the new task is
    /// ready; stop-first with one replica stops the service for the length of the stop and the start.
    func rollingFindings(_ service: ComposeFile.Value, name: String, container: ComposeContainer?,
                         finding: (Rule, String, String, ComposeFile.Location, Severity?) -> Finding)
        -> [Finding] {
        guard let deploy = service["deploy"], let update = deploy["update_config"] else { return [] }
        let order = update["order"]?.text ?? "stop-first"
        let orderLocation = update["order"]?.location ?? update.location
        if order == "start-first" {
            let healthcheck = service["healthcheck"]
            let disabled = healthcheck?["disable"]?.bool == true
                || healthcheck?["test"]?.sequence?.first?.text == "NONE"
            let defined = healthcheck != nil && !disabled ? true : disabled ? false : container?.imageHealthcheck
            guard defined != true else { return [] }
            let unknown = defined == nil
            return [finding(
                .composeRollingNoHealthcheck, "deploy.update_config order start-first with "
                    + (disabled ? "the healthcheck disabled" : "no healthcheck")
                    + (unknown ? " (unless the image defines a HEALTHCHECK)" : "")
                    + ": a new task counts as ready as soon as it starts, so the old one gets its stop signal "
                    + "before the new one can serve", "add a healthcheck that passes only when the service serves",
                orderLocation, unknown ? .info : nil)]
        }
        let replicas = deploy["replicas"]?.text.flatMap { Int($0) } ?? 1
        guard deploy["mode"]?.text != "global", replicas <= 1 else { return [] }
        return [finding(
            .composeRollingStopFirst, "deploy.update_config order \(order) with \(replicas) replica: each update "
                + "stops the only task (up to its stop_grace_period) before the new one starts, so the service "
                + "is down meanwhile", "use order: start-first with a healthcheck, or more replicas", orderLocation,
            nil)]
    }

    /// Compose splits a string command into words the way a POSIX shell would, without running one
    /// (mattn/go-shellwords in compose-go): quotes group, backslash escapes.
    public static func splitWords(_ text: String) -> [String] { words(text).map(\.text) }

    /// The words, each marked when any part of it was quoted or escaped (so `"&&"` is an argument, not syntax).
    static func words(_ text: String) -> [(text: String, quoted: Bool)] {
        var words: [(text: String, quoted: Bool)] = []
        var current = ""
        var inWord = false
        var quoted = false
        var quote: Character?
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if let open = quote {
                if character == open { quote = nil } else if character == "\\" && open == "\"" { escaped = true } else {
                    current.append(character)
                }
            } else if character == "\\" {
                escaped = true
                inWord = true
                quoted = true
            } else if character == "'" || character == "\"" {
                quote = character
                inWord = true
                quoted = true
            } else if character.isWhitespace {
                if inWord { words.append((current, quoted)) }
                current = ""
                inWord = false
                quoted = false
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append((current, quoted)) }
        return words
    }

    /// Words only a shell gives meaning to.
    static func isShellSyntax(_ word: String) -> Bool {
        ["&&", "||", "|", ";", ">", ">>", "<", "&", "2>&1"].contains(word) || word.hasPrefix("$(")
            || word.hasPrefix("`") || word.hasSuffix(";")
    }

    static func clip(_ text: String) -> String { text.count > 50 ? String(text.prefix(47)) + "..." : text }
}
