/// A systemd unit file read the way systemd's own parser reads it (systemd.syntax(7)): `[Section]` headers,
/// `Key=Value` assignments with the whitespace around both trimmed, comments on lines starting with `#` or `;`,
/// continuation lines ending in a backslash (the backslash becomes a space, comment lines inside a continuation
/// are skipped), specifiers such as `%i` left as they are. Drop-ins (`NAME.service.d/*.conf`) are applied after
/// the unit in file-name order, so a later assignment overrides an earlier one and an empty assignment resets a
/// list setting such as `ExecStart=`, as systemd does.
public struct SystemdUnit: Sendable {
    /// One `Key=Value` line, where it came from, and its section.
    public struct Assignment: Sendable, Hashable {
        public var section: String
        public var key: String
        /// The value with surrounding whitespace removed; empty for a reset (`ExecStart=`).
        public var value: String
        /// The file the line is in (the unit or one of its drop-ins), as given.
        public var file: String
        /// The 1-based line the assignment starts on.
        public var line: Int
    }

    /// A line systemd would ignore with a warning.
    public struct Problem: Sendable, Hashable {
        public var message: String
        public var file: String
        public var line: Int
    }

    /// The unit file's path as given.
    public let path: String
    /// Every assignment, the unit's first, then each drop-in's in the order applied.
    public private(set) var assignments: [Assignment] = []
    /// Lines systemd ignores (outside a section, no `=`), with why.
    public private(set) var problems: [Problem] = []
    /// The drop-ins applied, in order.
    public private(set) var dropIns: [String] = []
    /// Each file's lines, for inline suppression comments.
    public private(set) var lines: [String: [String]] = [:]

    /// Parses the unit's own text.
    public init(text: String, path: String) {
        self.path = path
        apply(text: text, file: path)
    }

    /// Applies a drop-in's text on top of what is there.
    public mutating func applyDropIn(text: String, path: String) {
        dropIns.append(path)
        apply(text: text, file: path)
    }

    mutating func apply(text: String, file: String) {
        let fileLines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        lines[file] = fileLines
        var section: String?
        var index = 0
        while index < fileLines.count {
            let start = index
            var line = fileLines[index].trimmingWhitespace()
            index += 1
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(";") { continue }
            // A trailing backslash joins the next line; comment lines inside the continuation are skipped.
            while Self.endsInContinuation(line) {
                line = String(line.dropLast()) + " "
                while index < fileLines.count, let first = fileLines[index].trimmingWhitespace().first,
                      first == "#" || first == ";" {
                    index += 1
                }
                guard index < fileLines.count else { break }
                line += fileLines[index].trimmingWhitespace()
                index += 1
            }
            line = line.trimmingWhitespace()
            if line.hasPrefix("[") {
                guard line.hasSuffix("]"), line.count > 2 else {
                    problems.append(Problem(message: "invalid section header '\(line)'", file: file, line: start + 1))
                    section = nil
                    continue
                }
                section = String(line.dropFirst().dropLast())
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                problems.append(Problem(message: "missing '=' in '\(Self.clip(line))', systemd ignores the line",
                                        file: file, line: start + 1))
                continue
            }
            guard let section else {
                problems.append(Problem(message: "assignment outside of a section, systemd ignores it",
                                        file: file, line: start + 1))
                continue
            }
            let key = String(line[..<equals]).trimmingWhitespace()
            let value = String(line[line.index(after: equals)...]).trimmingWhitespace()
            assignments.append(Assignment(section: section, key: key, value: value, file: file, line: start + 1))
        }
    }

    /// True when the line ends in an unescaped backslash.
    static func endsInContinuation(_ line: String) -> Bool {
        line.reversed().prefix { $0 == "\\" }.count % 2 == 1
    }

    static func clip(_ text: String) -> String { text.count > 40 ? String(text.prefix(37)) + "..." : text }

    /// Every assignment of `key` in `section`, in order.
    public func all(_ key: String, in section: String = "Service") -> [Assignment] {
        assignments.filter { $0.section == section && $0.key == key }
    }

    /// The assignment that decides a single-valued setting: the last one; nil when unset or reset by an empty
    /// assignment (systemd then uses the default). Several keys may set the same thing (`TimeoutSec=` sets
    /// `TimeoutStopSec=` too): the last of any of them wins.
    public func last(_ keys: String..., in section: String = "Service") -> Assignment? {
        guard let found = assignments.last(where: { $0.section == section && keys.contains($0.key) }),
              !found.value.isEmpty else { return nil }
        return found
    }

