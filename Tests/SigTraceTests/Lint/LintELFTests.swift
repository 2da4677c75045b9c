import Foundation
import Testing

@testable import SigTrace

/// Builds the binary variants the ELF rules must tell apart: static, stripped, Rust.
enum LintBinaries {
    /// Runs a build command; throws with its stderr when it fails.
    static func build(_ command: [String], output: String) throws -> String {
        try FileManager.default.createDirectory(atPath: Fixtures.outputDirectory, withIntermediateDirectories: true)
        let result = try run(command)
        guard result.exitCode == 0 else {
            throw FixtureError(message: "\(command.joined(separator: " ")): \(result.stderr)")
        }
        return output
    }

    /// fixtures/c/NAME.c linked statically, optionally stripped.
    static func staticC(_ name: String, stripped: Bool) throws -> String {
        let output = "\(Fixtures.outputDirectory)/\(name)-static\(stripped ? "-stripped" : "")"
        let source = "\(TestPaths.packageRoot)/fixtures/c/\(name).c"
        _ = try build(["cc", "-O1", "-static", "-o", output, source], output: output)
        if stripped { _ = try build(["strip", output], output: output) }
        return output
    }

    /// A stripped copy of a binary.
    static func strippedCopy(_ path: String) throws -> String {
        let output = path + "-stripped"
        return try build(["strip", "-o", output, path], output: output)
    }

    static var rustc: String? {
        ["/root/.cargo/bin/rustc", "/usr/bin/rustc", "/usr/local/bin/rustc"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        }
    }
}

