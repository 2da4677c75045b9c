import Foundation
import Testing

@testable import SigTrace

/// The load's pure parts on captured bytes and made-up records: the response parser, the rate, the phases, the
/// traffic rules and the platform presets.
@Suite struct LoadModelTests {
    /// Feeds `text` to a parser in pieces of `step` bytes; the progress after the last piece.
    static func parse(_ text: String, step: Int) -> (HTTPResponseParser.Progress, HTTPResponseParser) {
        var parser = HTTPResponseParser()
        let bytes = Array(text.utf8)
        var progress = HTTPResponseParser.Progress.needMore
        var index = 0
        while index < bytes.count {
            let piece = Array(bytes[index..<min(bytes.count, index + step)])
            progress = piece.withUnsafeBytes { parser.feed($0) }
            index += step
        }
        return (progress, parser)
    }

    @Test(arguments: [1, 3, 1000])
    func parsesContentLengthChunkedAndInterimResponsesInAnyPieces(step: Int) {
        let fixed = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/plain\r\n\r\nhello"
        let (done, parser) = Self.parse(fixed, step: step)
        #expect(done == .complete && parser.status == 200 && parser.bodyBytes == 5 && !parser.closeAnnounced)

        // nginx-style chunked body with an extension and a trailer, after a 100 Continue.
        let chunked = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 503 Service Unavailable\r\nTransfer-Encoding: chunked\r\n"
            + "Connection: close\r\n\r\n4;x=y\r\nbusy\r\n3\r\n!!!\r\n0\r\nX-Trailer: 1\r\n\r\n"
        let (chunkDone, chunkParser) = Self.parse(chunked, step: step)
        #expect(chunkDone == .complete && chunkParser.status == 503 && chunkParser.bodyBytes == 7)
        #expect(chunkParser.closeAnnounced)

        // A body cut short: the stream ends before Content-Length.
        var (cut, cutParser) = Self.parse("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nxxxx", step: step)
        #expect(cut == .needMore && !cutParser.endOfStream() && cutParser.status == 200 && cutParser.bodyBytes == 4)

        // HTTP/1.0 without a length runs to the close, which completes it.
        var (open, openParser) = Self.parse("HTTP/1.0 200 OK\r\n\r\nabc", step: step)
        #expect(open == .needMore && openParser.closeAnnounced && openParser.endOfStream())

        let (bad, _) = Self.parse("SSH-2.0-OpenSSH_9.2\r\n\r\n", step: step)
        #expect(bad == .malformed)
    }

    @Test func ratesParseAndBadOnesAreOneLineErrors() throws {
        #expect(try LoadRate(parsing: "200/s") == .perSecond(200))
        #expect(try LoadRate(parsing: "50") == .perSecond(50))
        #expect(try LoadRate(parsing: "600/m") == .perSecond(10))
        #expect(try LoadRate(parsing: "max") == .max)
        for bad in ["", "0/s", "-5/s", "fast", "1e9/s", "200/h"] {
            #expect(throws: SigscopeError.self) { try LoadRate(parsing: bad) }
        }
    }

    /// Moments 1 s apart on a made-up clock: load from 0, signal at 10 s, listener closed at 10.5 s, exit 11 s.
    static func moments(window: Double, preStop: Double = 0) -> ShutdownMoments {
        let s: UInt64 = 1_000_000_000
        return ShutdownMoments(loadStart: 0, terminationStart: 10 * s - UInt64(preStop * 1e9), signal: 10 * s,
                               listenerClosed: 10 * s + s / 2, exit: 11 * s, graceEnd: 40 * s,
                               deregistrationDelay: .milliseconds(Int64(window * 1000)), loadEnd: 14 * s)
    }

    static func record(_ at: Double, _ outcome: LoadOutcome, reused: Bool = false, ms: Double = 2) -> LoadRecord {
        let start = UInt64(at * 1e9)
        return LoadRecord(start: start, end: start + UInt64(ms * 1e6), outcome: outcome, keepAlive: reused,
                          reused: reused, status: outcome == .ok ? 200 : nil)
    }

    static var records: [LoadRecord] {
        // 20 ok before the signal, 2 ok in the drain, refused from the listener close on, one reused reset.
        (0..<20).map { record(Double($0) * 0.5, .ok, ms: Double($0 + 1)) } + [
            record(10.1, .ok), record(10.2, .ok), record(10.3, .reset, reused: true),
            record(10.6, .refused), record(11.5, .refused), record(12.5, .refused), record(13.5, .refused),
        ]
    }

