#if canImport(Glibc)
import Glibc
#endif

/// What `sigscope lint` learned about one ELF binary: its shape, runtime and the signal APIs it uses.
public struct BinaryFacts: Sendable, Hashable {
    public var bits: Int
    public var machine: String
    public var isStatic: Bool
    public var interpreter: String?
    public var stripped: Bool
    /// `go`, `rust`, `swift`, `c`, or the interpreter's name (`python`, `node`, `java`, ...).
    public var runtime: String
    /// The C signal APIs imported (dynamic) or contained (static), in catalog order.
    public var signalAPIs: [String]
    /// Language-level signal support found: `os/signal.Notify`, `signal-hook`, `UnixSignals`, ...
    public var signalLibraries: [String]
    public var goBuildInfo: GoBuildInfo?

    /// The facts as a JSON object with stable snake_case keys.
    public var json: JSONValue {
        .object([
            ("bits", .int(bits)), ("machine", .string(machine)), ("static", .bool(isStatic)),
            ("interpreter", .string(interpreter)), ("stripped", .bool(stripped)), ("runtime", .string(runtime)),
            ("signal_apis", .array(signalAPIs.map(JSONValue.string))),
            ("signal_libraries", .array(signalLibraries.map(JSONValue.string))),
            ("go_version", .string(goBuildInfo?.goVersion)), ("go_module", .string(goBuildInfo?.mainModule)),
        ])
    }
}

/// The ELF rules: runtime detection, the signal APIs a binary imports or contains, Go's `signal.Notify`,
/// Rust's signal crates, Swift's UnixSignals, and what stripping hides.
public enum BinaryLint {
    /// APIs that install a handler or wait for a signal: any of them means the program can react to SIGTERM.
    static let handlingAPIs = ["sigaction", "signal", "sigset", "bsd_signal", "__sysv_signal", "signalfd",
                               "sigwait", "sigwaitinfo", "sigtimedwait"]
    /// APIs that only block signals: alone, a blocked SIGTERM stays pending forever.
    static let blockingAPIs = ["sigprocmask", "pthread_sigmask"]
    /// APIs a static glibc contains for its own use, whatever the program does.
    static let libcInternalAPIs: Set<String> = ["sigaction", "sigprocmask", "pthread_sigmask"]
    /// Interpreters and VMs by executable name prefix, and the runtime name they report.
    static let interpreters: [(prefix: String, runtime: String)] = [
        ("python", "python"), ("node", "node"), ("nodejs", "node"), ("java", "java"), ("ruby", "ruby"),
        ("perl", "perl"), ("php", "php"), ("bun", "bun"), ("deno", "deno"), ("dotnet", "dotnet"),
    ]
    /// Symbol-name fragments of Rust crates that handle signals, legacy and v0 mangling alike.
    static let rustCrates: [(needle: String, name: String)] = [
        ("signal_hook", "signal-hook"), ("5tokio6signal", "tokio::signal"), ("5ctrlc", "ctrlc"),
    ]

    /// Lints the binary at `path`, naming it `display` in findings. Never throws: an unreadable or corrupt file
    /// becomes a finding.
    public static func lint(path: String, display: String) -> (facts: BinaryFacts?, findings: [Finding]) {
        let image: ELFImage
        do {
            image = try ELFImage(path: path)
        } catch {
            let rule = error.code == .unreadableFile ? Rule.fileUnreadable : Rule.elfCorrupt
            return (nil, [rule.finding(error.message, hint: "lint a complete, readable ELF binary", file: display)])
        }
        return lint(image, display: display)
    }

