/// The result of one `sigscope lint` run and its renderings: text grouped by file like a compiler's, JSON,
/// JUnit XML and GitHub annotations (through `CIReport`); SARIF is in `Sarif`.
public struct LintReport: Sendable {
    /// Every file looked at, in the order linted.
    public var files: [LintedFile]
    /// The severity at which `lint` exits 1; nil (`--fail-on none`) never fails.
    public var failOn: Severity?

    public init(files: [LintedFile], failOn: Severity?) {
        self.files = files
        self.failOn = failOn
    }

    /// All findings, file by file.
    public var findings: [Finding] { files.flatMap(\.findings) }

    /// True when a finding reaches `failOn`: the exit code is 1.
    public var failed: Bool { failOn.map(findings.reaches) ?? false }

    /// `3 files: 1 error, 2 warnings, 0 info (1 suppressed)`.
    public var summary: String {
        let all = findings
        func count(_ severity: Severity, _ singular: String, _ plural: String) -> String {
            let n = all.filter { $0.severity == severity }.count
            return "\(n) \(n == 1 ? singular : plural)"
        }
        let suppressed = files.reduce(0) { $0 + $1.suppressed }
        return "\(files.count) file\(files.count == 1 ? "" : "s"): \(count(.error, "error", "errors")), "
            + "\(count(.warning, "warning", "warnings")), \(count(.info, "info", "info"))"
            + (suppressed > 0 ? " (\(suppressed) suppressed)" : "")
    }

    /// Text grouped by file: a header naming the file and what it is, then one row per finding with its line,
    /// severity, rule and message, and the hint under the message.
    public func text(style: TextStyle) -> String {
        var out = ""
        for file in files {
            out += style.bold(file.path) + style.dim("  (\(describe(file)))") + "\n"
            if file.findings.isEmpty {
                out += "  " + style.green("clean") + "\n"
                continue
            }
            let lineWidth = file.findings.map { $0.line.map { String($0).count } ?? 0 }.max() ?? 0
            let ruleWidth = file.findings.map(\.rule.count).max() ?? 0
            for finding in file.findings {
                let line = finding.line.map(String.init) ?? ""
                let lineCell = lineWidth == 0 ? "" : String(repeating: " ", count: lineWidth - line.count) + line + "  "
                let severity = finding.severity.rawValue.padding(toLength: 7, withPad: " ", startingAt: 0)
                let rule = finding.rule.padding(toLength: ruleWidth, withPad: " ", startingAt: 0)
                let indent = String(repeating: " ", count: 2 + lineCell.count + 9 + ruleWidth + 2)
                out += "  " + lineCell + style.severity(finding.severity, severity) + "  " + rule + "  "
                    + finding.message + "\n"
                out += indent + style.dim("hint: " + finding.hint) + "\n"
            }
        }
        out += "\n" + summary + "\n"
        return out
    }

    /// `elf, x86_64, dynamic, go` or `dockerfile`.
    func describe(_ file: LintedFile) -> String {
        if let image = file.image { return image.summary }
        guard let facts = file.facts else { return file.kind.rawValue }
        var parts = ["elf \(facts.bits)-bit", facts.machine, facts.isStatic ? "static" : "dynamic", facts.runtime.rawValue]
        if facts.stripped { parts.append("stripped") }
        return parts.joined(separator: ", ")
    }

    /// The report as JSON: `files` (path, kind, facts, counts), `findings` (rule, severity, file, line, message,
    /// hint), `summary` and whether the run failed.
    public var json: JSONValue {
        let all = findings
        let fileValues: [JSONValue] = files.map { file in
            .object([
                ("file", .string(file.path)), ("kind", .string(file.kind.rawValue)),
                ("binary", file.facts?.json ?? .null), ("image", file.image?.json ?? .null),
                ("findings", .int(file.findings.count)),
                ("suppressed", .int(file.suppressed)),
            ])
        }
        let findingValues: [JSONValue] = all.map { finding in
            .object([
                ("rule", .string(finding.rule)), ("severity", .string(finding.severity.rawValue)),
                ("file", .string(finding.file)), ("line", finding.line.map(JSONValue.int) ?? .null),
                ("message", .string(finding.message)), ("hint", .string(finding.hint)),
            ])
        }
        return JSONSchema.document([
            ("fail_on", .string(failOn?.rawValue ?? "none")), ("failed", .bool(failed)), ("files", .array(fileValues)),
            ("findings", .array(findingValues)),
            ("summary", .object([
                ("errors", .int(all.filter { $0.severity == .error }.count)),
                ("warnings", .int(all.filter { $0.severity == .warning }.count)),
                ("info", .int(all.filter { $0.severity == .info }.count)),
                ("suppressed", .int(files.reduce(0) { $0 + $1.suppressed })),
            ])),
        ])
    }

    /// JUnit XML: one test case per finding (`RULE at FILE:LINE`), failing when it reaches `failOn`, and one
    /// passing case for each file without findings.
    public var junit: String {
        var cases: [CIReport.TestCase] = []
        for file in files {
            let className = "sigscope.lint.\(file.kind.rawValue)"
            if file.findings.isEmpty {
                cases.append(CIReport.TestCase(name: file.path, className: className))
            } else {
                cases += file.findings.map { CIReport.TestCase.finding($0, className: className, failOn: failOn) }
            }
        }
        return CIReport.junit(suite: "sigscope lint", cases: cases)
    }

    /// GitHub Actions annotations, one line per finding, files named relative to `workspace` (`GITHUB_WORKSPACE`).
    public func github(workspace: String? = nil, workingDirectory: String? = nil) -> String {
        CIReport.githubAnnotations(findings, workspace: workspace, workingDirectory: workingDirectory)
    }
}
