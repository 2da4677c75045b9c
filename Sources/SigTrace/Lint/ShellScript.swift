/// A POSIX shell script read far enough to tell what runs last and how: its simple commands in order, each with
/// the operator that follows it, whether it carries a redirection, and how deep it sits in compound commands
/// (`if`, loops, `case`, `{ }`, `( )`, function bodies).
///
/// It is not a full shell parser: it follows quotes, `$(...)`, backquotes, comments and line continuations, and
/// tells the `&` of a redirection (`2>&1`, `&>`) from a background `&`. That is what deciding "does the shell
/// exec its last command" needs.
struct ShellScript: Sendable, Hashable {
    /// What ends a simple command.
    enum Operator: String, Sendable {
        case sequence = ";"
        case and = "&&"
        case or = "||"
        case pipe = "|"
        case background = "&"
        case end = ""
    }

    /// One simple command.
    struct Command: Sendable, Hashable {
        /// Its words, quotes removed, redirections and leading `VAR=value` assignments dropped.
        var words: [String]
        /// True when it redirects input or output (`> file`, `2>&1`, `< in`).
        var redirects: Bool
        /// The operator after it.
        var next: Operator
        /// True when a pipe leads into it.
        var pipedInto: Bool
        /// How many compound commands enclose it; 0 at the top level.
        var depth: Int
        /// The compound commands enclosing it, innermost last: `if`, `while`, `for`, `until`, `case`, `{`, `(`,
        /// `function`.
        var enclosing: [String]
        /// The reserved word that introduced it inside its compound (`then`, `else`, `do`, ...), if any.
        var introducedBy: String?
        /// True when it is the last command of a branch of its compound (before `else`, `fi`, `;;`, `}`).
        var endsBranch = false
        /// The function whose body holds it, nil outside functions.
        var function: String?
        /// A number per enclosing compound, outermost first: commands sharing `blocks[n]` sit in one compound.
        var blocks: [Int] = []

        /// The program it runs: the first word after `exec` and its options, nil for a bare `exec` (redirections
        /// only) or an empty command.
        var program: String? {
            var rest = words[...]
            if rest.first == "exec" {
                rest = rest.dropFirst()
                while let first = rest.first, first.hasPrefix("-") { rest = rest.dropFirst() }
            }
            return rest.first
        }

        /// True for `exec prog ...` (not a bare `exec` that only redirects).
        var isExec: Bool { words.first == "exec" && program != nil }
    }

    /// The simple commands in order.
    let commands: [Command]
    /// True when the script ends inside an unfinished compound command or quote: the reading is uncertain.
    let unbalanced: Bool

