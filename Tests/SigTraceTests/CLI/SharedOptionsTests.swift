import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// The options every command shares (format, fail-on, pid, duration, signal) are read by the argument parser
    /// through one type each, so a bad value is refused with the same words whichever command it is given to.
    @Suite struct SharedOptions {
        /// The one stderr line of a refused invocation, with exit code 2 and nothing on stdout.
        func refusal(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
            let result = try run([TestPaths.sigscope] + arguments)
            #expect(result.exitCode == 2, "\(arguments)", sourceLocation: sourceLocation)
            #expect(result.stdout.isEmpty, "\(arguments)", sourceLocation: sourceLocation)
            #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)",
                    sourceLocation: sourceLocation)
            return result.stderr
        }

        @Test func aBadDurationIsRefusedWithTheSameWordsByEveryCommand() throws {
            let reason = "bad duration: 'soon' (use 30s, 1m30s, 500ms, 2h or plain seconds)"
            for (option, arguments) in [
                ("--grace", ["check", "--grace", "soon", "--", "true"]),
                ("--ready-timeout", ["check", "--ready-timeout", "soon", "--", "true"]),
                ("--pre-stop", ["check", "--pre-stop", "soon", "--", "true"]),
                ("--duration", ["watch", "--duration", "soon", "--", "true"]),
                ("--shutdown", ["lint", "--shutdown", "soon", "x.yaml"]),
                ("--margin", ["lint", "--margin", "soon", "x.yaml"]),
            ] {
                #expect(try refusal(arguments) == "sigscope: \(option): \(reason)\n")
            }
        }

        @Test func aBadProcessIdIsRefusedWithTheSameWordsByEveryCommand() throws {
            for (option, arguments) in [
                ("", ["inspect", "x1"]), ("--pid: ", ["watch", "--pid", "x1"]), ("-p: ", ["watch", "-p", "x1"]),
                ("--pid: ", ["check", "--pid", "x1"]),
            ] {
                #expect(try refusal(arguments) == "sigscope: \(option)not a process id: 'x1'\n")
            }
            // Spaces around a number are read the same way everywhere (inspect alone trimmed them before).
            #expect(try refusal(["watch", "--pid", " 0 "]) == "sigscope: --pid: not a process id: ' 0 '\n")
            #expect(try refusal(["inspect", " 0 "]) == "sigscope: not a process id: ' 0 '\n")
        }

        @Test func formatsAndFailOnAreRefusedByTheParserListingWhatTheCommandTakes() throws {
            let textOrJSON = "sigscope: The value 'xml' is invalid for '--format <format>'. "
                + "Please provide one of 'text' and 'json'.\n"
            #expect(try refusal(["inspect", "--format", "xml", "1"]) == "sigscope: The value 'xml' is invalid for "
                    + "'--format <format>'. Please provide one of 'text', 'json' or 'prometheus'.\n")
            #expect(try refusal(["watch", "--format", "xml", "--pid", "1"]) == textOrJSON)
            #expect(try refusal(["check", "--format", "sarif", "--", "true"])
                    == "sigscope: The value 'sarif' is invalid for '--format <format>'. "
                    + "Please provide one of 'text', 'json', 'junit' or 'github'.\n")
            let failOn = "sigscope: The value 'fatal' is invalid for '--fail-on <severity>'. "
                + "Please provide one of 'error', 'warning', 'info' or 'none'.\n"
            #expect(try refusal(["inspect", "--fail-on", "fatal", "1"]) == failOn)
            #expect(try refusal(["lint", "--fail-on", "fatal", "x.yaml"]) == failOn)
        }

        @Test func aBadSignalIsRefusedWithTheSameWords() throws {
            let reason = "unknown signal: NOPE (try TERM, SIGTERM, 15 or RTMIN+3)"
            #expect(try refusal(["check", "--signal", "NOPE", "--", "true"]) == "sigscope: --signal: \(reason)\n")
            #expect(try refusal(["watch", "--signal", "TERM,NOPE", "--pid", "1"]) == "sigscope: --signal: \(reason)\n")
            #expect(try refusal(["watch", "-e", "signal=TERM,NOPE", "--pid", "1"]) == "sigscope: -e: \(reason)\n")
            #expect(try refusal(["watch", "-e", "trace=openat", "--pid", "1"])
                    == "sigscope: -e trace=openat: sigscope traces signals only, give -e signal=LIST\n")
        }

        @Test func anUnknownOptionIsReportedAsUnknown() throws {
            // Before, a missing path or pid was reported first, as if the option had not been typed.
            for command in ["inspect", "check", "lint", "watch"] {
                #expect(try refusal([command, "--bogus"]) == "sigscope: Unknown option '--bogus'\n")
            }
            #expect(try refusal(["watch", "-x", "1"]) == "sigscope: Unknown option '-x'\n")
        }

        @Test func compoundDurationsReachTheCommands() throws {
            // 1m30s and 2m are read as Go and Kubernetes write them, and written back the same way.
            #expect(try refusal(["check", "--grace", "1m30s", "--pre-stop", "2m", "--", "true"])
                    == "sigscope: --pre-stop (2m) must be shorter than --grace (1m30s)\n")
        }

        @Test func everyDurationOptionSaysDuration() throws {
            for (command, options) in [
                ("check", ["--grace", "--ready-timeout", "--pre-stop"]), ("watch", ["--duration"]),
                ("lint", ["--shutdown", "--margin"]),
            ] {
                let help = try sigscope(command, "--help").stdout
                for option in options { #expect(help.contains("\(option) <duration>"), "\(command) \(option)") }
            }
            #expect(try sigscope("check", "--help").stdout.contains("(default: 30s)"))
        }

        @Test(.timeLimit(.minutes(1))) func straceHabitsAttachFilterAndWriteToAFile() throws {
            let target = try WatchTarget(["wait"])
            let path = NSTemporaryDirectory() + "sigscope-watch-o-\(UUID().uuidString).jsonl"
            defer { unlink(path) }
            let watch = try WatchSession(["-p", String(target.pid), "-o", path, "-e", "signal=USR2"])
            kill(target.pid, SIGUSR1)
            kill(target.pid, SIGUSR2)
            func written() -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }
            #expect(waitUntil { written().contains("\"SIGUSR2\"") })
            #expect(watch.finish(sending: SIGINT) == .exited(0))
            let events = WatchSession.parse(written())
            #expect(events.contains { $0.string("signal") == "SIGUSR2" && $0.int("pid") == Int(target.pid) })
            // SIGUSR1 (10) is delivered before SIGUSR2 (12) and was filtered out by -e.
            #expect(!events.contains { $0.string("signal") == "SIGUSR1" })
            #expect(watch.stdout.isEmpty)
        }
    }
}

