/// SARIF 2.1.0 (OASIS Static Analysis Results Interchange Format), the format GitHub code scanning and other
/// code-scanning tools upload: one run, sigscope's rules in `tool.driver.rules` (each with its full description and,
/// where its source names one, a `helpUri`), one result per finding with a physical location relative to the
/// directory linted from (`%SRCROOT%`, declared in `originalUriBaseIds` only when a location uses it) and a
/// `partialFingerprints` entry that survives the finding moving to another line, and the invocation's outcome.
public enum Sarif {
    static let schema = "https://json.schemastore.org/sarif-2.1.0.json"
    /// The key of sigscope's fingerprint in `partialFingerprints`, versioned as SARIF suggests.
    static let fingerprintKey = "sigscopeFinding/v1"

    /// The SARIF log for a lint report run in `workingDirectory` (an absolute path; nil: every location is given
    /// as an absolute `file://` URI or as written, and no base is declared).
    public static func log(_ report: LintReport, workingDirectory: String? = nil) -> JSONValue {
        let base = workingDirectory.map { $0.hasSuffix("/") ? $0 : $0 + "/" }
        let rules = Rule.reported(by: .lint)
        let ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($0.element.id, $0.offset) })
        let ruleValues: [JSONValue] = rules.map { rule in
            var fields: [(String, JSONValue)] = [
                ("id", .string(rule.id)),
                ("name", .string(camelCase(rule.id))),
                ("shortDescription", .object([("text", .string(rule.summary))])),
                ("fullDescription", .object([("text", .string(rule.fullDescription))])),
                ("help", .object([("text", .string(rule.help))])),
            ]
            if let uri = rule.helpURI { fields.append(("helpUri", .string(uri))) }
            fields.append(("defaultConfiguration", .object([("level", .string(level(rule.severity)))])))
            fields.append(("properties", .object([("tags", .array([.string("signals"), .string("shutdown")]))])))
            return .object(fields)
        }
        var results: [JSONValue] = []
        var usesBase = false
        for finding in report.findings {
            var fields: [(String, JSONValue)] = [
                ("ruleId", .string(finding.rule)),
            ]
            if let index = ruleIndex[finding.rule] { fields.append(("ruleIndex", .int(index))) }
            fields.append(("level", .string(level(finding.severity))))
            fields.append(("message", .object([("text", .string("\(finding.message). Hint: \(finding.hint)"))])))
            var located = ""
            if let file = finding.file, file != "-" {
                let location = artifact(file, base: base)
                usesBase = usesBase || location.relative
                located = location.uri
                var physical: [(String, JSONValue)] = [("artifactLocation", location.json)]
                if let line = finding.line, line >= 1 {
                    physical.append(("region", .object([("startLine", .int(line))])))
                }
                fields.append(("locations", .array([.object([("physicalLocation", .object(physical))])])))
            }
            fields.append(("partialFingerprints", .object([
                (fingerprintKey, .string(fingerprint(rule: finding.rule, location: located, message: finding.message))),
            ])))
            results.append(.object(fields))
        }
        var invocation: [(String, JSONValue)] = [
            ("executionSuccessful", .bool(true)), ("exitCode", .int(report.failed ? 1 : 0)),
        ]
        if let base { invocation.append(("workingDirectory", .object([("uri", .string(fileURI(base)))]))) }
        var run: [(String, JSONValue)] = [
            ("tool", .object([("driver", .object([
                ("name", .string("sigscope")),
                ("version", .string(sigscopeVersion)),
                ("semanticVersion", .string(sigscopeVersion)),
                ("rules", .array(ruleValues)),
            ]))])),
            ("invocations", .array([.object(invocation)])),
        ]
        if usesBase, let base {
            run.append(("originalUriBaseIds", .object([("%SRCROOT%", .object([
                ("uri", .string(fileURI(base))),
                ("description", .object([("text", .string("The directory sigscope lint ran in."))])),
            ]))])))
        }
        run.append(("results", .array(results)))
        return .object([("$schema", .string(schema)), ("version", .string("2.1.0")), ("runs", .array([.object(run)]))])
    }

    /// A stable hash of what a finding says and where, without its line: FNV-1a 64 in hex.
    static func fingerprint(rule: String, location: String, message: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(rule)\u{0}\(location)\u{0}\(message)".utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// SARIF's levels: `error`, `warning`, `note`.
    static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .info: "note"
        }
    }

    /// An artifact location: a relative path, or an absolute one inside `base`, is relative to `%SRCROOT%` (the
    /// directory linted from); another absolute path becomes a `file://` URI. Percent-encoded as RFC 3986 requires.
    static func artifact(_ path: String, base: String?) -> (json: JSONValue, uri: String, relative: Bool) {
        var trimmed = path
        while trimmed.hasPrefix("./") { trimmed.removeFirst(2) }
        if let base, trimmed.hasPrefix(base), trimmed.count > base.count { trimmed.removeFirst(base.count) }
        if trimmed.hasPrefix("/") {
            let uri = fileURI(trimmed)
            return (.object([("uri", .string(uri))]), uri, false)
        }
        let uri = encode(trimmed)
        guard base != nil else { return (.object([("uri", .string(uri))]), uri, false) }
        return (.object([("uri", .string(uri)), ("uriBaseId", .string("%SRCROOT%"))]), uri, true)
    }

    /// `file:///abs/path`, percent-encoded.
    static func fileURI(_ absolutePath: String) -> String { "file://" + encode(absolutePath) }

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
