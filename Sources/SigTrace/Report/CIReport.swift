/// Findings in the formats CI systems read: JUnit XML and GitHub Actions workflow annotations. Used by `check`
/// and `lint`.
public enum CIReport {
    /// One test case of a JUnit report: a name, whether it failed and why, and what it wrote.
    public struct TestCase: Sendable {
        /// Why a case did not pass: `<failure>` for a finding or verdict, `<error>` when it could not be judged.
        public struct Failure: Sendable {
            public var type: String
            public var message: String
            public var text: String
            public var isError: Bool

            public init(type: String, message: String, text: String, isError: Bool = false) {
                self.type = type
                self.message = message
                self.text = text
                self.isError = isError
            }
        }

        public var name: String
        public var className: String
        public var seconds: Double
        /// Nil: the case passed.
        public var failure: Failure?
        /// The case's `<system-out>`: a passing finding's text, or the output of the service `check` ran.
        public var systemOut: String?

        public init(name: String, className: String, seconds: Double = 0, failure: Failure? = nil,
                    systemOut: String? = nil) {
            self.name = name
            self.className = className
            self.seconds = seconds
            self.failure = failure
            self.systemOut = systemOut
        }

        /// The case of one finding: `RULE at FILE:LINE`, failing when the finding reaches `failOn` (never with
        /// nil), otherwise passing with the finding in `<system-out>`.
        public static func finding(_ finding: Finding, className: String, failOn: Severity?) -> TestCase {
            var name = finding.rule
            if let file = finding.file { name += " at " + file + (finding.line.map { ":\($0)" } ?? "") }
            let fails = failOn.map { finding.severity >= $0 } ?? false
            return TestCase(name: name, className: className,
                            failure: fails ? Failure(type: finding.rule, message: finding.message,
                                                     text: describe(finding)) : nil,
                            systemOut: fails ? nil : describe(finding))
        }
    }

    /// A JUnit XML document with one `<testsuite>`: `failures` counts `<failure>` cases, `errors` `<error>` ones.
    public static func junit(suite: String, cases: [TestCase]) -> String {
        let failures = cases.filter { $0.failure.map { !$0.isError } ?? false }.count
        let errors = cases.filter { $0.failure?.isError ?? false }.count
        let total = cases.reduce(0.0) { $0 + $1.seconds }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"sigscope\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\">\n"
        xml += "  <testsuite name=\"\(escape(suite))\" tests=\"\(cases.count)\" failures=\"\(failures)\" "
            + "errors=\"\(errors)\" time=\"\(format(total))\">\n"
        for testCase in cases {
            xml += "    <testcase name=\"\(escape(testCase.name))\" classname=\"\(escape(testCase.className))\" "
                + "time=\"\(format(testCase.seconds))\""
            if testCase.failure == nil && testCase.systemOut == nil {
                xml += "/>\n"
                continue
            }
            xml += ">\n"
            if let failure = testCase.failure {
                let element = failure.isError ? "error" : "failure"
                xml += "      <\(element) type=\"\(escape(failure.type))\" message=\"\(escape(failure.message))\">"
                    + escape(failure.text) + "</\(element)>\n"
            }
            if let out = testCase.systemOut {
                xml += "      <system-out>" + escape(out) + "</system-out>\n"
            }
            xml += "    </testcase>\n"
        }
        xml += "  </testsuite>\n</testsuites>\n"
        return xml
    }

    /// GitHub Actions workflow commands, one line per finding: `::error file=F,line=L,title=RULE::MESSAGE`. A file
    /// is named relative to `workspace` (`GITHUB_WORKSPACE`, where GitHub resolves annotation paths) when it lies
    /// inside it; `workingDirectory` resolves relative names first.
    public static func githubAnnotations(_ findings: [Finding], workspace: String? = nil,
                                         workingDirectory: String? = nil) -> String {
        var out = ""
        for finding in findings {
            let level = switch finding.severity {
            case .error: "error"
            case .warning: "warning"
            case .info: "notice"
            }
            var properties: [String] = []
            if let file = finding.file, file != "-" {
                let path = workspacePath(file, workspace: workspace, workingDirectory: workingDirectory)
                properties.append("file=\(escapeProperty(path))")
            }
            if let line = finding.line { properties.append("line=\(line)") }
            properties.append("title=\(escapeProperty("sigscope " + finding.rule))")
            out += "::\(level) \(properties.joined(separator: ","))::"
                + escapeData("\(finding.message). Hint: \(finding.hint)") + "\n"
        }
        return out
    }

    /// `file` relative to `workspace` when it lies inside it (after resolving it against `workingDirectory` and
    /// removing `.` and `..`); otherwise as given.
    public static func workspacePath(_ file: String, workspace: String?, workingDirectory: String?) -> String {
        guard let workspace, !workspace.isEmpty else { return file }
        let absolute: String
        if file.hasPrefix("/") {
            absolute = file
        } else if let workingDirectory {
            absolute = workingDirectory + "/" + file
        } else {
            return file
        }
        let path = normalized(absolute)
        let root = normalized(workspace)
        if root == "/" { return String(path.dropFirst()) }
        guard path.hasPrefix(root + "/") else { return file }
        return String(path.dropFirst(root.count + 1))
    }

    /// An absolute path without `.`, `..` or repeated slashes (lexically, as GitHub compares paths).
    static func normalized(_ path: String) -> String { PathText.lexical(path) }

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
