import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One file `sigscope lint` looked at: what kind it is, what was learned and what was found.
public struct LintedFile: Sendable {
    /// What a file was linted as.
    public enum Kind: String, Sendable {
        case elf, dockerfile, manifest, report, systemd, compose, image, unknown
    }

    /// The path as given (or found under a given directory).
    public var path: String
    public var kind: Kind
    /// For ELF binaries: class, machine, runtime, signal APIs.
    public var facts: BinaryFacts?
    /// For images (`lint --image`): the command, shell, tools and the program found.
    public var image: ImageFacts?
    /// The findings left after suppression, sorted by line.
    public var findings: [Finding]
    /// How many findings suppression removed.
    public var suppressed: Int
    /// The containers (a Kubernetes manifest) or services (Compose files) it defines: the names
    /// `--shutdown NAME=<duration>` may give.
    public var names: [String] = []

    public init(path: String, kind: Kind, facts: BinaryFacts? = nil, findings: [Finding], suppressed: Int = 0) {
        self.path = path
        self.kind = kind
        self.facts = facts
        self.findings = findings
        self.suppressed = suppressed
    }
}

/// Finds the files to lint under the paths given, decides what each one is, runs its rules and applies
/// suppression. A file that cannot be read or parsed becomes a finding for that file; the rest are still
/// linted.
public struct Linter: Sendable {
    /// Grace-budget inputs for manifests.
    public var manifestLint: KubernetesManifestLint
    /// The build context for Dockerfiles' COPY sources; nil means each Dockerfile's own directory.
    public var context: String?
    /// `.sigscope.yml` entries.
    public var suppression: Suppression
    /// `lint -`: the text read from standard input and what it is (`--type`), linted as the path `-`.
    public var standardInput: (text: String, kind: LintedFile.Kind)?

    public init(manifestLint: KubernetesManifestLint = KubernetesManifestLint(), context: String? = nil,
                suppression: Suppression = Suppression()) {
        self.manifestLint = manifestLint
        self.context = context
        self.suppression = suppression
    }

    /// Directories never descended into.
    static let skippedDirectories: Set<String> = [".git", ".build", "node_modules", "vendor", ".venv", "__pycache__"]

    /// Lints each path; directories are walked for Dockerfiles, YAML manifests and executable ELF files.
    public func lint(paths: [String]) -> [LintedFile] {
        var results: [LintedFile] = []
        // A file named on its own and found again under a named directory is linted once.
        var seen = Set<String>()
        func firstTime(_ path: String) -> Bool { seen.insert((path as NSString).standardizingPath).inserted }
        for path in paths {
            if path == "-", let standardInput {
                results.append(lintStandardInput(standardInput.text, as: standardInput.kind))
                continue
            }
            var info = stat()
            guard stat(path, &info) == 0 else {
                let why = SigscopeError.describe(errno: errno)
                results.append(file(path, .unknown, [Rule.fileUnreadable.finding(
                    "cannot read \(path): \(why)", hint: "check the path", file: path)]))
                continue
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                let found = Linter.walk(path)
                if found.isEmpty {
                    results.append(file(path, .unknown, [Rule.unknownFileType.finding(
                        "\(path) is a directory with no ELF executable, Dockerfile or YAML manifest in it",
                        hint: "name the files to lint", file: path)]))
                }
                results += found.filter(firstTime).map { lintFile($0) }
            } else if firstTime(path) {
                results.append(lintFile(path))
            }
        }
        return results
    }