extension ProcessTests {
    /// ELF rules on binaries built in the test run and on system binaries.
    @Suite struct LintELF {
        func lint(_ path: String) throws -> (BinaryFacts, [Finding]) {
            let (facts, findings) = BinaryLint.lint(path: path, display: path)
            return (try #require(facts, "\(path): \(findings)"), findings)
        }

        @Test func cWithSigaction() throws {
            let (facts, findings) = try lint(try Fixtures.c("lint-sigaction"))
            #expect(facts.runtime == .c)
            #expect(!facts.isStatic)
            #expect(facts.interpreter?.contains("ld-linux") == true)
            let arch = try String(contentsOfFile: "/proc/sys/kernel/arch", encoding: .utf8)
            #expect(facts.machine == arch.trimmingCharacters(in: .whitespacesAndNewlines))
            #expect(facts.signalAPIs == ["sigaction"])
            #expect(findings.map(\.rule) == ["signal-apis"])
        }

        @Test func cWithoutHandlerWarns() throws {
            let (facts, findings) = try lint(try Fixtures.c("lint-plain"))
            #expect(facts.signalAPIs.isEmpty)
            #expect(findings.map(\.rule) == ["no-signal-handling"])
            #expect(findings.first?.severity == .warning)
        }

        @Test func cWithSignalfd() throws {
            let (facts, findings) = try lint(try Fixtures.c("lint-signalfd"))
            #expect(facts.signalAPIs == ["signalfd", "sigprocmask"])
            #expect(findings.map(\.rule) == ["signal-apis"])
        }

        @Test func staticBinaryContainsLibcSignalCodeOnly() throws {
            let (facts, findings) = try lint(try LintBinaries.staticC("lint-plain", stripped: false))
            #expect(facts.isStatic)
            #expect(facts.interpreter == nil)
            #expect(facts.signalAPIs.contains("sigaction"))
            #expect(findings.map(\.rule) == ["signal-apis"])
            #expect(findings.first?.message.contains("static glibc links for its own use") == true)
        }

        @Test func staticSignalfdIsEvidence() throws {
            let (facts, findings) = try lint(try LintBinaries.staticC("lint-signalfd", stripped: false))
            #expect(facts.signalAPIs.contains("signalfd"))
            #expect(findings.first?.message.contains("contains") == true)
            #expect(findings.first?.message.contains("own use") == false)
        }

        @Test func staticStrippedHidesEverything() throws {
            let (facts, findings) = try lint(try LintBinaries.staticC("lint-sigaction", stripped: true))
            #expect(facts.stripped && facts.isStatic)
            #expect(findings.map(\.rule) == ["stripped-static-binary"])
            #expect(findings.first?.message.contains("hidden") == true)
        }

        @Test func strippedDynamicStillShowsImports() throws {
            let (facts, findings) = try lint(try LintBinaries.strippedCopy(try Fixtures.c("lint-sigaction")))
            #expect(facts.stripped)
            #expect(facts.signalAPIs == ["sigaction"])
            #expect(findings.map(\.rule) == ["stripped-binary", "signal-apis"])
        }

        @Test func goWithNotifyContext() throws {
            let path = try Fixtures.go("lint-notify")
            let (facts, findings) = try lint(path)
            #expect(facts.runtime == .go)
            #expect(facts.goBuildInfo?.goVersion?.hasPrefix("go1.") == true)
            #expect(facts.goBuildInfo?.mainModule == "example.com/lint-notify")
            #expect(facts.signalLibraries == ["os/signal.NotifyContext"])
            #expect(findings.map(\.rule) == ["go-signal-notify"])
            #expect(try ELFImage(path: path).isGo)
        }

        @Test func goBefore118PointsAtItsVersionAndModule() throws {
            let source = "\(TestPaths.packageRoot)/fixtures/c/lint-go-old-buildinfo.c"
            let fixed = "\(Fixtures.outputDirectory)/lint-go-old-buildinfo"
            _ = try LintBinaries.build(["cc", "-O1", "-no-pie", "-o", fixed, source], output: fixed)
            let (facts, _) = try lint(fixed)
            #expect(facts.runtime == .go)
            #expect(facts.goBuildInfo?.goVersion == "go1.16.15")
            #expect(facts.goBuildInfo?.mainModule == "example.com/legacy")
            #expect(facts.goBuildInfo?.mainPackage == "example.com/legacy/cmd/server")

            // Position-independent: the linker still writes the link-time addresses into the file (the loader
            // relocates them), and those are what the sections are numbered by.
            let pie = "\(Fixtures.outputDirectory)/lint-go-old-buildinfo-pie"
            _ = try LintBinaries.build(["cc", "-O1", "-pie", "-fPIE", "-o", pie, source], output: pie)
            let (pieFacts, _) = try lint(pie)
            #expect(pieFacts.goBuildInfo?.goVersion == "go1.16.15")
            #expect(pieFacts.goBuildInfo?.mainModule == "example.com/legacy")
        }

        @Test func goWithoutNotify() throws {
            let (facts, findings) = try lint(try Fixtures.go("lint-no-notify"))
            #expect(facts.signalLibraries.isEmpty)
            #expect(findings.map(\.rule) == ["go-no-signal-notify"])
            #expect(findings.first?.message.contains("example.com/lint-no-notify") == true)
        }

        @Test func strippedGoKeepsItsFunctionTable() throws {
            let stripped = try LintBinaries.strippedCopy(try Fixtures.go("lint-notify"))
            let (facts, findings) = try lint(stripped)
            #expect(facts.stripped)
            #expect(findings.map(\.rule) == ["go-signal-notify"])
            let plain = try LintBinaries.strippedCopy(try Fixtures.go("lint-no-notify"))
            #expect(try lint(plain).1.map(\.rule) == ["go-no-signal-notify"])
        }

        @Test func systemSleep() throws {
            let (facts, findings) = try lint("/bin/sleep")
            #expect(facts.runtime == .c)
            // Debian's sleep is stripped and dynamic, and imports no signal API: it dies of SIGTERM.
            #expect(facts.stripped && !facts.isStatic)
            #expect(findings.map(\.rule) == ["stripped-binary", "no-signal-handling"])
            let image = try ELFImage(path: "/bin/sleep")
            #expect(!image.isGo && !image.isSwift)
            #expect(image.sectionNames.contains(".text"))
        }

        @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/sbin/nginx"), "needs /usr/sbin/nginx (Debian nginx-light)"))
        func systemNginx() throws {
            let (facts, findings) = try lint("/usr/sbin/nginx")
            #expect(facts.signalAPIs.contains("sigaction"))
            #expect(findings.map(\.rule).contains("signal-apis"))
        }

        @Test func sigscopeItselfIsSwift() throws {
            let image = try ELFImage(path: TestPaths.sigscope)
            #expect(image.isSwift)
            #expect(!image.isGo)
            #expect(try lint(TestPaths.sigscope).0.runtime == .swift)
        }

        @Test func pythonIsAnInterpreter() throws {
            let python = try #require(["/usr/bin/python3", "/usr/local/bin/python3"].first {
                FileManager.default.fileExists(atPath: $0)
            })
            let resolved = URL(fileURLWithPath: python).resolvingSymlinksInPath().path
            let (facts, findings) = try lint(resolved)
            #expect(facts.runtime == .python)
            #expect(findings.map(\.rule) == ["interpreter-decides"])
        }