    @Test func requestsAreTalliedPerPhaseWithPercentilesAndFailureTimes() {
        let outcome = LoadGenerator.Outcome(records: Self.records, idleCloses: [], skipped: 0)
        let report = LoadReport(url: "http://x/", rate: .perSecond(2), keepAlive: 1, moments: Self.moments(window: 3),
                                outcome: outcome)
        let phases = Dictionary(uniqueKeysWithValues: report.phases.map { ($0.phase, $0) })
        #expect(phases[.beforeSignal]?.requests == 20 && phases[.beforeSignal]?.failed == 0)
        #expect(phases[.beforeSignal]?.latency?.p50 == 0.010)
        #expect(phases[.beforeSignal]?.latency?.p99 == 0.020)
        #expect(phases[.drain]?.requests == 3 && phases[.drain]?.counts[.reset] == 1)
        #expect(phases[.afterListenerClose]?.counts[.refused] == 4)
        let after = phases[.afterListenerClose]
        #expect(after?.firstFailure.map { abs($0 - 0.6) < 1e-9 } == true)
        #expect(after?.lastFailure.map { abs($0 - 3.5) < 1e-9 } == true)
        #expect(report.total.requests == 27)
        #expect(report.strip(bucket: 1_000_000_000) == "..........XRRR")
    }

    @Test func failuresInsideTheWindowFailWithTheCountAndThePreStopHint() {
        let outcome = LoadGenerator.Outcome(records: Self.records, idleCloses: [], skipped: 0)
        let report = LoadReport(url: "http://x/", rate: .perSecond(2), keepAlive: 1, moments: Self.moments(window: 3),
                                outcome: outcome)
        let findings = TrafficVerdict.findings(report, signal: .term, preStop: .zero, platform: "kubernetes")
        let failed = findings.first { $0.rule == "requests-failed-while-deregistering" }
        // 10.6, 11.5, 12.5 are inside [10, 13]; 13.5 is after the window; the reused reset is keepalive-reset.
        #expect(failed?.severity == .error)
        #expect(failed?.message.hasPrefix("3 requests failed (3 refused)") == true, "\(failed?.message ?? "")")
        #expect(failed?.hint.contains("preStop sleep of at least 3 s") == true)
        let keepAlive = findings.first { $0.rule == "keepalive-reset" }
        #expect(keepAlive?.severity == .error && keepAlive?.message.hasPrefix("1 request on reused kept-alive connections was lost") == true)
    }

    @Test func aPreStopAsLongAsTheWindowPassesAndNoWindowJudgesNothing() {
        // The same refusals, but the window [7, 10] closed before the signal: a 3 s preStop covered it.
        let refusals = (0..<10).map { Self.record(Double($0) * 0.5, .ok) } + [Self.record(10.6, .refused)]
        let outcome = LoadGenerator.Outcome(records: refusals, idleCloses: [], skipped: 0)
        let covered = LoadReport(url: "http://x/", rate: .perSecond(2), keepAlive: 0,
                                 moments: Self.moments(window: 3, preStop: 3), outcome: outcome)
        #expect(TrafficVerdict.findings(covered, signal: .term, preStop: .seconds(3), platform: nil).isEmpty)
        let short = LoadReport(url: "http://x/", rate: .perSecond(2), keepAlive: 0,
                               moments: Self.moments(window: 3, preStop: 0.5), outcome: outcome)
        let hint = TrafficVerdict.findings(short, signal: .term, preStop: .milliseconds(500), platform: nil).first?.hint
        #expect(hint?.hasPrefix("raise the preStop sleep from 0.5 s to at least 3 s") == true)
        let none = LoadReport(url: "http://x/", rate: .perSecond(2), keepAlive: 0, moments: Self.moments(window: 0),
                              outcome: outcome)
        #expect(TrafficVerdict.findings(none, signal: .term, preStop: .zero, platform: nil).isEmpty)
    }

