import Foundation

/// A Dockerfile read the way BuildKit reads it: parser directives (`# escape=`), comments, line continuations
/// and heredocs, split into instructions with the line each starts on, grouped into build stages.
public struct Dockerfile: Sendable {
    /// One instruction, its continuation lines joined.
    public struct Instruction: Sendable, Hashable {
        /// The keyword in upper case: `FROM`, `CMD`, `ENTRYPOINT`, ...
        public var keyword: String
        /// Everything after the keyword, continuation lines joined with a space.
        public var arguments: String
        /// The 1-based line the instruction starts on.
        public var line: Int

        /// The JSON array of an exec-form CMD/ENTRYPOINT/SHELL, nil for shell form; `invalidJSON` is true for
        /// text that starts with `[` but is not an array of strings, which Docker then runs as shell form.
        public var execForm: (arguments: [String]?, invalidJSON: Bool) {
            let trimmed = arguments.trimmingWhitespace()
            guard trimmed.hasPrefix("[") else { return (nil, false) }
            guard let data = trimmed.data(using: .utf8),
                  let array = try? JSONSerialization.jsonObject(with: data) as? [Any],
                  let strings = array as? [String]
            else { return (nil, true) }
            return (strings, false)
        }
    }

    /// A build stage: `FROM base [AS name]` and the instructions up to the next FROM.
    public struct Stage: Sendable {
        public var base: String
        public var name: String?
        public var from: Instruction
        public var instructions: [Instruction]
    }

    /// The stages in order; the last one is the image that runs.
    public let stages: [Stage]
    /// The lines of the file, for inline suppression comments.
    public let lines: [String]

    /// Parses Dockerfile text. Unknown instructions are kept; nothing here throws, a file without FROM has no
    /// stages.
    public init(text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.hasSuffix("\r") ? String($0.dropLast()) : String($0)
        }
        self.lines = lines
        var escape: Character = "\\"
        var index = 0
        // Parser directives are `# key=value` comments before anything else.
        while index < lines.count {
            let line = lines[index].trimmingWhitespace()
            guard line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { break }
            let key = line.dropFirst().prefix(upTo: equals).trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if key == "escape", let first = value.first { escape = first }
            index += 1
        }
        var instructions: [Instruction] = []
        while index < lines.count {
            let start = index
            var line = lines[index]
            index += 1
            let trimmed = line.trimmingWhitespace()
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var joined = ""
            while true {
                let body = line.trimmingWhitespace()
                if body.last == escape {
                    joined += String(body.dropLast()).trimmingWhitespace() + " "
                    // Comment and empty lines inside a continuation are skipped, as BuildKit does.
                    while index < lines.count, lines[index].trimmingWhitespace().hasPrefix("#")
                        || lines[index].trimmingWhitespace().isEmpty {
                        index += 1
                    }
                    guard index < lines.count else { break }
                    line = lines[index]
                    index += 1
                } else {
                    joined += body
                    break
                }
            }
            let keywordEnd = joined.firstIndex(where: { $0 == " " || $0 == "\t" }) ?? joined.endIndex
            let keyword = joined[..<keywordEnd].uppercased()
            let arguments = String(joined[keywordEnd...]).trimmingWhitespace()
            instructions.append(Instruction(keyword: keyword, arguments: arguments, line: start + 1))
            if ["RUN", "COPY", "ADD"].contains(keyword) {
                index = Dockerfile.skipHeredocs(arguments, lines: lines, from: index)
            }
        }
        var stages: [Stage] = []
        for instruction in instructions {
            if instruction.keyword == "FROM" {
                let words = instruction.arguments.split(separator: " ").map(String.init).filter { !$0.hasPrefix("--") }
                let base = words.first ?? ""
                let name = words.count >= 3 && words[1].lowercased() == "as" ? words[2] : nil
                stages.append(Stage(base: base, name: name, from: instruction, instructions: []))
            } else if !stages.isEmpty {
                stages[stages.count - 1].instructions.append(instruction)
            }
        }
        self.stages = stages
    }

    /// The final stage's instructions with those of the stages it builds `FROM`, oldest first, so inherited
    /// CMD, ENTRYPOINT and STOPSIGNAL count.
    public var finalChain: [Stage] {
        guard var stage = stages.last else { return [] }
        var chain = [stage]
        var position = stages.count - 1
        while let earlier = stages[..<position].lastIndex(where: { $0.name?.lowercased() == stage.base.lowercased() }) {
            stage = stages[earlier]
            position = earlier
            chain.insert(stage, at: 0)
        }
        return chain
    }

    /// The image the final stage starts from, outside this file (`nginx:1.27`), after following stage names.
    public var externalBase: String? { finalChain.first?.base }

    /// Skips the bodies of heredocs (`RUN <<EOF ... EOF`) opened in an instruction's arguments.
    static func skipHeredocs(_ arguments: String, lines: [String], from start: Int) -> Int {
        var index = start
        var rest = Substring(arguments)
        while let open = rest.range(of: "<<") {
            var word = rest[open.upperBound...]
            let stripTabs = word.hasPrefix("-")
            if stripTabs { word = word.dropFirst() }
            let delimiter = word.prefix { !$0.isWhitespace && $0 != ">" && $0 != "|" && $0 != ";" }
                .filter { $0 != "\"" && $0 != "'" }
            rest = word
            guard !delimiter.isEmpty, delimiter.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
                continue
            }
            while index < lines.count {
                let line = stripTabs ? lines[index].trimmingWhitespace() : lines[index]
                index += 1
                if line == delimiter { break }
            }
        }
        return index
    }
}