    /// Lints one file, deciding its kind from its name and first bytes. Nothing is read before the file is known to
    /// be a regular file (`InputFile`); a FIFO, socket or device, or a file over its kind's size limit, becomes a
    /// `file-unreadable` finding.
    public func lintFile(_ path: String) -> LintedFile {
        let name = (path as NSString).lastPathComponent
        let lower = name.lowercased()
        if Linter.isDockerfileName(lower) { return lintDockerfile(path) }
        switch Linter.orchestratorKind(path) {
        case .systemd: return lintSystemdUnit(path)
        case .compose: return lintCompose(files: [path])
        default: break
        }
        if lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") {
            return Linter.looksLikeCompose(path) ? lintCompose(files: [path]) : lintManifest(path)
        }
        if lower.hasSuffix(".json") { return lintManifest(path) }
        let head: [UInt8]
        let size: Int
        do {
            let input = try InputFile(path: path)
            defer { input.close() }
            head = try input.read(upTo: 4)
            size = input.size
        } catch {
            return refused(path, .unknown, error)
        }
        if head.elementsEqual([0x7F, 0x45, 0x4C, 0x46]) {
            let (facts, findings) = BinaryLint.lint(path: path, display: path)
            return file(path, .elf, findings, facts: facts)
        }
        // Sniff for a Dockerfile only within a Dockerfile's size limit: a 2 GB file is never read.
        if size <= InputFile.Kind.dockerfile.limit, let text = try? InputFile.readText(path, as: .dockerfile),
           text.split(separator: "\n").contains(where: { $0.trimmingCharacters(in: .whitespaces).uppercased()
               .hasPrefix("FROM ") }) {
            return lintDockerfile(path)
        }
        let unread = size > InputFile.Kind.dockerfile.limit ? " (\(InputFile.formatSize(size)), not read further)" : ""
        return file(path, .unknown, [Rule.unknownFileType.finding(
            "\(path) is not an ELF binary (no ELF magic), a Dockerfile or a YAML manifest\(unread)",
            hint: "lint binaries, Dockerfiles (named Dockerfile or *.Dockerfile) and *.yaml manifests",
            file: path)])
    }

    func lintDockerfile(_ path: String) -> LintedFile {
        let text: String
        do { text = try readInput(path, as: .dockerfile) } catch { return refused(path, .dockerfile, error) }
        let dockerfile = Dockerfile(text: text)
        let lint = DockerfileLint(context: context ?? BuildContext.directory(of: path),
                                  contextIsExplicit: context != nil)
        return file(path, .dockerfile, lint.lint(dockerfile, display: path), lines: dockerfile.lines)
    }

    func lintManifest(_ path: String) -> LintedFile {
        let text: String
        do { text = try readInput(path, as: .manifest) } catch { return refused(path, .manifest, error) }
        do {
            let manifest = try KubernetesManifest(text: text)
            // An object's `ignore-check.sigscope.dev/RULE` annotations silence that object's findings of RULE.
            var findings: [Finding] = []
            var annotated = 0
            for pod in manifest.podSpecs {
                let found = manifestLint.lint(pod, display: path, scripts: manifest.configMapFiles)
                let kept = found.filter { !pod.ignoredRules.contains($0.rule) && !pod.ignoredRules.contains("all") }
                annotated += found.count - kept.count
                findings += kept
                for (rule, line) in pod.ignoredRuleLines.sorted(by: { $0.value < $1.value })
                where rule != "all" && !Suppression.isLintRule(rule) {
                    findings.append(Rule.suppressionUnknownRule.finding(
                        "\(pod.kind) \(pod.name): the annotation \(Suppression.annotationPrefix)\(rule) names no rule "
                            + "of sigscope, so it silences nothing",
                        hint: "use a rule from `sigscope lint --list-rules`", file: path, line: line))
                }
            }
            var linted = file(path, .manifest, findings, lines: manifest.lines, suppressedBefore: annotated)
            linted.names = manifest.podSpecs.flatMap(\.containerNames)
            return linted
        } catch {
            let line = Int(error.message.split(separator: ":").first?.split(separator: " ").last ?? "")
            return file(path, .manifest, [Rule.manifestInvalid.finding(
                "not valid YAML: \(error.message)", hint: "fix the YAML syntax", file: path, line: line)])
        }
    }

    /// An image judged by `ImageLint` (`lint --image`), with suppression applied like a file's.
    public func image(_ display: String, facts: ImageFacts, findings: [Finding]) -> LintedFile {
        var linted = file(display, .image, findings, facts: facts.binary)
        linted.image = facts
        return linted
    }

    /// A file that was not read: not a regular file, over its size limit, unreadable or not UTF-8.
    func refused(_ path: String, _ kind: LintedFile.Kind, _ error: SigscopeError) -> LintedFile {
        let hint = error.code == .badInput ? "lint regular files of a plausible size" : "check the path and permissions"
        return file(path, kind, [Rule.fileUnreadable.finding(error.message, hint: hint, file: path)])
    }

    /// Applies suppression and severity overrides, adds findings for ignore comments naming unknown rules, and
    /// sorts the findings.
    func file(_ path: String, _ kind: LintedFile.Kind, _ findings: [Finding], facts: BinaryFacts? = nil,
              lines: [String] = [], suppressedBefore: Int = 0) -> LintedFile {
        let findings = findings + Suppression.unknownInlineRules(lines: lines, file: path)
        let kept = findings.filter { !suppression.suppresses($0) && !Suppression.inlineSuppresses($0, lines: lines) }
            .map(suppression.overridden)
        let sorted = kept.enumerated().sorted { ($0.element.line ?? 0, $0.offset) < ($1.element.line ?? 0, $1.offset) }
            .map(\.element)
        return LintedFile(path: path, kind: kind, facts: facts, findings: sorted,
                          suppressed: findings.count - kept.count + suppressedBefore)
    }

    static func isDockerfileName(_ lower: String) -> Bool {
        lower == "dockerfile" || lower == "containerfile" || lower.hasPrefix("dockerfile.")
            || lower.hasPrefix("dockerfile-") || lower.hasPrefix("containerfile.") || lower.hasPrefix("containerfile-")
            || lower.hasSuffix(".dockerfile") || lower.hasSuffix(".containerfile")
    }

    /// A JSON file that reads as a Kubernetes object or list (`kubectl get -o json`): its first 4 KiB name an
    /// `apiVersion` and a `kind`. JSON is YAML, so the manifest reader takes it as it is.
    static func isKubernetesJSON(_ path: String) -> Bool {
        guard let input = try? InputFile(path: path) else { return false }
        defer { input.close() }
        guard let head = try? input.read(upTo: 4096) else { return false }
        let text = String(decoding: head, as: UTF8.self)
        return text.drop { $0.isWhitespace }.first == "{" && text.contains("\"apiVersion\"")
            && text.contains("\"kind\"")
    }

    /// The lintable files under a directory, sorted: Dockerfiles, YAML (not `.sigscope.yml`) and executable ELF
    /// files.
    static func walk(_ root: String) -> [String] {
        var found: [String] = []
        let manager = FileManager.default
        guard let enumerator = manager.enumerator(atPath: root) else { return [] }
        while let relative = enumerator.nextObject() as? String {
            let name = (relative as NSString).lastPathComponent
            let path = (root as NSString).appendingPathComponent(relative)
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if info.st_mode & S_IFMT == S_IFDIR {
                if skippedDirectories.contains(name) { enumerator.skipDescendants() }
                continue
            }
            guard info.st_mode & S_IFMT == S_IFREG else { continue }
            let lower = name.lowercased()
            if orchestratorKind(path) != nil {
                if !readWithAnother(path) { found.append(path) }
            } else if isDockerfileName(lower) || (lower.hasSuffix(".yaml") || lower.hasSuffix(".yml"))
                && lower != ".sigscope.yml" && lower != ".sigscope.yaml" {
                found.append(path)
            } else if lower.hasSuffix(".json"), isKubernetesJSON(path) {
                found.append(path)
            } else if info.st_mode & 0o111 != 0, hasELFMagic(path) {
                found.append(path)
            }
        }
        return found.sorted()
    }

    static func hasELFMagic(_ path: String) -> Bool {
        guard let input = try? InputFile(path: path) else { return false }
        defer { input.close() }
        return (try? input.read(upTo: 4)) == [0x7F, 0x45, 0x4C, 0x46]
    }
}