    /// Lints an open image.
    public static func lint(_ image: ELFImage, display: String) -> (facts: BinaryFacts?, findings: [Finding]) {
        let symtab = image.section(named: ".symtab")
        let strtab = symtab.flatMap { table in image.sections.first { $0.index == Int(table.link) } }
        let dynstr = image.section(named: ".dynstr")
        var facts = BinaryFacts(bits: image.bits, machine: image.machine, isStatic: image.isStatic,
                                interpreter: image.interpreter, stripped: symtab == nil, runtime: "c", signalAPIs: [],
                                signalLibraries: [], goBuildInfo: nil)
        if image.sections.isEmpty || (image.section(named: ".text") == nil && image.section(named: ".dynsym") == nil
            && image.section(named: ".gopclntab") == nil) {
            let finding = Rule.elfCorrupt.finding(
                "\(display): no readable sections (truncated, corrupt, or stripped of its section table)",
                hint: "lint the binary as built, not a damaged copy", file: display)
            return (facts, [finding])
        }
        if image.isGo {
            let findings = lintGo(image, facts: &facts, symtabStrings: strtab, display: display)
            return (facts, findings)
        }

        let name = image.path.split(separator: "/").last.map(String.init) ?? image.path
        let needed = image.neededLibraries
        if let interpreter = interpreterName(executable: name, needed: needed) {
            facts.runtime = interpreter
            let finding = Rule.interpreterDecides.finding(
                "\(name) is the \(interpreter) runtime: what SIGTERM does depends on the script it runs "
                    + "(\(interpreter) installs no SIGTERM handler by default)",
                hint: "run `sigscope check` on the real command line, and handle SIGTERM in the script",
                file: display)
            return (facts, [finding])
        }

        facts.signalAPIs = signalAPIs(image, symtab: symtab)
        let searched = [strtab, dynstr].compactMap { $0 }
        if isRust(image, searched: searched) {
            facts.runtime = "rust"
            for crate in rustCrates where searched.contains(where: { image.section($0, contains: crate.needle) }) {
                facts.signalLibraries.append(crate.name)
            }
        } else if image.isSwift {
            facts.runtime = "swift"
            if searched.contains(where: { image.section($0, contains: "11UnixSignals") }) {
                facts.signalLibraries.append("UnixSignals")
            }
            if searched.contains(where: { image.section($0, contains: "makeSignalSource") }) {
                facts.signalLibraries.append("DispatchSource.makeSignalSource")
            }
        } else if needed.contains(where: { $0.hasPrefix("libstdc++") || $0.hasPrefix("libc++") }) {
            facts.runtime = "c++"
        }
        return (facts, nativeFindings(facts, display: display))
    }

    /// The findings for a C, C++, Rust or Swift binary from its facts.
    static func nativeFindings(_ facts: BinaryFacts, display: String) -> [Finding] {
        var findings: [Finding] = []
        let verb = facts.isStatic ? "contains" : "imports"
        let kind = facts.isStatic ? "static" : "dynamic"
        if facts.isStatic && facts.stripped {
            findings.append(Rule.strippedStatic.finding(
                "static and stripped \(facts.runtime) binary: no symbol table and no dynamic imports, so whether it "
                    + "installs a SIGTERM handler, uses signalfd or sigwait is hidden",
                hint: "run `sigscope check` for a verdict, or lint an unstripped build", file: display))
            return findings
        }
        if facts.stripped {
            findings.append(Rule.stripped.finding(
                "stripped: only the dynamic imports are visible; signal handling in statically linked code "
                    + "(a bundled event loop, a Rust crate, a Swift package) is hidden",
                hint: "lint an unstripped build, or run `sigscope check`", file: display))
        }
        let found = facts.signalAPIs + facts.signalLibraries
        // Static glibc links sigaction, sigprocmask and pthread_sigmask for abort() and its threads whether
        // the program asks for signals or not: in a static binary only the other APIs are evidence.
        // Rust's std imports sigaction and signal for its own SIGSEGV guard pages and SIGPIPE: not evidence either.
        var runtimeOwn: Set<String> = facts.isStatic ? libcInternalAPIs : []
        if facts.runtime == "rust" { runtimeOwn.formUnion(["sigaction", "signal"]) }
        let evidence = found.filter { !runtimeOwn.contains($0) }
        let forecast = "a handler is only a forecast: run `sigscope check` to see SIGTERM handled in time"
        if !facts.signalLibraries.isEmpty {
            let rule = facts.runtime == "rust" ? Rule.rustSignalCrate
                : facts.runtime == "swift" ? Rule.swiftUnixSignals : Rule.signalAPIs
            var message = "\(kind) \(facts.runtime) binary links \(facts.signalLibraries.joined(separator: ", "))"
            if !facts.signalAPIs.isEmpty { message += "; it \(verb) \(facts.signalAPIs.joined(separator: ", "))" }
            findings.append(rule.finding(message, hint: forecast, file: display))
            return findings
        }
        if evidence.contains(where: { handlingAPIs.contains($0) }) {
            findings.append(Rule.signalAPIs.finding(
                "\(kind) \(facts.runtime) binary \(verb) \(found.joined(separator: ", "))", hint: forecast,
                file: display))
            return findings
        }
        if facts.isStatic && facts.runtime != "rust" && found.contains("sigaction") {
            findings.append(Rule.signalAPIs.finding(
                "static \(facts.runtime) binary contains \(found.joined(separator: ", ")), which static glibc "
                    + "links for its own use (abort, threads): whether the program installs a SIGTERM handler "
                    + "cannot be told from its symbols", hint: "run `sigscope check` for a verdict", file: display))
            return findings
        }
        let blocking = facts.signalAPIs.filter { blockingAPIs.contains($0) }
        var message = "\(kind) \(facts.runtime) binary \(verb) no signal handler or wait API ("
            + "sigaction, signal, signalfd, sigwait...)"
        if facts.runtime == "rust" && !found.isEmpty {
            message = "\(kind) rust binary links no signal crate (signal-hook, tokio::signal, ctrlc) and \(verb) "
                + "only \(found.joined(separator: ", ")), which Rust's std uses for its own SIGSEGV and SIGPIPE "
                + "handling"
        }
        if !blocking.isEmpty {
            message += "; it \(verb) \(blocking.joined(separator: ", ")), so a blocked SIGTERM would stay pending"
        }
        message += ": SIGTERM kills it at once with no cleanup, and as PID 1 of a container the kernel drops "
            + "SIGTERM so it is SIGKILLed when the grace period ends"
        if facts.stripped { message += " (stripped: statically linked handling would be hidden)" }
        findings.append(Rule.noSignalHandling.finding(
            message, hint: "handle SIGTERM (sigaction or signalfd) and exit after draining, or run it under tini",
            file: display))
        return findings
    }

