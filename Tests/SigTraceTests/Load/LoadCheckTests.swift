import Foundation
import Testing

@testable import SigTrace

extension ProcessTests {
    /// `check --load` through real shutdowns: the seed's story (a Go service that handles SIGTERM but closes its
    /// listener at once fails under Kubernetes' deregistration window and passes with a preStop sleep).
    @Suite struct LoadCheckTests {
        let server: String

        init() throws { server = try Fixtures.go("server") }

        static func load(_ check: CheckRun) -> [String: Any] { check.json["load"] as? [String: Any] ?? [:] }

        static func phase(_ check: CheckRun, _ name: String) -> [String: Any] {
            (load(check)["phases"] as? [[String: Any]] ?? []).first { $0["phase"] as? String == name } ?? [:]
        }

        @Test func serviceClosingItsListenerAtOnceFailsKubernetesAndPassesWithAPreStopSleep() throws {
            let port = freePort()
            let url = "http://127.0.0.1:\(port)/"
            let failing = try CheckRun(["--platform", "kubernetes", "--load", "200/s", "--keepalive", "2",
                                        "--load-url", url, "--", server, "-addr", "127.0.0.1:\(port)"])
            // It handles SIGTERM (Shutdown, exit 0), yet new requests are refused inside the 3 s window.
            #expect(failing.exit?["code"] as? Int == 0)
            #expect(failing.verdict == "fail", "\(failing.result.stdout)")
            #expect(failing.severity(of: "requests-failed-while-deregistering") == "error")
            let load = Self.load(failing)
            let failed = load["failed_while_deregistering"] as? Int ?? 0
            // About 200/s for the 3 s after SIGTERM: hundreds, not a handful.
            #expect(failed > 300, "\(load)")
            let finding = (failing.json["findings"] as? [[String: Any]] ?? []).first {
                $0["rule"] as? String == "requests-failed-while-deregistering"
            }
            #expect((finding?["message"] as? String)?.hasPrefix("\(failed) requests failed") == true)
            #expect((finding?["hint"] as? String)?.contains("preStop sleep of at least 3 s") == true)
            #expect(Self.phase(failing, "before_signal")["refused"] as? Int == 0)
            #expect((Self.phase(failing, "before_signal")["ok"] as? Int ?? 0) >= 50)
            failing.assertNothingLeft()

            let passing = try CheckRun(["--platform", "kubernetes", "--pre-stop", "3s", "--load", "200/s",
                                        "--keepalive", "2", "--load-url", url, "--", server,
                                        "-addr", "127.0.0.1:\(port)"])
            #expect(passing.verdict == "pass", "\(passing.result.stdout)")
            #expect(Self.load(passing)["failed_while_deregistering"] as? Int == 0)
            // Go's Shutdown closes idle kept-alive connections without Connection: close, but at the signal, once
            // the 3 s window the preStop covered has passed: what keepalive-reset's hint asks for.
            #expect(!passing.rules.contains("keepalive-reset"), "\(passing.result.stdout)")
            // The refusals after the window are tallied but not counted against it.
            #expect((Self.phase(passing, "after_listener_close")["refused"] as? Int ?? 0) > 0)
            passing.assertNothingLeft()
        }

        /// The kubelet sends the signal when the pre-stop ends and counts the grace period from its start:
        /// sigscope's own work (settling, forecast, tracer) comes before the pre-stop, so the timeline, the JSON
        /// and the SIGKILL agree with that. A service that drains for 5 s is killed 2 s after the pre-stop began.
        @Test func theSignalGoesOutWhenThePreStopEndsAndGraceCountsFromItsStart() throws {
            let port = freePort()
            let check = try CheckRun(["--pre-stop", "1s", "--grace", "2s", "--load", "50/s",
                                      "--load-url", "http://127.0.0.1:\(port)/", "--", server,
                                      "-addr", "127.0.0.1:\(port)", "-drain-delay", "5s"])
            let timeline = check.json["timeline"] as? [[String: Any]] ?? []
            func at(_ kind: String) -> Double? {
                timeline.first { $0["kind"] as? String == kind }?["seconds"] as? Double
            }
            let preStop = try #require(at("pre-stop"), "\(timeline)")
            let signal = try #require(at("signal"), "\(timeline)")
            let kill = try #require(at("sigkill"), "\(timeline)")
            #expect(signal - preStop >= 1 && signal - preStop < 1.04, "\(timeline)")
            // SIGKILL follows the read of what the tree still holds (a walk over /proc, which took over a second on
            // a machine with a load of 9), so only its lower bound is exact; before the pre-stop came first, it
            // was due 2 s plus sigscope's own work after the pre-stop's start.
            #expect(kill - preStop >= 2 && kill - signal < 2, "\(timeline)")
            let moments = Self.load(check)
            let start = try #require(moments["termination_start_seconds"] as? Double, "\(Self.load(check))")
            #expect(abs(start + (signal - preStop)) < 0.002, "\(start) vs \(signal - preStop)")
            check.assertNothingLeft()
        }

