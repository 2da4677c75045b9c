import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// `run -d` of the container `check --image` tests, and what the check needs before the signal: the init's PID on
/// the host, the container's stop signal and stop timeout, the image's configuration.
///
/// Each engine CLI call costs about 100-200 ms of start-up on two cores, and `run` plus an `inspect` afterwards
/// put two of them before the signal. With podman, `run` writes the container's ID (`--cidfile`) as soon as it
/// has created the container, about half a second before it has started it: the `inspect` of the container and its
/// image runs then, while `run` is still starting it, and the init's PID is the one that inspect shows running or,
/// when it came before the start, the one in the container's `PidFile` (the runtime's own record, in the engine's
/// directory for the container), checked against the container's cgroup. docker has no such file: its container
/// is inspected after `run`, as before. Any doubt (no PID, a PID whose cgroup is not the container's, an init
/// already dead, an inspect that failed) falls back to that `inspect` after `run`.
struct ContainerLaunch {
    let engine: ContainerEngine
    let name: String
    let image: String
    /// The words after `run -d --name NAME`: options, the image, its arguments.
    let runWords: [String]

    /// What `run` did.
    enum Outcome {
        /// The container runs: its state (the init's PID filled in) and its image's configuration.
        case started(ContainerState, ImageConfig)
        /// `run` failed: its output, and the image's configuration when the container was created first.
        case failed(ContainerEngine.Output, ImageConfig?)
    }

    /// Runs `run -d`; `watchdog` learns of the call while it may create the container.
    func start(watchdog: ContainerWatchdog) throws(SigscopeError) -> Outcome {
        let prefix = ["run", "-d", "--name", name]
        guard engine.kind == .podman, !runWords.contains(where: Self.overridesFiles) else {
            let output = try engine.run(prefix + runWords, timeout: .seconds(120), started: watchdog.inFlight)
            watchdog.inFlight(0)
            guard output.exitCode == 0 else { return .failed(output, nil) }
            let (state, config) = try engine.container(name, image: image)
            return .started(state, config)
        }
        let cidFile = CIDFile()
        defer { cidFile.remove() }
        let engine = self.engine
        let arguments = prefix + ["--cidfile", cidFile.path] + runWords
        let call = RunCall()
        let thread = Thread {
            let outcome = Result { () throws(SigscopeError) in
                try engine.run(arguments, timeout: .seconds(120)) { pid in
                    TimingMarks.mark("run-spawned")
                    watchdog.inFlight(pid)
                }
            }
            TimingMarks.mark("run-returned")
            watchdog.inFlight(0)
            call.result.withLock { $0 = outcome }
        }
        thread.start()
        // While `run` starts the container: its configuration, read as soon as the container exists.
        var created: (ContainerState, ImageConfig)?
        var inspected = false
        while true {
            if let outcome = call.result.withLock({ $0 }) {
                let output = try outcome.get()
                guard output.exitCode == 0 else { return .failed(output, created?.1) }
                break
            }
            if !inspected, let id = cidFile.containerID() {
                inspected = true
                created = try? engine.container(id, image: image)
                continue
            }
            Clocks.sleep(for: .milliseconds(inspected ? 1 : 4))
        }
        // A zombie keeps its cgroup file: an init that died at once is left to the `inspect` below to report.
        if let (state, config) = created, state.id.count >= 12, let pid = Self.initPid(state),
           ContainerAttribution.of(pid: pid)?.id == state.id,
           let process = ServiceTree().read(pid, withCommand: false), !process.isZombie {
            var running = state
            running.pid = pid
            running.running = true
            return .started(running, config)
        }
        let (state, config) = try engine.container(name, image: image)
        return .started(state, config)
    }

    /// The init's PID: as the inspect saw it running, else from the container's PidFile once `run` has started it.
    static func initPid(_ state: ContainerState) -> Int32? {
        if state.running && state.pid > 0 { return state.pid }
        guard let path = state.pidFile, let text = try? String(contentsOfFile: path, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
        return pid
    }

    /// A `run` option naming the file sigscope would pass itself: the user's choice stands, and the slow path runs.
    static func overridesFiles(_ word: String) -> Bool {
        word == "--cidfile" || word.hasPrefix("--cidfile=")
    }
}

/// The `run` call's outcome, set by the thread that makes it.
private final class RunCall: Sendable {
    let result = Mutex<Result<ContainerEngine.Output, SigscopeError>?>(nil)
}

/// `run`'s `--cidfile`: a name podman creates (it refuses an existing file), removed as soon as it is read, so that
/// a sigscope killed mid-`run` leaves it behind only in the few milliseconds between its writing and its reading.
private struct CIDFile {
    let path = "/tmp/sigscope-cid-\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"

    /// The container's ID once `run` has written it in full (64 hexadecimal digits, or at least 12 and a newline).
    func containerID() -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let id = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let complete = id.count == 64 || (id.count >= 12 && text.hasSuffix("\n"))
        guard complete && id.allSatisfy(\.isHexDigit) else { return nil }
        remove()
        return id
    }

    func remove() { unlink(path) }
}
