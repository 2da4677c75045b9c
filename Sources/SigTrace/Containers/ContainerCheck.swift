import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `check --image` and `check --container`: the graceful-shutdown test on a container, stopped as the engine's
/// `stop` does. The stop signal (the image's STOPSIGNAL, else SIGTERM) goes to the container's init on the host,
/// SIGKILL follows at the end of the grace period (the engine's stop timeout, 10 s by default), and the init is
/// watched through a pidfd. The engine records the exit as it would after `stop`; the verdict reads that record.
/// A container sigscope created is removed afterwards whatever happens, also when sigscope is interrupted.
public struct ContainerCheck: Sendable {
    /// The container to test.
    public enum Target: Sendable, Equatable {
        /// Run this image with its own ENTRYPOINT, CMD, USER and STOPSIGNAL.
        case image(String)
        /// A running container (name or ID): it WILL be stopped.
        case container(String)
    }

    public var target: Target
    public var engine: ContainerEngine
    /// Arguments for `run`, placed before the image (`-p 127.0.0.1:8080:8080`, `--network host`, `-e K=V`).
    public var runArguments: [String] = []
    /// `run --init`: the engine's init (catatonit for podman, tini for docker) as PID 1.
    public var initProcess = false
    /// Replaces the image's ENTRYPOINT (`run --entrypoint`), as a pod's `command` does.
    public var entrypoint: [String]?
    /// Words after the image: replace its CMD, as a pod's `args` do.
    public var arguments: [String] = []
    /// The name of the container to create; nil: `sigscope-check-PID-RANDOM`.
    public var name: String?
    /// Says where `signal` came from, for the report.
    public var signalSource: String?
    /// The stop signal; nil: the container's (the image's STOPSIGNAL, else SIGTERM), as `stop` sends.
    public var signal: Signal?
    /// The grace period; nil: the container's stop timeout, as `stop` waits.
    public var grace: Duration?
    /// Readiness, in-flight requests, probe, accepted exit codes, pre-stop and trace, as for any check; its
    /// target, signal and grace are set from the container.
    public var check: ShutdownCheck.Configuration
    /// Called about every 100 ms while waiting for the exit (seconds used, grace period).
    public var progress: (@Sendable (Double, Double) -> Void)?

    public init(target: Target, engine: ContainerEngine, check: ShutdownCheck.Configuration) {
        self.target = target
        self.engine = engine
        self.check = check
    }

    /// Runs the check. Throws bad input (no image, no entrypoint, an unknown container, a container that exits
    /// before sigscope finds its init) as one-line errors; a container that exits or is not ready before the
    /// signal gives a result with verdict `error`, as for a command.
    public func run() throws(SigscopeError) -> ContainerCheckResult {
        Interruption.install()
        // The kernel's record of the signal's fate and of each close at the exit need two tracing instances: made
        // ready while the engine works (`run`, `inspect`), not between readiness and the signal.
        TimingMarks.mark("check-start")
        TraceInstanceSpares.prepare(roles: [nil, SocketCloseTrace.role])
        switch target {
        case .image(let image):
            let name = self.name ?? "sigscope-check-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            // Removed here after the check; removed by the watchdog if sigscope dies before it can.
            let watchdog = try ContainerWatchdog.start(engine: engine, name: name)
            defer {
                TimingMarks.mark("rm-start")
                engine.remove(name)
                TimingMarks.mark("rm-done")
                watchdog.release()
            }
            let startedAt = Clocks.monotonicNanoseconds()
            var options = ["--pull", "never"]
            if initProcess { options.append("--init") }
            var words = arguments
            if let entrypoint, let first = entrypoint.first {
                // --entrypoint takes one word in docker; the rest goes after the image, where it replaces CMD.
                options += ["--entrypoint", first]
                words = Array(entrypoint.dropFirst()) + arguments
            }
            let launch = ContainerLaunch(engine: engine, name: name, image: image,
                                         runWords: options + runArguments + [image] + words)
            let outcome = try launch.start(watchdog: watchdog)
            TimingMarks.mark("launched")
            if let signal = Interruption.requested {
                throw SigscopeError(.interrupted, "interrupted by \(signal.name): removed container \(name)")
            }
            let (state, config): (ContainerState, ImageConfig)
            switch outcome {
            case .started(let started, let imageConfig): (state, config) = (started, imageConfig)
            case .failed(let output, let known): throw try runFailure(output, image: image, config: known)
            }
            guard state.running, state.pid > 0 else {
                throw SigscopeError(.notReady, "container from \(image) exited before it was ready: exit code "
                    + "\(state.exitCode)" + lastLine(name))
            }
            let signal = signal ?? state.stopSignal ?? config.effectiveStopSignal
            let signalSource = self.signalSource ?? (self.signal != nil ? "--signal" : nil)
                ?? config.stopSignalText.map { "the image's STOPSIGNAL \($0)" } ?? "the default (no STOPSIGNAL)"
            do {
                return try check(state: state, name: name, image: image, signal: signal, signalSource: signalSource,
                                 created: true, startedAt: startedAt)
            } catch where error.code == .noSuchProcess {
                // The init died between `run` and the check's first reading of it: what the engine recorded.
                let exitCode = engine.recordedExit(name, timeout: .seconds(2)).map { "\($0.exitCode)" } ?? "unknown"
                throw SigscopeError(.notReady, "container from \(image) exited before it was ready: exit code "
                    + exitCode + lastLine(name))
            }
        case .container(let nameOrID):
            let state = try engine.container(nameOrID)
            guard state.running, state.pid > 0 else {
                throw SigscopeError(.badInput, "container \(nameOrID) is not running (exit code \(state.exitCode))")
            }
            let signal = signal ?? state.stopSignal ?? .term
            let signalSource = self.signal != nil ? "--signal" : "the container's stop signal"
            return try check(state: state, name: state.name, image: state.image, signal: signal,
                             signalSource: signalSource, created: false, startedAt: nil)
        }
    }

