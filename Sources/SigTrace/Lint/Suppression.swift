import Yams

#if canImport(Glibc)
import Glibc
#endif

/// Which findings the user has chosen to silence: inline `# sigscope ignore=RULE[,RULE...]` comments on the
/// finding's line or the line above it, and a `.sigscope.yml` file:
///
/// ```yaml
/// ignore:
///   - go-no-signal-notify            # everywhere
///   - rule: grace-budget-tight       # only in matching files (fnmatch pattern)
///     path: k8s/staging/*.yaml
/// ```
public struct Suppression: Sendable {
    /// One `ignore` entry; `rule` may be `all`.
    public struct Entry: Sendable, Hashable {
        public var rule: String
        public var path: String?
    }

    /// The entries of the configuration file.
    public var entries: [Entry]

    /// No suppression.
    public init() { entries = [] }

    /// Parses `.sigscope.yml` text; throws a one-line error naming `source` when it is not the expected shape.
    public init(configText: String, source: String) throws(SigscopeError) {
        let root: Node?
        do {
            root = try Yams.compose(yaml: configText)
        } catch {
            throw SigscopeError(.badInput, "\(source): \(KubernetesManifest.describe(error))")
        }
        entries = []
        guard let root else { return }
        guard root.mapping != nil else {
            throw SigscopeError(.badInput, "\(source): expected a mapping with an `ignore` list")
        }
        for item in root["ignore"]?.sequence ?? Node.Sequence() {
            if let rule = item.string {
                entries.append(Entry(rule: rule, path: nil))
            } else if let rule = item["rule"]?.string {
                entries.append(Entry(rule: rule, path: item["path"]?.string))
            } else {
                throw SigscopeError(.badInput, "\(source) line \(item.line): an ignore entry needs a rule")
            }
        }
        for entry in entries where entry.rule != "all" && Rule.named(entry.rule)?.commands.contains(.lint) != true {
            throw SigscopeError(.badInput, "\(source): unknown rule '\(entry.rule)' (see `sigscope lint --list-rules`)")
        }
    }

    /// True when the configuration silences this finding.
    public func suppresses(_ finding: Finding) -> Bool {
        entries.contains { entry in
            guard entry.rule == "all" || entry.rule == finding.rule else { return false }
            guard let pattern = entry.path else { return true }
            guard let file = finding.file else { return false }
            let base = file.split(separator: "/").last.map(String.init) ?? file
            return fnmatch(pattern, file, 0) == 0 || fnmatch(pattern, base, 0) == 0
        }
    }

    /// The rules an inline comment silences for a finding on 1-based `line`: comments on that line and on the
    /// line just above it count.
    public static func inlineRules(lines: [String], line: Int) -> Set<String> {
        var rules = Set<String>()
        for index in [line - 1, line - 2] where lines.indices.contains(index) {
            let text = lines[index]
            guard let marker = text.range(of: "sigscope ignore=") else { continue }
            guard text[..<marker.lowerBound].contains("#") else { continue }
            let list = text[marker.upperBound...].prefix { !$0.isWhitespace }
            for rule in list.split(separator: ",") { rules.insert(String(rule)) }
        }
        return rules
    }

    /// True when an inline comment in `lines` silences the finding.
    public static func inlineSuppresses(_ finding: Finding, lines: [String]) -> Bool {
        guard let line = finding.line else { return false }
        let rules = inlineRules(lines: lines, line: line)
        return rules.contains(finding.rule) || rules.contains("all")
    }
}