    /// The items of a list setting (`ExecStart=`, `ExecStop=`): every assignment since the last empty one.
    public func list(_ key: String, in section: String = "Service") -> [Assignment] {
        var items: [Assignment] = []
        for assignment in all(key, in: section) {
            if assignment.value.isEmpty { items.removeAll() } else { items.append(assignment) }
        }
        return items
    }

    /// True when the file has at least one section: a unit file rather than some other text.
    public var hasSections: Bool { !assignments.isEmpty || lines.values.contains { $0.contains { $0.hasPrefix("[") } } }

    /// systemd's booleans: 1/yes/y/true/t/on and 0/no/n/false/f/off, any case; nil for anything else.
    public static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "1", "yes", "y", "true", "t", "on": true
        case "0", "no", "n", "false", "f", "off": false
        default: nil
        }
    }
}

/// One command line of `ExecStart=`, `ExecStop=`, ... split the way systemd splits it (systemd.service(5),
/// "Command lines"): the special prefixes, then words with double and single quotes and C escapes; `$VAR` and
/// `${VAR}` and specifiers are kept as written.
public struct SystemdCommand: Sendable, Hashable {
    /// `-` (failure ignored), `@` (argv[0] given separately), `:` (no variable expansion), `+`, `!`, `!!`
    /// (privileges), as written.
    public var prefixes: String
    /// The words after the prefixes; with `@`, the first is the path and the second argv[0].
    public var words: [String]

    /// The executable path (the first word).
    public var executable: String { words.first ?? "" }

    /// The program's arguments, argv[1...] (with `@`, after the separate argv[0]).
    public var arguments: [String] { Array(words.dropFirst(prefixes.contains("@") ? 2 : 1)) }

    /// The executable's base name: `/usr/sbin/nginx` -> `nginx`.
    public var programName: String { executable.split(separator: "/").last.map(String.init) ?? executable }

    /// True when failure of the command is ignored (`-`).
    public var failureIgnored: Bool { prefixes.contains("-") }

    /// Parses one value of an `Exec*=` setting into its command lines; a lone `;` word separates several.
    public static func parse(_ value: String) -> [SystemdCommand] {
        var commands: [SystemdCommand] = []
        var words = splitWords(value)
        while !words.isEmpty {
            let end = words.firstIndex(of: ";") ?? words.endIndex
            var part = Array(words[..<end])
            words = end < words.endIndex ? Array(words[words.index(after: end)...]) : []
            guard var first = part.first else { continue }
            var prefixes = ""
            while let character = first.first, "-@:+!".contains(character) {
                prefixes.append(character)
                first.removeFirst()
            }
            if first.isEmpty { part.removeFirst() } else { part[0] = first }
            if !part.isEmpty || !prefixes.isEmpty { commands.append(SystemdCommand(prefixes: prefixes, words: part)) }
        }
        return commands
    }

    /// systemd's word splitting for command lines: whitespace separates, quotes group, backslash escapes;
    /// `\;` stays a literal `;` word part (only a bare `;` separates commands).
    static func splitWords(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        let iterator = Array(text)
        var index = 0
        func escaped(_ next: Character) -> String {
            switch next {
            case "n": "\n"
            case "t": "\t"
            case "\\", "\"", "'", " ": String(next)
            case ";": "\\;"
            default: "\\" + String(next)
            }
        }
        while index < iterator.count {
            let character = iterator[index]
            index += 1
            if let open = quote {
                if character == open {
                    quote = nil
                } else if character == "\\" && index < iterator.count && open == "\"" {
                    current += escaped(iterator[index])
                    index += 1
                } else {
                    current.append(character)
                }
            } else if character == " " || character == "\t" || character == "\n" {
                if inWord { words.append(current) }
                current = ""
                inWord = false
            } else if character == "\"" || character == "'" {
                quote = character
                inWord = true
            } else if character == "\\" && index < iterator.count {
                current += escaped(iterator[index])
                index += 1
                inWord = true
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }

    /// The command as one line, for messages.
    public var text: String {
        prefixes + words.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ")
    }
}