    /// The check proper on a running container's init.
    private func check(state: ContainerState, name: String, image: String, signal: Signal, signalSource: String,
                       created: Bool, startedAt: UInt64?) throws(SigscopeError) -> ContainerCheckResult {
        var config = check
        config.target = .pid(state.pid)
        config.signal = signal
        config.grace = grace ?? .seconds(state.stopTimeout ?? 10)
        guard config.preStop < config.grace else {
            throw SigscopeError(.badInput, "the pre-stop wait must be shorter than the grace period "
                + "(\(ShutdownVerdict.format(config.grace.seconds)) s)")
        }
        let engine = self.engine
        let id = state.id
        // podman's record is conmon's exit file, read while conmon still runs beside the init; docker's is the
        // inspect after the exit.
        let exitFile = engine.kind == .podman ? ConmonExitFile.of(initPid: state.pid, containerID: id) : nil
        let started = state
        // The record read when the exit is seen serves the report too: one `inspect` fewer.
        let record = Mutex<ContainerState?>(nil)
        config.recordedExit = {
            TimingMarks.mark("exit-seen")
            let state = exitFile?.recorded(started, timeout: .seconds(2)) ?? engine.recordedExit(id)
            TimingMarks.mark("exit-recorded")
            record.withLock { $0 = state }
            return state?.exitStatus
        }
        let checkStart = Clocks.monotonicNanoseconds()
        var result = try ShutdownCheck(configuration: config, progress: progress).run()
        TimingMarks.mark("check-done")
        if let signalAt = result.signalMonotonicNanoseconds { TimingMarks.mark("signal", monotonic: signalAt) }
        let monotonicNow = Clocks.monotonicNanoseconds()
        let wallNow = Date()

        var run = ContainerRun(engine: engine.kind, name: name, id: state.id, image: image, initPid: state.pid,
                               signalSource: signalSource, created: created)
        if let recorded = record.withLock({ $0 }) ?? engine.recordedExit(state.id, timeout: .seconds(2)) {
            run.recordedExitCode = recorded.exitCode
            run.oomKilled = recorded.oomKilled
            if let finished = recorded.finishedAt, let signalAt = result.signalMonotonicNanoseconds {
                let signalWall = wallNow.addingTimeInterval(-Double(monotonicNow - signalAt) / 1e9)
                run.recordedSecondsAfterSignal = finished.timeIntervalSince(signalWall)
            }
        }
        if let startedAt {
            let before = -Double(checkStart - startedAt) / 1e9
            result.timeline.insert(TimelineEvent(seconds: before, kind: .container,
                                                 text: "\(engine.kind.rawValue) run: container \(name), init pid "
                                                     + "\(state.pid)"), at: 0)
        }
        if let recorded = run.recordedExitCode {
            let seconds = run.recordedSecondsAfterSignal.map { ", exited \(ShutdownVerdict.precise($0)) s after the "
                + "signal by its clock" } ?? ""
            let event = TimelineEvent(seconds: result.timeline.last?.seconds ?? 0, kind: .recordedExit,
                                      text: "\(engine.kind.rawValue) recorded exit code \(recorded)\(seconds)")
            result.timeline.append(event)
        }
        if result.verdict != .pass {
            let logs = (try? engine.run(["logs", "--tail", "20", state.id], timeout: .seconds(10)))
            let lines = ((logs?.stdout ?? "") + (logs?.stderr ?? "")).split(separator: "\n").map(String.init)
            result.outputTail = Array(lines.suffix(20))
        }
        return ContainerCheckResult(check: result, container: run)
    }

