import Foundation
import Yams

#if canImport(Glibc)
import Glibc
#endif

/// Which findings the user has chosen to silence or re-grade: inline `# sigscope ignore=RULE[,RULE...]` comments
/// on the finding's line or the line above it, `--ignore RULE`, the Kubernetes annotation
/// `ignore-check.sigscope.dev/RULE` (read by `KubernetesManifest`), and a `.sigscope.yml` file:
///
/// ```yaml
/// ignore:
///   - go-no-signal-notify            # everywhere
///   - rule: grace-budget-tight       # only in matching files (fnmatch pattern, relative to this file's folder)
///     path: k8s/staging/*.yaml
/// override:
///   no-init: warning                 # this rule's findings at another severity
/// ```
///
/// A path pattern is matched against the linted file's path relative to the folder holding the configuration,
/// however the file was named on the command line (`k8s/a.yaml`, `./k8s/a.yaml`, an absolute path, from another
/// directory with `--config`). A pattern without a slash also matches the file's name alone.
public struct Suppression: Sendable {
    /// One `ignore` entry; `rule` may be `all`.
    public struct Entry: Sendable, Hashable {
        public var rule: String
        public var path: String?

        public init(rule: String, path: String? = nil) {
            self.rule = rule
            self.path = path
        }
    }

    /// The entries of the configuration file and `--ignore`.
    public var entries: [Entry]
    /// Severities the configuration gives rules instead of their usual one.
    public var overrides: [String: Severity]
    /// The absolute folder path patterns are relative to: the configuration file's, else the working directory.
    public var baseDirectory: String

    /// The keys a configuration file may have.
    static let configKeys: Set<String> = ["ignore", "override"]
    /// The keys an `ignore` entry may have.
    static let entryKeys: Set<String> = ["rule", "path"]
    /// The annotation prefix that silences a rule for one Kubernetes object, as kube-linter's
    /// `ignore-check.kube-linter.io/CHECK`.
    public static let annotationPrefix = "ignore-check.sigscope.dev/"

    /// No suppression.
    public init() {
        entries = []
        overrides = [:]
        baseDirectory = Suppression.absolute(".")
    }

    /// Parses `.sigscope.yml` text read from `source`; throws a one-line error naming `source` when it is not the
    /// expected shape, has a key sigscope does not know, or names an unknown rule.
    public init(configText: String, source: String) throws(SigscopeError) {
        self.init()
        // The folder of `source` (NSString.deletingLastPathComponent traps on a one-character name).
        baseDirectory = Suppression.absolute(source.lastIndex(of: "/").map { String(source[...$0]) } ?? ".")
        let root: Node?
        do {
            root = try Yams.compose(yaml: configText)
        } catch {
            throw SigscopeError(.badInput, "\(source): \(KubernetesManifest.describe(error))")
        }
        guard let root else { return }
        guard let mapping = root.mapping else {
            throw SigscopeError(.badInput, "\(source): expected a mapping with `ignore` or `override`")
        }
        try Suppression.checkKeys(mapping, known: Suppression.configKeys, source: source)
        for item in root["ignore"]?.sequence ?? Node.Sequence() {
            if let rule = item.string {
                entries.append(Entry(rule: rule))
            } else if let entry = item.mapping, let rule = item["rule"]?.string {
                try Suppression.checkKeys(entry, known: Suppression.entryKeys, source: source)
                entries.append(Entry(rule: rule, path: item["path"]?.string))
            } else {
                throw SigscopeError(.badInput, "\(source) line \(item.line): an ignore entry needs a rule")
            }
        }
        if let override = root["override"] {
            guard let pairs = override.mapping else {
                throw SigscopeError(.badInput, "\(source) line \(override.line): override maps rules to severities, "
                    + "such as `no-init: warning`")
            }
            for (key, value) in pairs {
                guard let rule = key.string, let text = value.string, let severity = Severity(rawValue: text) else {
                    throw SigscopeError(.badInput, "\(source) line \(key.line): override \(key.string ?? "?"): use "
                        + "error, warning or info")
                }
                try Suppression.checkRule(rule, source: source)
                overrides[rule] = severity
            }
        }
        for entry in entries where entry.rule != "all" { try Suppression.checkRule(entry.rule, source: source) }
    }

    /// Adds `--ignore` rules, silenced everywhere; throws for a rule sigscope does not have.
    public mutating func ignore(_ rules: [String]) throws(SigscopeError) {
        for rule in rules where rule != "all" { try Suppression.checkRule(rule, source: "--ignore") }
        entries += rules.map { Entry(rule: $0) }
    }

