import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// inspect reads a Go program's own record of signal.Notify (runtime.sig's wanted mask) from its memory, and
    /// each verdict is then proven by sending SIGTERM: "Notify(SIGTERM) active: no" dies of it, "yes" exits 0.
    @Suite struct GoNotifyRecordTests {
        /// fixtures/go/notify-record built as a plain static executable, as a PIE, and stripped of its symbols.
        static func build(_ variant: String) throws -> String {
            let plain = try Fixtures.go("notify-record")
            guard variant != "plain" else { return plain }
            let output = "\(Fixtures.outputDirectory)/go-notify-record-\(variant)"
            if FileManager.default.fileExists(atPath: output),
               let built = try? FileManager.default.attributesOfItem(atPath: output)[.modificationDate] as? Date,
               let source = try? FileManager.default.attributesOfItem(atPath: plain)[.modificationDate] as? Date,
               built >= source {
                return output
            }
            let flags = variant == "pie" ? ["-buildmode=pie"] : ["-ldflags=-s -w"]
            let result = try run(["go", "build"] + flags + ["-o", output, "."],
                                 directory: "\(TestPaths.packageRoot)/fixtures/go/notify-record",
                                 environment: ["CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"])
            guard result.exitCode == 0 else { throw FixtureError(message: "go build \(variant): \(result.stderr)") }
            return output
        }

        func inspectThenTerm(_ binary: String, _ arguments: [String]) throws -> (ProcessReport, SigTrace.ExitStatus?) {
            let process = try FixtureProcess([binary] + arguments)
            let report = try Inspector().inspect(process.pid)
            kill(process.pid, SIGTERM)
            return (report, process.running.process.killAndReap(after: .seconds(5)))
        }

        @Test(arguments: ["plain", "pie"]) func notifyRecordIsReadAndRight(variant: String) throws {
            let binary = try Self.build(variant)
            let (asked, askedExit) = try inspectThenTerm(binary, ["-notify"])
            #expect(asked.runtime == .go)
            #expect(asked.goSignals?.wanted.contains(.term) == true, "\(variant): no record read")
            #expect(asked.disposition(.term).outcome == .handled)
            #expect(asked.findings.map(\.rule) == ["runtime-catch-all"])
            #expect(asked.findings.first?.message.contains("Notify(SIGTERM) active: yes") == true)
            #expect(askedExit == .exited(0))

            let (never, neverExit) = try inspectThenTerm(binary, [])
            #expect(never.goSignals?.inUse == false)
            #expect(never.goSignals?.wanted.contains(.term) == false)
            #expect(never.disposition(.term).outcome == .terminates)
            #expect(never.findings.map(\.rule) == ["sigterm-not-caught"])
            #expect(never.findings.first?.message.contains("Notify(SIGTERM) active: no") == true)
            #expect(neverExit == .signaled(.term, coreDumped: false))

            // The CLI says it in the header line, in those words.
            let process = try FixtureProcess([binary, "-notify"])
            let text = try sigscope("inspect", String(process.pid))
            #expect(text.stdout.contains("Notify(SIGTERM) active: yes"), "\(text.stdout)")
            let json = try sigscope("inspect", String(process.pid), "--format", "json")
            #expect(json.stdout.contains("\"go_notify\""))
        }

        /// signal.Stop clears the runtime's wanted bit: the record follows the program, and so does SIGTERM's fate.
        @Test func stopClearsTheRecord() throws {
            let binary = try Self.build("plain")
            let process = try FixtureProcess([binary, "-notify", "-stop-on-usr1"])
            #expect(try Inspector().inspect(process.pid).goSignals?.wanted.contains(.term) == true)
            kill(process.pid, SIGUSR1)
            #expect(waitUntil { process.output.contains("stopped") })
            let report = try Inspector().inspect(process.pid)
            #expect(report.goSignals?.wanted.contains(.term) == false)
            #expect(report.goSignals?.inUse == true)
            #expect(report.disposition(.term).outcome == .terminates)
            kill(process.pid, SIGTERM)
            #expect(process.running.process.killAndReap(after: .seconds(5)) == .signaled(.term, coreDumped: false))
        }

        /// Without a symbol table there is no record to read: the forecast says the runtime decides.
        @Test func strippedBinaryLeavesItToTheRuntime() throws {
            let binary = try Self.build("stripped")
            let (report, exit) = try inspectThenTerm(binary, ["-notify"])
            #expect(report.goSignals == nil)
            #expect(report.disposition(.term).outcome == .runtimeDecides)
            #expect(report.findings.map(\.rule) == ["runtime-catch-all"])
            #expect(exit == .exited(0))
        }
    }
}
