import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `check --manifest`: one container of a pod spec, started from its image with the manifest's command, args, env,
/// ports, hostPID and security context, then stopped as the kubelet stops it (pod-lifecycle documentation, "Termination of Pods";
/// kuberuntime_container.go `killContainer`):
/// 1. the preStop hook runs (exec inside the container, httpGet to the pod, or the sleep action), for at most the
///    grace period, which is counted from the start of preStop;
/// 2. the stop signal goes to the container's init: `lifecycle.stopSignal`, else the image's STOPSIGNAL, else TERM;
/// 3. SIGKILL follows when the grace period is over; the time preStop took (whole seconds, as the kubelet counts
///    it) is taken off first, and the container always gets at least 2 s after preStop, the one-time extension a
///    preStop that overran its grace period is given.
public struct PodCheck: Sendable {
    public var manifest: String
    public var file: String
    /// The container to check; nil: the pod's only container.
    public var containerName: String?
    public var engine: ContainerEngine
    /// Arguments for `run`, before the image.
    public var runArguments: [String] = []
    /// Readiness (added to the manifest's readinessProbe), in-flight requests, probe, accepted exit codes, trace.
    public var check: ShutdownCheck.Configuration
    public var progress: (@Sendable (Double, Double) -> Void)?

    /// The kubelet's least time left for a container after its preStop hook (`minimumGracePeriodInSeconds`).
    public static let minimumGraceAfterPreStop: Duration = .seconds(2)

    public init(manifest: String, file: String, engine: ContainerEngine, check: ShutdownCheck.Configuration) {
        self.manifest = manifest
        self.file = file
        self.engine = engine
        self.check = check
    }

    /// Runs the check; bad input (no pod spec, an unknown container, a missing image) is a one-line error.
    public func run() throws(SigscopeError) -> ContainerCheckResult {
        let pod = try PodUnderTest(manifest: manifest, file: file)
        let container = try pod.container(named: containerName)
        let image = try engine.imageConfig(container.image)
        let name = "sigscope-pod-\(container.name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"

        var config = check
        config.readiness = container.readiness + check.readiness
        config.minimumGraceAfterPreStop = PodCheck.minimumGraceAfterPreStop
        let findings = PreStopFindings()
        if let action = container.preStop {
            let engine = self.engine
            let containerName = container.name
            config.preStopHook = { grace in
                PodCheck.runPreStop(action, container: name, named: containerName, engine: engine, grace: grace,
                                    findings: findings)
            }
        }
        var run = ContainerCheck(target: .image(container.image), engine: engine, check: config)
        run.name = name
        run.runArguments = container.env.flatMap { ["-e", "\($0)=\($1)"] }
            + container.ports.flatMap { ["-p", "127.0.0.1:\($0.port):\($0.port)"] } + container.runFlags + runArguments
        if !container.command.isEmpty { run.entrypoint = container.command }
        run.arguments = container.args
        run.grace = .seconds(pod.grace)
        if let signal = container.stopSignal {
            run.signal = signal
            run.signalSource = "lifecycle.stopSignal \(signal.name)"
        } else {
            run.signal = image.effectiveStopSignal
            run.signalSource = image.stopSignalText.map { "the image's STOPSIGNAL \($0)" } ?? "the default (TERM)"
        }
        run.progress = progress
        var result = try run.run()
        let extra = findings.all
        if !extra.isEmpty {
            result.check.findings = (extra + result.check.findings).sorted { $0.severity > $1.severity }
            if result.check.verdict == .pass && extra.contains(where: { $0.severity == .error }) {
                result.check.verdict = .fail
            }
        }
        result.container.pod = "\(pod.object) container \(container.name)"
        return result
    }

    /// Runs one preStop action as the kubelet does, for at most `grace`, and says what it charged.
    static func runPreStop(_ action: PodContainer.PreStop, container: String, named: String, engine: ContainerEngine,
                           grace: Duration, findings: PreStopFindings) -> PreStopOutcome {
        let start = Clocks.monotonicNanoseconds()
        var summary: String
        switch action {
        case .sleep(let seconds):
            let end = start + UInt64(min(Double(seconds), grace.seconds) * 1e9)
            while Clocks.monotonicNanoseconds() < end && Interruption.requested == nil {
                Clocks.sleep(for: .milliseconds(10))
            }
            summary = "pre-stop sleep \(seconds) s"
        case .exec(let command):
            let output = try? engine.run(["exec", container] + command, timeout: grace)
            let code = output?.exitCode ?? -1
            if code == 0 {
                summary = "pre-stop exec \(ShutdownVerdict.commandLine(command)) finished (exit 0)"
            } else if let output, code == 126 || code == 127, let program = command.first {
                summary = "pre-stop exec failed: \(output.reason)"
                findings.add(Rule.preStopCommandMissing.finding(
                    "preStop of container \(named) runs \(ShutdownVerdict.commandLine(command)), but \(program) "
                        + "cannot be run in the image (\(output.reason)); the kubelet only records a "
                        + "FailedPreStopHook event and goes on to the stop signal at once",
                    hint: "use the sleep action (lifecycle.preStop.sleep.seconds, Kubernetes 1.30+), which needs "
                        + "nothing in the image, or add \(program) to the image"))
            } else {
                let reason = output.map { $0.exitCode < 0 ? "not finished" : "exit \($0.exitCode)" } ?? "not finished"
                summary = "pre-stop exec \(ShutdownVerdict.commandLine(command)) failed (\(reason))"
                findings.add(Rule.preStopFailed.finding(
                    "preStop exec of container \(named) \(ShutdownVerdict.commandLine(command)) ended with \(reason); "
                        + "the kubelet records FailedPreStopHook and goes on to the stop signal",
                    hint: "make the preStop command exit 0 within terminationGracePeriodSeconds"))
            }
        case .httpGet(let path, let port, let scheme):
            if scheme.uppercased() != "HTTP" {
                summary = "pre-stop httpGet \(scheme) not tried (sigscope speaks plain HTTP)"
                break
            }
            let url = URL(string: "http://127.0.0.1:\(port)\(path)")!
            let outcome = HTTPExchange(connections: 1, timeout: grace).fetch(url, timeout: grace)
            summary = "pre-stop httpGet \(url.absoluteString): \(outcome.summary)"
            if !outcome.isComplete {
                findings.add(Rule.preStopFailed.finding(
                    "preStop httpGet \(path) on port \(port) of container \(named) failed: \(outcome.summary); the "
                        + "kubelet records FailedPreStopHook and goes on to the stop signal",
                    hint: "serve \(path) on port \(port) and answer 2xx before the grace period ends"))
            }
        }
        let elapsed = Double(Clocks.monotonicNanoseconds() - start) / 1e9
        // The kubelet subtracts whole seconds (int64 of the elapsed seconds) and stops waiting at the grace period.
        let charged = min(grace.seconds, elapsed.rounded(.down))
        summary += " after \(ShutdownVerdict.precise(elapsed)) s"
        if elapsed >= grace.seconds {
            summary += "; grace period used up: the kubelet gives 2 s more"
        }
        return PreStopOutcome(summary: summary, charged: .seconds(charged))
    }
}

/// Findings a preStop hook produced while the check ran (the hook runs inside the check, on its thread).
final class PreStopFindings: Sendable {
    private let findings = Mutex<[Finding]>([])

    func add(_ finding: Finding) { findings.withLock { $0.append(finding) } }
    var all: [Finding] { findings.withLock { $0 } }
}
