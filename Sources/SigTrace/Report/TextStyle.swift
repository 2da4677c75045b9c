import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Terminal styling: colour on a terminal unless `NO_COLOR` says otherwise, forced by `FORCE_COLOR` or
/// `--color always`, never with `--color never`.
public struct TextStyle: Sendable {
    /// `--color`: `auto` decides per output from the environment and whether it is a terminal.
    public enum ColorChoice: String, Sendable, CaseIterable {
        case auto, always, never
    }

    /// Whether escape sequences are emitted.
    public let colored: Bool

    public init(colored: Bool) { self.colored = colored }

    /// The process's `--color` choice, set once by the command line before anything renders.
    private static let choiceStorage = Atomic<Int>(0)

    public static var choice: ColorChoice {
        get { ColorChoice.allCases[choiceStorage.load(ordering: .relaxed)] }
        set { choiceStorage.store(ColorChoice.allCases.firstIndex(of: newValue) ?? 0, ordering: .relaxed) }
    }

    /// The style for a file descriptor, by `choice`, the environment and whether `fd` is a terminal.
    public static func forDescriptor(_ fd: Int32) -> TextStyle {
        func variable(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
        return TextStyle(colored: wantsColor(choice: choice, isTerminal: isatty(fd) == 1,
                                             noColor: variable("NO_COLOR"), forceColor: variable("FORCE_COLOR"),
                                             term: variable("TERM")))
    }

    /// Whether to colour: `--color always|never` decides; otherwise `FORCE_COLOR` (set, not empty, not `0` or
    /// `false`: force-color.org) colours even a pipe, then `NO_COLOR` (set, not empty: no-color.org) and
    /// `TERM=dumb` turn colour off, and a terminal gets colour.
    public static func wantsColor(choice: ColorChoice, isTerminal: Bool, noColor: String?, forceColor: String?,
                                  term: String?) -> Bool {
        switch choice {
        case .always: return true
        case .never: return false
        case .auto: break
        }
        if let force = forceColor, !force.isEmpty, force != "0", force.lowercased() != "false" { return true }
        if let noColor, !noColor.isEmpty { return false }
        return isTerminal && term != "dumb"
    }

    public func red(_ text: String) -> String { wrap(text, "31") }
    public func yellow(_ text: String) -> String { wrap(text, "33") }
    public func green(_ text: String) -> String { wrap(text, "32") }
    public func dim(_ text: String) -> String { wrap(text, "2") }
    public func bold(_ text: String) -> String { wrap(text, "1") }

    /// The text coloured by severity: red errors, yellow warnings, dim info.
    public func severity(_ severity: Severity, _ text: String) -> String {
        switch severity {
        case .error: red(text)
        case .warning: yellow(text)
        case .info: dim(text)
        }
    }

    private func wrap(_ text: String, _ code: String) -> String {
        colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}

/// Columns aligned by the visible width of each cell (escape sequences do not count).
public struct TextTable: Sendable {
    private var rows: [[String]] = []
    /// Columns whose cells are right-aligned (numbers).
    public var rightAligned: Set<Int> = []
    /// When set, the last column is word-wrapped so that no line is wider than this; its continuation lines
    /// start under the column.
    public var lineWidth: Int?

    public init(header: [String]? = nil) {
        if let header { rows.append(header) }
    }

    public mutating func append(_ row: [String]) { rows.append(row) }

    /// The table, one line per row, two spaces between columns, no trailing spaces.
    public func rendered() -> String {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (index, cell) in row.enumerated() { widths[index] = max(widths[index], TextTable.width(cell)) }
        }
        var lines: [String] = []
        lines.reserveCapacity(rows.count)
        for row in rows {
            var line = ""
            for (index, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[index] - TextTable.width(cell))
                if index > 0 { line += "  " }
                if rightAligned.contains(index) {
                    line += pad + cell
                } else if index == row.count - 1 {
                    let start = TextTable.width(line)
                    let wrapped = lineWidth.map { TextTable.wrap(cell, width: max($0 - start, 20)) } ?? [cell]
                    line += wrapped.joined(separator: "\n" + String(repeating: " ", count: start))
                } else {
                    line += cell + pad
                }
            }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }

    /// Words of `text` in lines of at most `width` visible characters (a longer word gets a line of its own).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            if current.isEmpty {
                current = String(word)
            } else if TextTable.width(current) + 1 + TextTable.width(String(word)) <= width {
                current += " " + word
            } else {
                lines.append(current)
                current = String(word)
            }
        }
        lines.append(current)
        return lines
    }

    /// The visible width: characters outside ANSI escape sequences.
    static func width(_ text: String) -> Int {
        var count = 0
        var inEscape = false
        for scalar in text.unicodeScalars {
            if inEscape {
                if scalar == "m" { inEscape = false }
            } else if scalar == "\u{1B}" {
                inEscape = true
            } else {
                count += 1
            }
        }
        return count
    }
}