    @Test func idleKeepAliveClosesAfterTheSignalWithoutConnectionCloseAreAWarning() {
        let s: UInt64 = 1_000_000_000
        let idle = [IdleClose(at: 9 * s, reset: false, announced: false),
                    IdleClose(at: 10 * s + 1000, reset: true, announced: false),
                    IdleClose(at: 10 * s + 2000, reset: false, announced: true)]
        let outcome = LoadGenerator.Outcome(records: [Self.record(1, .ok)], idleCloses: idle, skipped: 0)
        let report = LoadReport(url: "http://x/", rate: .perSecond(2), keepAlive: 2, moments: Self.moments(window: 0),
                                outcome: outcome)
        let findings = TrafficVerdict.findings(report, signal: .term, preStop: .zero, platform: nil)
        #expect(findings.map(\.rule) == ["keepalive-reset"])
        #expect(findings.first?.severity == .warning)
        #expect(findings.first?.message.hasPrefix("1 idle kept-alive connection was reset or closed") == true)

        // With a 3 s window ([10, 13] s), a close at 13.5 s comes once traffic has moved on, as the hint asks.
        let late = LoadGenerator.Outcome(records: [Self.record(1, .ok)],
                                         idleCloses: [IdleClose(at: 13 * s + s / 2, reset: true, announced: false)],
                                         skipped: 0)
        let afterWindow = LoadReport(url: "http://x/", rate: .perSecond(2), keepAlive: 2,
                                     moments: Self.moments(window: 3), outcome: late)
        #expect(afterWindow.unannouncedIdleCloses.isEmpty)
        #expect(TrafficVerdict.findings(afterWindow, signal: .term, preStop: .zero, platform: nil).isEmpty)
        let early = LoadGenerator.Outcome(records: [Self.record(1, .ok)],
                                          idleCloses: [IdleClose(at: 12 * s, reset: true, announced: false)],
                                          skipped: 0)
        let inWindow = LoadReport(url: "http://x/", rate: .perSecond(2), keepAlive: 2,
                                  moments: Self.moments(window: 3), outcome: early)
        #expect(TrafficVerdict.findings(inWindow, signal: .term, preStop: .zero, platform: nil).map(\.rule)
                == ["keepalive-reset"])
    }

    @Test func presetsCarryTheFieldTableAndUnknownNamesAreErrors() throws {
        let kubernetes = try PlatformPreset.named("Kubernetes")
        #expect(kubernetes.signal == .term && kubernetes.grace == .seconds(30) && kubernetes.deregistrationDelay > .zero)
        #expect(try PlatformPreset.named("nomad").signal == .int)
        #expect(try PlatformPreset.named("fly").grace == .seconds(5))
        #expect(try PlatformPreset.named("systemd").grace == .seconds(90))
        #expect(try PlatformPreset.named("docker").grace == .seconds(10))
        #expect(PlatformPreset.all.count == 9)
        #expect(PlatformPreset.all.allSatisfy { !$0.source.isEmpty && !$0.deregistrationSource.isEmpty })
        #expect(throws: SigscopeError.self) { try PlatformPreset.named("openshift") }
    }

    /// The probe keeps trying through the window; a refusal that came after the exit says the service was gone.
    @Test func aRefusalAfterTheExitInsideTheWindowSaysTheServiceHadExited() throws {
        let probe = ProbeReport(url: "http://127.0.0.1:1/", attempts: 6, served: 5, failed: 1,
                                lastServedSeconds: 0.01, listenerClosedSeconds: 0.052)
        let finding = try #require(UntestedWindow.finding(window: .seconds(3), platform: "kubernetes", signal: .term,
                                                          preStop: .zero, probe: probe, gone: 0.041))
        #expect(finding.severity == .warning)
        #expect(finding.message.hasPrefix("the listener refused new connections 0.052 s after SIGTERM (the service "
            + "had exited 0.041 s after SIGTERM), 0.052 s into the 3 s deregistration window"), "\(finding.message)")
        // Closed while it still ran: no exit named.
        let open = try #require(UntestedWindow.finding(window: .seconds(3), platform: "kubernetes", signal: .term,
                                                       preStop: .zero, probe: probe, gone: 0.5))
        #expect(!open.message.contains("had exited"), "\(open.message)")
        // Refused only after the window: an info.
        let late = UntestedWindow.finding(window: .seconds(3), platform: "kubernetes", signal: .term,
                                          preStop: .seconds(3), probe: probe, gone: 0.041)
        #expect(late?.severity == .info)
    }
}