    /// Why `run` failed, in one line: an image with nothing to run, else the engine's reason. The image is read on
    /// its own only here, when `run` did not get as far as creating the container.
    private func runFailure(_ output: ContainerEngine.Output, image: String, config known: ImageConfig?)
        throws(SigscopeError) -> SigscopeError
    {
        let config: ImageConfig
        if let known { config = known } else { config = try engine.imageConfig(image) }
        let overridden = runArguments.contains { $0 == "--entrypoint" || $0.hasPrefix("--entrypoint=") }
        if (entrypoint ?? config.entrypoint).isEmpty && (arguments.isEmpty ? config.cmd : arguments).isEmpty
            && !overridden {
            return SigscopeError(.badInput, "image \(image) has no ENTRYPOINT or CMD: nothing to run")
        }
        return SigscopeError(.badInput, "\(engine.kind.rawValue) run \(image): \(output.reason)")
    }

    /// `: LAST LOG LINE` of a container, for one-line errors.
    private func lastLine(_ name: String) -> String {
        guard let logs = try? engine.run(["logs", "--tail", "1", name], timeout: .seconds(10)) else { return "" }
        let line = (logs.stdout + logs.stderr).split(separator: "\n").last.map(String.init) ?? ""
        return line.isEmpty ? "" : " (\(line.prefix(120)))"
    }
}

/// The container side of a check: which container, and what its engine recorded after the stop.
public struct ContainerRun: Sendable {
    public var engine: ContainerEngine.Kind
    public var name: String
    public var id: String
    public var image: String
    public var initPid: Int32
    /// Where the stop signal came from: "the image's STOPSIGNAL SIGQUIT", "the default (no STOPSIGNAL)".
    public var signalSource: String
    /// True when sigscope created the container (and removed it afterwards).
    public var created: Bool
    /// The exit code the engine recorded, as `ps -a` and `inspect` show it after `stop`.
    public var recordedExitCode: Int32?
    /// The engine's FinishedAt minus the moment of the signal, by the wall clock.
    public var recordedSecondsAfterSignal: Double?
    public var oomKilled = false
    /// With `--manifest`: `Deployment/web container app`.
    public var pod: String?
}

/// A check on a container: the check's result and the container's record.
public struct ContainerCheckResult: Sendable {
    public var check: CheckResult
    public var container: ContainerRun

    /// The check's JSON with a `container` object after its keys.
    public func json(_ format: CheckFormat) -> JSONValue {
        var fields: [(String, JSONValue)] = []
        if case .object(let checkFields) = format.json(check) { fields = checkFields }
        let c = container
        fields.append(("container", .object([
            ("engine", .string(c.engine.rawValue)),
            ("name", .string(c.name)),
            ("id", .string(c.id)),
            ("image", .string(c.image)),
            ("init_pid", .int(Int(c.initPid))),
            ("signal_source", .string(c.signalSource)),
            ("created", .bool(c.created)),
            ("recorded_exit_code", c.recordedExitCode.map { .int(Int($0)) } ?? .null),
            ("recorded_seconds_after_signal", c.recordedSecondsAfterSignal.map { .double(($0 * 1000).rounded() / 1000) }
                ?? .null),
            ("oom_killed", .bool(c.oomKilled)),
            ("pod", .string(c.pod)),
        ])))
        return .object(fields)
    }

    /// The check's text report with the container named under its headline.
    public func text(_ format: CheckFormat) -> String {
        var lines = format.text(check).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let c = container
        var facts = "  signal from \(c.signalSource)"
        if let code = c.recordedExitCode { facts += "; \(c.engine.rawValue) recorded exit code \(code)" }
        let pod = c.pod.map { "  \($0) of the manifest" }.map { [$0] } ?? []
        lines.insert(contentsOf: pod + ["  \(c.engine.rawValue) container \(c.name) (\(c.image))", facts],
                     at: min(2, lines.count))
        return lines.joined(separator: "\n")
    }
}