        /// `--platform kubernetes` without `--load`: the 3 s window went untested and the probe saw the listener
        /// close inside it, which is a warning naming it; with a 3 s pre-stop it closed after the window, which is
        /// an info. The report still draws the moments on a time axis.
        @Test func kubernetesWithoutLoadSaysTheWindowWentUntestedAndDrawsTheMoments() throws {
            let port = freePort()
            let url = "http://127.0.0.1:\(port)/"
            let directory = NSTemporaryDirectory() + "sigscope-report-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let page = directory + "/shutdown.html"
            let closing = try CheckRun(["--platform", "kubernetes", "--grace", "5s", "--probe", url, "--report", page,
                                        "--", server, "-addr", "127.0.0.1:\(port)"])
            #expect(closing.verdict == "pass", "\(closing.result.stdout)")
            // The warning stands on the probe's refusal: the probe keeps trying until the window ends or it is
            // refused, so the refusal after the listener closed (or the exit) is always seen.
            let closedAt = (closing.json["probe"] as? [String: Any])?["listener_closed_seconds"] as? Double
            #expect(closedAt.map { $0 < 3 } == true, "\(closing.json["probe"] ?? "no probe")")
            #expect(closing.severity(of: "deregistration-window-untested") == "warning", "\(closing.result.stdout)")
            let finding = (closing.json["findings"] as? [[String: Any]] ?? []).first {
                $0["rule"] as? String == "deregistration-window-untested"
            }
            let message = finding?["message"] as? String ?? ""
            #expect(message.contains("into the 3 s deregistration window of --platform kubernetes"), "\(message)")
            // Refused after the exit: the finding says the service was gone by then.
            let shutdown = closing.json["shutdown_seconds"] as? Double ?? 99
            if let closedAt, closedAt >= shutdown {
                #expect(message.contains("(the service had exited "), "\(message)")
            }
            let hint = finding?["hint"] as? String ?? ""
            #expect(hint.contains("preStop sleep of at least 3 s") && hint.contains("--load RATE"), "\(hint)")
            let texts = (closing.json["timeline"] as? [[String: Any]] ?? []).compactMap { $0["text"] as? String }
            #expect(texts.contains { $0.contains("not tested: no --load sent requests through it") }, "\(texts)")
            let html = try String(contentsOfFile: page, encoding: .utf8)
            #expect(html.contains("<svg") && !html.contains("<script") && !html.contains("src="))
            for label in [">SIGTERM</text>", ">listener closed</text>", ">exit</text>", ">grace end</text>",
                          "class=\"window\""] {
                #expect(html.contains(label), "\(label) missing")
            }
            closing.assertNothingLeft()
            try LoadServersTests.screenshot(page, directory: directory)

            let covered = try CheckRun(["--platform", "kubernetes", "--pre-stop", "3s", "--grace", "6s", "--probe",
                                        url, "--", server, "-addr", "127.0.0.1:\(port)"])
            #expect(covered.verdict == "pass", "\(covered.result.stdout)")
            #expect(covered.severity(of: "deregistration-window-untested") == "info", "\(covered.result.stdout)")
            covered.assertNothingLeft()
        }

        @Test func keepingAcceptingThroughTheWindowPassesWithoutPreStop() throws {
            let port = freePort()
            let check = try CheckRun(["--deregistration-delay", "1s", "--grace", "5s", "--load", "200/s",
                                      "--load-url", "http://127.0.0.1:\(port)/", "--", server,
                                      "-addr", "127.0.0.1:\(port)", "-drain-delay", "1200ms"])
            #expect(check.verdict == "pass", "\(check.result.stdout)")
            let drain = Self.phase(check, "drain")
            // Served for the whole 1.2 s drain delay at 200/s.
            #expect((drain["ok"] as? Int ?? 0) > 150, "\(drain)")
            #expect(Self.load(check)["failed_while_deregistering"] as? Int == 0)
            check.assertNothingLeft()
        }

        @Test func serviceThatExitsAtOnceCutsAndRefusesInsideTheWindow() throws {
            let port = freePort()
            let check = try CheckRun(["--deregistration-delay", "1s", "--grace", "5s", "--load", "200/s",
                                      "--load-url", "http://127.0.0.1:\(port)/", "--", server,
                                      "-addr", "127.0.0.1:\(port)", "-cut"])
            #expect(check.verdict == "fail")
            #expect(check.rules.contains("requests-failed-while-deregistering"))
            let refused = Self.phase(check, "after_listener_close")["refused"] as? Int ?? 0
            #expect(refused > 100, "\(Self.load(check))")
            check.assertNothingLeft()
        }

        @Test func loadOptionsAreCheckedAsBadInput() throws {
            for arguments in [["--load", "fast", "--load-url", "http://127.0.0.1:1/"], ["--load", "10/s"],
                              ["--deregistration-delay", "3s"], ["--platform", "openshift"],
                              ["--load", "10/s", "--load-url", "https://127.0.0.1/"]] {
                let result = try run([TestPaths.sigscope, "check"] + arguments + ["--", "/bin/true"])
                #expect(result.exitCode == 2, "\(arguments): \(result.stderr)")
                #expect(result.stderr.split(separator: "\n").count == 1, "\(arguments): \(result.stderr)")
            }
        }
    }
}