extension ProcessTests {
    /// What Ctrl-C does to `watch -- CMD`, said before it happens and done as said. A terminal's Ctrl-C is SIGINT
    /// to its foreground process group: here sigscope leads a group of its own and the test signals that group.
    @Suite struct WatchInterrupt {
        @Test(.timeLimit(.minutes(1))) func ctrlCEndsTheCommandAndSaysSoBeforehand() throws {
            let watch = try WatchSession(["--", "sleep", "30"], newProcessGroup: true)
            let command = try #require(watch.watchedPids.first)
            // Before, it said "Ctrl-C detaches and leaves it running", and the command died.
            #expect(watch.stderr.contains("Ctrl-C reaches it too (same process group): SIGINT ends it unless it "
                                          + "handles it"))
            #expect(!watch.stderr.contains("leaves it running"))
            #expect(getpgid(command) == watch.process.pid)
            #expect(watch.waitForEvent { $0.string("event") == "exec" } != nil)
            kill(-watch.process.pid, SIGINT)
            // sigscope detaches; whether it saw the command's SIGINT before letting go is a race (130 or 0).
            let status = watch.finish(sending: nil)
            #expect(status == .exited(130) || status == .exited(0), "\(String(describing: status))")
            // The command got the SIGINT too and died of it (gone, or a zombie waiting for its new parent).
            #expect(waitUntil {
                let state = try? ProcStatus(parsing: try ProcFiles().read("/proc/\(command)/status")).state
                return state == nil || state == "Z"
            })
        }

        @Test(.timeLimit(.minutes(1))) func detachOnInterruptKeepsTheCommandOutOfCtrlCsReach() throws {
            let watch = try WatchSession(["--detach-on-interrupt", "--", "sleep", "30"], newProcessGroup: true)
            let command = try #require(watch.watchedPids.first)
            defer { kill(command, SIGKILL) }
            #expect(watch.stderr.contains("it has its own process group: Ctrl-C detaches, leaving it running"))
            #expect(getpgid(command) == command)
            #expect(watch.waitForEvent { $0.string("event") == "exec" } != nil)
            kill(-watch.process.pid, SIGINT)
            #expect(watch.finish(sending: nil) == .exited(0))
            #expect(watch.events.contains { $0.string("event") == "detached" && $0.string("state") == "running" })
            let status = try ProcStatus(parsing: try ProcFiles().read("/proc/\(command)/status"))
            #expect(status.tracerPid == 0 && status.state == "S")
        }

        /// The kernel backend (the default as root) stops nothing, so Ctrl-C ends the watch; the command is kept
        /// out of Ctrl-C's reach by --detach-on-interrupt there too, and dies of it without.
        @Test(.timeLimit(.minutes(1)), arguments: [true, false])
        func kernelBackendDoesWhatItSaysOnCtrlC(detach: Bool) throws {
            if let reason = KernelSignalTracer.unavailableReason() {
                print("skipped: the kernel backend is unavailable here (\(reason))")
                return
            }
            let watch = try WatchSession((detach ? ["--detach-on-interrupt"] : []) + ["--", "sleep", "30"],
                                         backend: "kernel", newProcessGroup: true)
            let command = try #require(watch.watchedPids.first)
            defer { kill(command, SIGKILL) }
            if detach {
                #expect(watch.stderr.contains("it has its own process group: Ctrl-C ends the watch, leaving it running"))
                #expect(getpgid(command) == command)
            } else {
                #expect(watch.stderr.contains("Ctrl-C reaches it too (same process group)"))
                #expect(getpgid(command) == watch.process.pid)
            }
            #expect(waitUntil { ProcReader().readCmdline(command).first == "sleep" })
            kill(-watch.process.pid, SIGINT)
            let status = watch.finish(sending: nil)
            #expect(status == .exited(0) || status == .exited(130), "\(String(describing: status))")
            let state = { try? ProcStatus(parsing: try ProcFiles().read("/proc/\(command)/status")).state }
            if detach {
                #expect(state() == "S", "the command must survive Ctrl-C")
            } else {
                #expect(waitUntil { state() == nil || state() == "Z" }, "the command shares the group: SIGINT ends it")
            }
        }

        @Test func detachOnInterruptNeedsACommand() throws {
            let result = try sigscope("watch", "--detach-on-interrupt", "--pid", "1")
            #expect(result.exitCode == 2)
            #expect(result.stderr == "sigscope: --detach-on-interrupt applies to a command started after --\n")
        }
    }
}