    init(_ text: String) {
        var tokens = ShellScript.tokenize(text)[...]
        var commands: [Command] = []
        var stack: [String] = []
        var words: [String] = []
        var redirects = false
        var pipedInto = false
        var introducedBy: String?
        var expectingRedirectTarget = false
        var inCasePattern = false
        var functionNames: [String] = []
        // A unique number for each compound opened, parallel to `stack`, so commands of one block can be told
        // from those of the block before it.
        var path: [Int] = []
        var nextID = 0
        func finish(_ op: Operator) {
            if !words.isEmpty {
                var command = Command(words: words, redirects: redirects, next: op, pipedInto: pipedInto,
                                      depth: stack.count, enclosing: stack, introducedBy: introducedBy)
                command.function = stack.contains("function") ? functionNames.last : nil
                command.blocks = path
                commands.append(command)
                pipedInto = op == .pipe
                introducedBy = nil
            } else if op == .pipe {
                pipedInto = true
            }
            words = []
            redirects = false
            expectingRedirectTarget = false
        }
        /// The last command ends a branch of the compound being closed or continued.
        func endBranch() {
            if let last = commands.indices.last, commands[last].depth == stack.count, !stack.isEmpty {
                commands[last].endsBranch = true
            }
        }
        while let token = tokens.popFirst() {
            if inCasePattern {
                // `a|b)` patterns: skip up to the word that ends with `)`.
                if case .word(let word, _) = token {
                    if word == "esac" {
                        inCasePattern = false
                        if let index = stack.lastIndex(of: "case") {
                            stack.removeSubrange(index...)
                            path.removeSubrange(index...)
                        }
                    } else if word.hasSuffix(")") {
                        inCasePattern = false
                    }
                }
                continue
            }
            switch token {
            case .op(let op):
                switch op {
                case ";;":
                    finish(.sequence)
                    endBranch()
                    inCasePattern = true
                case "\n", ";":
                    finish(.sequence)
                default:
                    finish(Operator(rawValue: op) ?? .sequence)
                }
            case .redirection(let needsTarget):
                redirects = true
                expectingRedirectTarget = needsTarget
            case .word(let word, let quoted):
                if expectingRedirectTarget {
                    expectingRedirectTarget = false
                    continue
                }
                guard words.isEmpty, !quoted else {
                    words.append(word)
                    continue
                }
                switch word {
                case "if", "while", "until", "for", "select", "case", "{", "(":
                    stack.append(["while", "until", "for", "select"].contains(word) ? "loop" : word)
                    path.append(nextID)
                    nextID += 1
                    if word == "for" || word == "select" || word == "case" {
                        // `for x in a b` and `case $x in` are headers, not commands.
                        while let next = tokens.first, !next.isSeparator {
                            tokens.removeFirst()
                            if case .word("in", _) = next, word == "case" { break }
                        }
                        if word == "case" { inCasePattern = true }
                    }
                case "then", "do", "!":
                    introducedBy = word
                case "else", "elif":
                    endBranch()
                    introducedBy = word
                case "fi", "done", "esac", "}", ")":
                    endBranch()
                    let opened = ShellScript.closers[word]!
                    let index = word == "}" ? stack.lastIndex { $0 == "{" || $0 == "function" }
                        : stack.lastIndex(of: opened)
                    if let index {
                        if stack[index] == "function", !functionNames.isEmpty { functionNames.removeLast() }
                        stack.removeSubrange(index...)
                        path.removeSubrange(index...)
                    }
                case "function":
                    if let next = tokens.first, case .word(let name, _) = next {
                        functionNames.append(String(name.prefix { $0 != "(" }))
                    }
                    // `function name`, `function name()`, then `{` on this line or the next.
                    while let next = tokens.first, next != .word("{", quoted: false),
                          next == .op("\n") || { if case .word = next { return true } else { return false } }() {
                        tokens.removeFirst()
                    }
                    if tokens.first == .word("{", quoted: false) { tokens.removeFirst() }
                    stack.append("function")
                    path.append(nextID)
                    nextID += 1
                default:
                    if word.hasSuffix("()"),
                       tokens.drop(while: { $0 == .op("\n") }).first == .word("{", quoted: false) {
                        // `name() {` opens a function body whose commands do not run where they are written.
                        while tokens.first == .op("\n") { tokens.removeFirst() }
                        tokens.removeFirst()
                        functionNames.append(String(word.dropLast(2)))
                        stack.append("function")
                        path.append(nextID)
                        nextID += 1
                    } else if word.hasPrefix("("), word.count > 1, !word.hasPrefix("((") {
                        stack.append("(")
                        path.append(nextID)
                        nextID += 1
                        words.append(String(word.dropFirst()))
                    } else if let equals = word.firstIndex(of: "="), equals != word.startIndex,
                              word[..<equals].allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                        // A leading assignment is not the command.
                        continue
                    } else {
                        words.append(word)
                    }
                }
            }
            // A word glued to a closing `)` or `}` of a subshell or group: `(cd x; make)`.
            if case .word(let word, false) = token, words.last == word, word.count > 1, word.hasSuffix(")"),
               stack.last == "(", !word.contains("(") {
                words[words.count - 1] = String(word.dropLast())
                finish(.sequence)
                endBranch()
                stack.removeLast()
                path.removeLast()
            }
        }
        finish(.end)
        self.commands = commands
        self.unbalanced = !stack.isEmpty
    }

    static let closers: [String: String] = ["fi": "if", "done": "loop", "esac": "case", "}": "{", ")": "("]

    /// The commands that run last when the script (or the body of `function`) reaches its end: the last command
    /// at its top level, or, when it ends with an `if`, `case` or `{ }`, the last command of each branch. A final
    /// call of a function of the script is followed into the function's body. Empty when it ends in a loop.
    func finalCommands(function: String? = nil, seen: Set<String> = []) -> [Command] {
        let run = commands.filter { $0.function == function }
        guard let last = run.last else { return [] }
        let base = run.map(\.depth).min() ?? 0
        var ends: [Command]
        if last.depth == base {
            ends = [last]
        } else {
            guard last.enclosing.count > base, last.enclosing[base] != "loop" else { return [] }
            let block = last.blocks[base]
            ends = run.filter { $0.endsBranch && $0.depth == base + 1 && $0.blocks.count > base && $0.blocks[base] == block }
            if ends.isEmpty { ends = [last] }
        }
        return ends.flatMap { end -> [Command] in
            guard let program = end.program, !end.isExec, functions.contains(program), !seen.contains(program)
            else { return [end] }
            let inner = finalCommands(function: program, seen: seen.union([program]))
            return inner.isEmpty ? [end] : inner
        }
    }

    /// The script's final commands (see `finalCommands(function:)`).
    var finalCommands: [Command] { finalCommands() }

    /// The names of the functions the script defines.
    var functions: Set<String> { Set(commands.compactMap(\.function)) }

    /// True when a loop runs last (`while true; do ...; done`): the shell itself is the long-running process.
    var endsInLoop: Bool {
        let topLevel = commands.filter { $0.function == nil }
        return topLevel.last?.enclosing.first == "loop"
    }

    /// True when some command installs a TERM (or EXIT-only is not enough) trap that runs a command.
    var trapsTerm: Bool {
        commands.contains { command in
            command.words.first == "trap" && command.words.count >= 3 && !command.words[1].isEmpty
                && command.words.dropFirst(2).contains { ["TERM", "SIGTERM", "15"].contains($0.uppercased()) }
        }
    }

    /// True when some command is started in the background and the script `wait`s: the pattern that lets a TERM
    /// trap run while the program is running.
    var waitsForBackgroundJob: Bool {
        commands.contains { $0.next == .background } && commands.contains { $0.words.first == "wait" }
    }

    // MARK: Tokens

    enum Token: Sendable, Hashable {
        case word(String, quoted: Bool)
        case op(String)
        /// A redirection operator; `needsTarget` when a file word follows (`>` yes, `2>&1` no).
        case redirection(needsTarget: Bool)

        var isSeparator: Bool {
            if case .op(let op) = self { return op == "\n" || op == ";" || op == "&&" || op == "||" }
            return false
        }
    }

    static func tokenize(_ text: String) -> [Token] {
        let characters = Array(text)
        var tokens: [Token] = []
        var word = ""
        var quoted = false
        var inWord = false
        var index = 0
        func flush() {
            if inWord { tokens.append(.word(word, quoted: quoted)) }
            word = ""
            quoted = false
            inWord = false
        }
        func peek(_ offset: Int = 1) -> Character? {
            index + offset < characters.count ? characters[index + offset] : nil
        }
        // Heredocs opened on the current line, whose bodies start after its newline: (delimiter, strip tabs).
        var heredocs: [(String, Bool)] = []
        func skipHeredocBodies() {
            for (delimiter, stripTabs) in heredocs {
                while index < characters.count {
                    var end = index
                    while end < characters.count, characters[end] != "\n" { end += 1 }
                    var line = String(characters[index..<end])
                    if stripTabs { line = String(line.drop { $0 == "\t" }) }
                    index = end + 1
                    if line == delimiter { break }
                }
            }
            heredocs = []
        }
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\\":
                if peek() == "\n" {
                    index += 2
                    continue
                }
                if let next = peek() { word.append(next) }
                inWord = true
                index += 2
                continue
            case "'":
                inWord = true
                quoted = true
                index += 1
                while index < characters.count, characters[index] != "'" {
                    word.append(characters[index])
                    index += 1
                }
            case "\"":
                inWord = true
                quoted = true
                index += 1
                while index < characters.count, characters[index] != "\"" {
                    if characters[index] == "\\", index + 1 < characters.count {
                        index += 1
                    }
                    word.append(characters[index])
                    index += 1
                }
            case "`":
                inWord = true
                word.append(character)
                index += 1
                while index < characters.count, characters[index] != "`" {
                    word.append(characters[index])
                    index += 1
                }
                word.append("`")
            case "$" where peek() == "(" || peek() == "{":
                // $(...), $((...)) and ${...}: one word, whatever they contain.
                inWord = true
                let open = peek()!
                let close: Character = open == "(" ? ")" : "}"
                var depth = 0
                while index < characters.count {
                    let c = characters[index]
                    word.append(c)
                    if c == open { depth += 1 }
                    if c == close {
                        depth -= 1
                        if depth == 0 { break }
                    }
                    index += 1
                }
            case "#" where !inWord:
                while index < characters.count, characters[index] != "\n" { index += 1 }
                continue
            case " ", "\t", "\r":
                flush()
            case "\n", ";":
                flush()
                if character == "\n", !heredocs.isEmpty {
                    tokens.append(.op("\n"))
                    index += 1
                    skipHeredocBodies()
                    continue
                }
                if character == ";", peek() == ";" || peek() == "&" {
                    tokens.append(.op(";;"))
                    index += 2
                    continue
                }
                tokens.append(.op(String(character)))
            case "&":
                if peek() == "&" {
                    flush()
                    tokens.append(.op("&&"))
                    index += 2
                    continue
                }
                if peek() == ">" {
                    // &> file, &>> file
                    flush()
                    index += peek(2) == ">" ? 3 : 2
                    tokens.append(.redirection(needsTarget: true))
                    continue
                }
                flush()
                tokens.append(.op("&"))
            case "|":
                flush()
                if peek() == "|" {
                    tokens.append(.op("||"))
                    index += 2
                    continue
                }
                tokens.append(.op("|"))
            case ">", "<":
                // A file descriptor number right before belongs to the redirection: 2>&1, 1>file.
                if inWord, word.allSatisfy(\.isNumber), !quoted {
                    word = ""
                    inWord = false
                } else {
                    flush()
                }
                if character == "<", peek() == "<", peek(2) != "<" {
                    // A heredoc: its delimiter word follows; its body starts on the next line.
                    var end = index + 2
                    let stripTabs = end < characters.count && characters[end] == "-"
                    if stripTabs { end += 1 }
                    while end < characters.count, characters[end] == " " { end += 1 }
                    var delimiter = ""
                    while end < characters.count, !" \t\n;&|<>)".contains(characters[end]) {
                        if characters[end] != "'" && characters[end] != "\"" && characters[end] != "\\" {
                            delimiter.append(characters[end])
                        }
                        end += 1
                    }
                    if !delimiter.isEmpty { heredocs.append((delimiter, stripTabs)) }
                    tokens.append(.redirection(needsTarget: false))
                    index = end
                    continue
                }
                var end = index + 1
                while end < characters.count, characters[end] == ">" || characters[end] == "<"
                    || characters[end] == "|" {
                    end += 1
                }
                if end < characters.count, characters[end] == "&" {
                    // >&2, 2>&1, <&0, >&-: a duplication, no file word follows.
                    end += 1
                    while end < characters.count, characters[end].isNumber || characters[end] == "-" { end += 1 }
                    tokens.append(.redirection(needsTarget: false))
                } else if end < characters.count, characters[end] == "(" {
                    // Process substitution <(...) or >(...): a word.
                    tokens.append(.redirection(needsTarget: true))
                } else {
                    tokens.append(.redirection(needsTarget: true))
                }
                index = end
                continue
            default:
                inWord = true
                word.append(character)
            }
            index += 1
        }
        flush()
        return tokens
    }
}
