/// Where to read more about a rule, for SARIF's `helpUri` and `fullDescription`: derived from the rule's `source`,
/// so the link is the documentation the facts come from, never a page written for the link.
extension Rule {
    /// The first documentation the source names, as an absolute URL: a URL itself, a manual page (`signal(7)` on
    /// man7.org), an RFC, a GitHub issue (`owner/name#N`) or the YAML specification. Nil for the rules whose only
    /// source is sigscope's own measurement (`sigscope check`), which `fullDescription` explains instead.
    public var helpURI: String? { Rule.helpURI(source: source) }

    /// The rule in full: summary, what to do, when its severity varies, and its source.
    public var fullDescription: String {
        var text = summary + ". " + help
        if let severityVaries { text += " Severity: " + severityVaries + (severityVaries.hasSuffix(".") ? "" : ".") }
        return text + " Source: " + source + (source.hasSuffix(".") ? "" : ".")
    }

    /// The link for a source text (pure, for tests).
    static func helpURI(source: String) -> String? {
        let words = source.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" }).map(String.init)
        if let url = words.first(where: { $0.hasPrefix("https://") || $0.hasPrefix("http://") }) {
            return String(url.reversed().drop(while: { ".):".contains($0) }).reversed())
        }
        for word in words {
            // name(N), as man pages are cited: signal(7), pid_namespaces(7), systemd.syntax(7).
            guard let open = word.firstIndex(of: "("), word.hasSuffix(")") || word.hasSuffix("):") else { continue }
            let name = word[..<open]
            let section = word[word.index(after: open)...].prefix { $0.isNumber }
            guard !name.isEmpty, !section.isEmpty,
                  name.allSatisfy({ $0.isLetter || $0.isNumber || "_.-".contains($0) }) else { continue }
            return "https://man7.org/linux/man-pages/man\(section)/\(name).\(section).html"
        }
        if let issue = words.first(where: { $0.contains("/") && $0.contains("#") }) {
            let parts = issue.split(separator: "#")
            if parts.count == 2, parts[0].split(separator: "/").count == 2, parts[1].allSatisfy(\.isNumber) {
                return "https://github.com/\(parts[0])/issues/\(parts[1])"
            }
        }
        if let index = words.firstIndex(of: "RFC"), index + 1 < words.count, words[index + 1].allSatisfy(\.isNumber) {
            return "https://www.rfc-editor.org/rfc/rfc\(words[index + 1])"
        }
        if source.hasPrefix("YAML 1.2") { return "https://yaml.org/spec/1.2.2/" }
        return nil
    }
}