        @Test(.enabled(if: LintBinaries.rustc != nil, "needs rustc"))
        func rustWithoutSignalCrate() throws {
            let source = "\(Fixtures.outputDirectory)/lint-rust.rs"
            try FileManager.default.createDirectory(atPath: Fixtures.outputDirectory, withIntermediateDirectories: true)
            try "fn main() { std::thread::sleep(std::time::Duration::from_secs(60)); }\n"
                .write(toFile: source, atomically: true, encoding: .utf8)
            let output = "\(Fixtures.outputDirectory)/lint-rust"
            _ = try LintBinaries.build([LintBinaries.rustc!, "-o", output, source], output: output)
            let (facts, findings) = try lint(output)
            #expect(facts.runtime == .rust)
            #expect(facts.signalLibraries.isEmpty)
            #expect(findings.map(\.rule).contains("no-signal-handling"))
        }
    }
}

extension ProcessTests.LintELF {
    /// fixtures/lint/swift-lifecycle: a SwiftPM package using swift-service-lifecycle's UnixSignals, built in the
    /// test run (about 10 s; only the UnixSignals targets compile).
    @Test func swiftWithUnixSignals() throws {
        let binary = try Fixtures.swiftLifecycle()
        let (facts, findings) = try lint(binary)
        #expect(facts.runtime == .swift)
        #expect(facts.signalLibraries.contains("UnixSignals"))
        #expect(findings.map(\.rule) == ["swift-unix-signals"])
        #expect(try ELFImage(path: binary).isSwift)
    }
}

extension ProcessTests.LintELF {
    /// Crates cannot be fetched here, so a local stand-in crate named `signal_hook` is linked: detection works on
    /// the crate name that rustc mangles into every symbol of the crate, which this reproduces.
    @Test(.enabled(if: LintBinaries.rustc != nil, "needs rustc"))
    func rustWithSignalHookNamedCrate() throws {
        let directory = Fixtures.outputDirectory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "#[inline(never)] pub fn register(sig: i32) -> i32 { sig * 2 + std::process::id() as i32 }\n"
            .write(toFile: "\(directory)/signal_hook.rs", atomically: true, encoding: .utf8)
        try "fn main() { println!(\"{}\", signal_hook::register(15)); }\n"
            .write(toFile: "\(directory)/lint-rust-hook.rs", atomically: true, encoding: .utf8)
        let rustc = LintBinaries.rustc!
        _ = try LintBinaries.build([rustc, "--crate-type", "rlib", "--crate-name", "signal_hook", "--out-dir",
                                    directory, "\(directory)/signal_hook.rs"], output: directory)
        let output = "\(directory)/lint-rust-hook"
        let crate = "signal_hook=\(directory)/libsignal_hook.rlib"
        _ = try LintBinaries.build([rustc, "-L", directory, "--extern", crate,
                                    "-o", output, "\(directory)/lint-rust-hook.rs"], output: output)
        let (facts, findings) = try lint(output)
        #expect(facts.runtime == .rust)
        #expect(facts.signalLibraries == ["signal-hook"])
        #expect(findings.map(\.rule) == ["rust-signal-crate"])
    }
}
