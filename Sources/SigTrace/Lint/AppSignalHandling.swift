import Foundation

/// Whether an interpreted app installs a SIGTERM handler, read from its source in the build context: Node's
/// `process.on('SIGTERM', ...)`, Python's `signal.signal(signal.SIGTERM, ...)` or `loop.add_signal_handler`, PHP's
/// `pcntl_signal(SIGTERM, ...)`, and the frameworks that install one for the app (Django's `runserver` autoreloader,
/// werkzeug's reloader under `app.run(debug=True)`, uvicorn, aiohttp's `run_app`, ReactPHP's `addSignal`).
struct AppSignalHandling: Sendable {
    /// What the source shows.
    enum Evidence: Sendable, Equatable {
        /// A handler, where and what.
        case handles(file: String, line: Int, what: String)
        /// Source files were read and none installs a handler.
        case noHandler(files: Int)
        /// The app's source is not in the build context (built elsewhere, downloaded, or a REPL with no script).
        case noSource
    }

    /// The language, which decides the files and patterns.
    enum Language: String, Sendable {
        case javascript, python, php

        var extensions: Set<String> {
            switch self {
            case .javascript: ["js", "mjs", "cjs", "ts", "mts"]
            case .python: ["py"]
            case .php: ["php"]
            }
        }

        /// Source patterns that install a TERM handler (case-sensitive substrings after whitespace is removed).
        var handlerPatterns: [(pattern: String, what: String)] {
            switch self {
            case .javascript:
                ["process.on('SIGTERM'", "process.on(\"SIGTERM\"", "process.on(`SIGTERM`", "process.once('SIGTERM'",
                 "process.once(\"SIGTERM\"", "process.addListener('SIGTERM'", "process.addListener(\"SIGTERM\""]
                    .map { ($0, "\($0)...)") }
            case .python:
                [("signal.signal(signal.SIGTERM", "signal.signal(signal.SIGTERM, ...)"),
                 ("signal.signal(SIGTERM", "signal.signal(SIGTERM, ...)"),
                 ("add_signal_handler(signal.SIGTERM", "loop.add_signal_handler(signal.SIGTERM, ...)"),
                 ("add_signal_handler(SIGTERM", "loop.add_signal_handler(SIGTERM, ...)"),
                 ("uvicorn.run(", "uvicorn.run(), whose server handles TERM"),
                 ("uvicorn.Server(", "uvicorn.Server, which handles TERM"),
                 ("web.run_app(", "aiohttp's run_app, which handles TERM"),
                 // A launcher script that replaces itself: the program it execs is PID 1, not Python.
                 ("os.execv", "os.exec*, which replaces Python with the program it starts"),
                 ("os.execl", "os.exec*, which replaces Python with the program it starts")]
            case .php:
                [("pcntl_signal(SIGTERM", "pcntl_signal(SIGTERM, ...)"),
                 ("pcntl_signal(\\SIGTERM", "pcntl_signal(SIGTERM, ...)"),
                 ("addSignal(SIGTERM", "the event loop's addSignal(SIGTERM, ...)"),
                 ("addSignal(\\SIGTERM", "the event loop's addSignal(SIGTERM, ...)")]
            }
        }

        /// The language of a runtime knowledge entry.
        init?(runtime id: String) {
            switch id {
            case "node": self = .javascript
            case "python": self = .python
            case "php": self = .php
            default: return nil
            }
        }
    }

    /// Directories never read: dependencies and tests.
    static let skipped: Set<String> = ["node_modules", ".git", "vendor", ".venv", "venv", "__pycache__", "test",
                                       "tests", "spec", "e2e", "dist-test"]
    /// How much source is read at most.
    static let maximumFiles = 2000

    /// Looks for a handler in `directory`, and for framework behaviour in the app's own command line (`argv`,
    /// after the interpreter).
    static func evidence(language: Language, directory: String?, argv: [String]) -> Evidence {
        if language == .python, argv.contains("runserver"), !argv.contains("--noreload") {
            return .handles(file: argv.first ?? "manage.py", line: 0,
                            what: "Django's runserver, whose autoreloader handles TERM")
        }
        guard let directory else { return .noSource }
        var files = 0
        let manager = FileManager.default
        guard let walker = manager.enumerator(atPath: directory) else { return .noSource }
        while let relative = walker.nextObject() as? String, files < maximumFiles {
            let name = (relative as NSString).lastPathComponent
            if skipped.contains(name) {
                walker.skipDescendants()
                continue
            }
            guard language.extensions.contains((name as NSString).pathExtension) else { continue }
            let path = (directory as NSString).appendingPathComponent(relative)
            guard let text = BuildContext.readText(path) else { continue }
            files += 1
            if let found = handler(in: text, language: language) {
                return .handles(file: relative, line: found.line, what: found.what)
            }
        }
        return files == 0 ? .noSource : .noHandler(files: files)
    }

    /// The first handler installed in one source file, with its 1-based line.
    static func handler(in text: String, language: Language) -> (line: Int, what: String)? {
        var number = 0
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            number += 1
            let line = rawLine.filter { $0 != " " && $0 != "\t" }
            if line.hasPrefix("//") || line.hasPrefix("#") || line.hasPrefix("*") { continue }
            for (pattern, what) in language.handlerPatterns where line.contains(pattern) {
                return (number, what)
            }
            // werkzeug's reloader (Flask's app.run(debug=True) or use_reloader=True) installs a TERM handler.
            if language == .python, line.contains(".run("),
               line.contains("debug=True") || line.contains("use_reloader=True") {
                return (number, "app.run(debug=True), whose werkzeug reloader handles TERM")
            }
        }
        return nil
    }
}
