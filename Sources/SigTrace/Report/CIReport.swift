/// Findings in the formats CI systems read: JUnit XML and GitHub Actions workflow annotations. Used by `check`
/// and `lint`.
public enum CIReport {
    /// One test case of a JUnit report: a name and the findings that fail it (errors at or above `failOn`).
    public struct TestCase: Sendable {
        public var name: String
        public var className: String
        public var seconds: Double
        public var findings: [Finding]

        public init(name: String, className: String, seconds: Double = 0, findings: [Finding]) {
            self.name = name
            self.className = className
            self.seconds = seconds
            self.findings = findings
        }
    }

    /// A JUnit XML document with one `<testsuite>`; a case fails when it has a finding at or above `failOn`;
    /// other findings go to `<system-out>`. With no `failOn`, no case fails.
    public static func junit(suite: String, cases: [TestCase], failOn: Severity?) -> String {
        func fails(_ finding: Finding) -> Bool { failOn.map { finding.severity >= $0 } ?? false }
        let failures = cases.filter { $0.findings.contains(where: fails) }.count
        let total = cases.reduce(0.0) { $0 + $1.seconds }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"sigscope\" tests=\"\(cases.count)\" failures=\"\(failures)\">\n"
        xml += "  <testsuite name=\"\(escape(suite))\" tests=\"\(cases.count)\" failures=\"\(failures)\" "
            + "errors=\"0\" time=\"\(format(total))\">\n"
        for testCase in cases {
            xml += "    <testcase name=\"\(escape(testCase.name))\" classname=\"\(escape(testCase.className))\" "
                + "time=\"\(format(testCase.seconds))\""
            let failing = testCase.findings.filter(fails)
            let others = testCase.findings.filter { !fails($0) }
            if failing.isEmpty && others.isEmpty {
                xml += "/>\n"
                continue
            }
            xml += ">\n"
            for finding in failing {
                xml += "      <failure type=\"\(escape(finding.rule))\" message=\"\(escape(finding.message))\">"
                    + escape(describe(finding)) + "</failure>\n"
            }
            if !others.isEmpty {
                xml += "      <system-out>" + escape(others.map(describe).joined(separator: "\n")) + "</system-out>\n"
            }
            xml += "    </testcase>\n"
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    /// GitHub Actions workflow commands, one line per finding: `::error file=F,line=L,title=RULE::MESSAGE`.
    public static func githubAnnotations(_ findings: [Finding]) -> String {
        var out = ""
        for finding in findings {
            let level = switch finding.severity {
            case .error: "error"
            case .warning: "warning"
            case .info: "notice"
            }
            var properties: [String] = []
            if let file = finding.file { properties.append("file=\(escapeProperty(file))") }
            if let line = finding.line { properties.append("line=\(line)") }
            properties.append("title=\(escapeProperty("sigscope " + finding.rule))")
            out += "::\(level) \(properties.joined(separator: ","))::"
                + escapeData("\(finding.message). Hint: \(finding.hint)") + "\n"
        }
        return out
    }

    static func describe(_ finding: Finding) -> String {
        var location = ""
        if let file = finding.file { location = file + (finding.line.map { ":\($0)" } ?? "") + ": " }
        return "\(location)\(finding.severity.rawValue) \(finding.rule): \(finding.message)\nhint: \(finding.hint)"
    }

    /// Escapes text for XML attributes and content.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case let c where c.value < 0x20 && c != "\n" && c != "\t": out += " "
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func escapeData(_ text: String) -> String {
        text.replacing("%", with: "%25").replacing("\r", with: "%0D").replacing("\n", with: "%0A")
    }

    static func escapeProperty(_ text: String) -> String {
        escapeData(text).replacing(":", with: "%3A").replacing(",", with: "%2C")
    }

    static func format(_ seconds: Double) -> String {
        let millis = Int((seconds * 1000).rounded())
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - String(millis % 1000).count))\(millis % 1000)"
    }
}