    static func checkKeys(_ mapping: Node.Mapping, known: Set<String>, source: String) throws(SigscopeError) {
        for key in mapping.keys {
            guard let name = key.string, known.contains(name) else {
                throw SigscopeError(.badInput, "\(source) line \(key.line): unknown key '\(key.string ?? "?")' "
                    + "(known: \(known.sorted().joined(separator: ", ")))")
            }
        }
    }

    /// True for the id of a rule lint reports (the ones lint's suppression can silence).
    public static func isLintRule(_ id: String) -> Bool { Rule.named(id)?.commands.contains(.lint) == true }

    static func checkRule(_ rule: String, source: String) throws(SigscopeError) {
        guard !isLintRule(rule) else { return }
        throw SigscopeError(.badInput, "\(source): unknown rule '\(rule)' (see `sigscope lint --list-rules`)")
    }

    /// True when the configuration or `--ignore` silences this finding.
    public func suppresses(_ finding: Finding) -> Bool {
        entries.contains { entry in
            guard entry.rule == "all" || entry.rule == finding.rule else { return false }
            guard let pattern = entry.path else { return true }
            guard let file = finding.file else { return false }
            return matches(pattern, file: file)
        }
    }

    /// The finding at the severity the configuration gives its rule.
    public func overridden(_ finding: Finding) -> Finding {
        guard let severity = overrides[finding.rule] else { return finding }
        var changed = finding
        changed.severity = severity
        return changed
    }

    /// Whether a path pattern matches a file, both taken relative to `baseDirectory`.
    func matches(_ pattern: String, file: String) -> Bool {
        let path = Suppression.absolute(file)
        let relative = path.hasPrefix(baseDirectory + "/") ? String(path.dropFirst(baseDirectory.count + 1)) : path
        var cleanPattern = pattern
        while cleanPattern.hasPrefix("./") { cleanPattern.removeFirst(2) }
        if cleanPattern.hasPrefix("/") { return fnmatch(cleanPattern, path, 0) == 0 }
        if fnmatch(cleanPattern, relative, 0) == 0 { return true }
        guard !cleanPattern.contains("/") else { return false }
        return fnmatch(cleanPattern, String(path.split(separator: "/").last ?? ""), 0) == 0
    }

    /// An absolute path with `.` and `..` resolved and no trailing slash, without touching the file system's
    /// symbolic links (a path named two ways through a link is not the same path here).
    static func absolute(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for part in full.split(separator: "/") {
            if part == "." || part.isEmpty { continue }
            if part == ".." { _ = parts.popLast(); continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The rules an inline comment silences for a finding on 1-based `line`: comments on that line and on the
    /// line just above it count.
    public static func inlineRules(lines: [String], line: Int) -> Set<String> {
        var rules = Set<String>()
        for index in [line - 1, line - 2] where lines.indices.contains(index) {
            rules.formUnion(commentRules(lines[index]))
        }
        return rules
    }

    /// The rules a `# sigscope ignore=A,B` comment on one line names.
    static func commentRules(_ text: String) -> [String] {
        guard let marker = text.range(of: "sigscope ignore="), text[..<marker.lowerBound].contains("#") else {
            return []
        }
        return text[marker.upperBound...].prefix { !$0.isWhitespace }.split(separator: ",").map(String.init)
    }

    /// Inline comments naming rules sigscope does not have, as findings: a misspelt rule would otherwise
    /// silence nothing without a word.
    public static func unknownInlineRules(lines: [String], file: String) -> [Finding] {
        var findings: [Finding] = []
        for (index, text) in lines.enumerated() {
            for rule in commentRules(text) where rule != "all" && !isLintRule(rule) {
                findings.append(Rule.suppressionUnknownRule.finding(
                    "`# sigscope ignore=\(rule)` names no rule of sigscope, so it silences nothing",
                    hint: "use a rule from `sigscope lint --list-rules`", file: file, line: index + 1))
            }
        }
        return findings
    }

    /// True when an inline comment in `lines` silences the finding.
    public static func inlineSuppresses(_ finding: Finding, lines: [String]) -> Bool {
        guard let line = finding.line else { return false }
        let rules = inlineRules(lines: lines, line: line)
        return rules.contains(finding.rule) || rules.contains("all")
    }
}