    static func lintGo(_ image: ELFImage, facts: inout BinaryFacts, symtabStrings: ELFImage.Section?,
                       display: String) -> [Finding] {
        facts.runtime = "go"
        facts.goBuildInfo = GoBuildInfo(image: image)
        // The pclntab names every linked function, even in a stripped binary. PIE and externally linked Go
        // binaries fold it into .data.rel.ro.
        let places = [image.section(named: ".gopclntab"), symtabStrings, image.section(named: ".data.rel.ro")]
            .compactMap { $0 }
        for api in ["os/signal.NotifyContext", "os/signal.Notify"]
        where places.contains(where: { image.section($0, contains: api) }) {
            if api == "os/signal.Notify" && facts.signalLibraries.contains("os/signal.NotifyContext") { continue }
            facts.signalLibraries.append(api)
        }
        let details = [facts.goBuildInfo?.goVersion, facts.goBuildInfo?.mainModule.map { "module \($0)" }]
            .compactMap { $0 }
        let about = "Go binary" + (details.isEmpty ? " (no readable build info)" : " (\(details.joined(separator: ", ")))")
        if places.isEmpty {
            return [Rule.goNoSignalNotify.finding(
                "\(about): no function table (.gopclntab) or symbol table to look in, so whether "
                    + "os/signal.Notify is linked is hidden", hint: "run `sigscope check` for a verdict",
                file: display, severity: .info)]
        }
        if facts.signalLibraries.isEmpty {
            return [Rule.goNoSignalNotify.finding(
                "\(about) does not link os/signal.Notify or NotifyContext: the Go runtime catches SIGTERM, then "
                    + "re-raises it and dies at once without cleanup (as PID 1 it exits with status 2)",
                hint: "use signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt) and shut the server down "
                    + "with http.Server.Shutdown", file: display)]
        }
        return [Rule.goSignalNotify.finding(
            "\(about) links \(facts.signalLibraries.joined(separator: ", "))",
            hint: "check that it is called for SIGTERM: run `sigscope check`", file: display)]
    }

    /// The C signal APIs a binary imports (from `.dynsym`) or, when static, contains (from `.symtab`).
    static func signalAPIs(_ image: ELFImage, symtab: ELFImage.Section?) -> [String] {
        var found = Set<String>()
        let wanted = Set(handlingAPIs + blockingAPIs)
        func scan(_ section: ELFImage.Section, imports: Bool) {
            image.forEachSymbol(in: section) { name, defined in
                // Every wanted name starts with s, b, p or _: skip the rest without making a String.
                let first = UInt8(bitPattern: name[0])
                guard first == UInt8(ascii: "s") || first == UInt8(ascii: "p") || first == UInt8(ascii: "b")
                    || first == UInt8(ascii: "_"), imports != defined else { return true }
                let text = String(cString: name)
                if wanted.contains(text) { found.insert(text) }
                return true
            }
        }
        if let dynsym = image.section(named: ".dynsym") { scan(dynsym, imports: true) }
        if image.isStatic, let symtab { scan(symtab, imports: false) }
        if found.contains("__sysv_signal") {
            found.remove("__sysv_signal")
            found.insert("signal")
        }
        return (handlingAPIs + blockingAPIs).filter { found.contains($0) }
    }

    static func isRust(_ image: ELFImage, searched: [ELFImage.Section]) -> Bool {
        if let comment = image.section(named: ".comment"), image.section(comment, contains: "rustc") { return true }
        return searched.contains { image.section($0, contains: "rust_begin_unwind") }
    }

    static func interpreterName(executable: String, needed: [String]) -> String? {
        for (prefix, runtime) in interpreters where executable.hasPrefix(prefix) {
            let rest = executable.dropFirst(prefix.count)
            if rest.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) { return runtime }
        }
        if needed.contains(where: { $0.hasPrefix("libpython") }) { return "python" }
        if needed.contains(where: { $0.hasPrefix("libnode") }) { return "node" }
        if needed.contains(where: { $0.hasPrefix("libjvm") }) { return "java" }
        if needed.contains(where: { $0.hasPrefix("libruby") }) { return "ruby" }
        return nil
    }
}
