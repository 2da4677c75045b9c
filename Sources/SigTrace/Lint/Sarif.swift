/// SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), the format GitHub code scanning and other
/// code-scanning tools upload: one run, sigscope's rules in `tool.driver.rules`, one result per finding with
/// a physical location relative to the repository root (`%SRCROOT%`).
public enum Sarif {
    static let schema = "https://json.schemastore.org/sarif-2.1.0.json"

    /// The SARIF log for a lint report.
    public static func log(_ report: LintReport) -> JSONValue {
        let rules = Rule.reported(by: .lint)
        let ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($0.element.id, $0.offset) })
        let ruleValues: [JSONValue] = rules.map { rule in
            .object([
                ("id", .string(rule.id)),
                ("name", .string(camelCase(rule.id))),
                ("shortDescription", .object([("text", .string(rule.summary))])),
                ("fullDescription", .object([("text", .string(rule.help))])),
                ("defaultConfiguration", .object([("level", .string(level(rule.severity)))])),
                ("properties", .object([("tags", .array([.string("signals"), .string("shutdown")]))])),
            ])
        }
        var results: [JSONValue] = []
        for finding in report.findings {
            var fields: [(String, JSONValue)] = [
                ("ruleId", .string(finding.rule)),
            ]
            if let index = ruleIndex[finding.rule] { fields.append(("ruleIndex", .int(index))) }
            fields.append(("level", .string(level(finding.severity))))
            fields.append(("message", .object([("text", .string("\(finding.message). Hint: \(finding.hint)"))])))
            if let file = finding.file {
                var physical: [(String, JSONValue)] = [("artifactLocation", artifact(file))]
                if let line = finding.line, line >= 1 {
                    physical.append(("region", .object([("startLine", .int(line))])))
                }
                fields.append(("locations", .array([.object([("physicalLocation", .object(physical))])])))
            }
            results.append(.object(fields))
        }
        let run: JSONValue = .object([
            ("tool", .object([("driver", .object([
                ("name", .string("sigscope")),
                ("version", .string(sigscopeVersion)),
                ("semanticVersion", .string(sigscopeVersion)),
                ("rules", .array(ruleValues)),
            ]))])),
            ("originalUriBaseIds", .object([("%SRCROOT%", .object([("uri", .string("file:///"))]))])),
            ("results", .array(results)),
        ])
        return .object([("$schema", .string(schema)), ("version", .string("2.1.0")), ("runs", .array([run]))])
    }

    /// SARIF's levels: `error`, `warning`, `note`.
    static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .info: "note"
        }
    }

    /// A relative path stays relative to `%SRCROOT%`; an absolute one becomes a `file://` URI. Both are
    /// percent-encoded as RFC 3986 requires.
    static func artifact(_ path: String) -> JSONValue {
        var trimmed = path
        while trimmed.hasPrefix("./") { trimmed.removeFirst(2) }
        if trimmed.hasPrefix("/") { return .object([("uri", .string("file://" + encode(trimmed)))]) }
        return .object([("uri", .string(encode(trimmed))), ("uriBaseId", .string("%SRCROOT%"))])
    }

    static func encode(_ path: String) -> String {
        var out = ""
        for byte in path.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80, scalar.properties.isAlphabetic || ("0"..."9").contains(Character(scalar))
                || "-._~/".unicodeScalars.contains(scalar) {
                out.unicodeScalars.append(scalar)
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// `go-no-signal-notify` -> `GoNoSignalNotify`, SARIF's optional rule name.
    static func camelCase(_ id: String) -> String {
        id.split(separator: "-").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
