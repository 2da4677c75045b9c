import ArgumentParser
import Foundation
import SigTrace

#if canImport(Glibc)
import Glibc
#endif

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Prove that a service shuts down gracefully within its grace period.",
        usage: "sigscope check [<options>] (-- <command> ... | --pid <pid>)",
        discussion: """
            Starts the service (in its own process group, output captured) or takes a running one (--pid: that \
            process WILL be sent the stop signal, and SIGKILL if it outlives the grace period), waits until it is \
            ready, puts requests in flight, then sends the stop signal to the main process only, as docker stop \
            and the kubelet do, and SIGKILLs it at the end of the grace period. The exit is watched through a \
            pidfd, so shutdown_seconds is accurate to the millisecond.

            sigscope makes itself a child subreaper: descendants still running after the main process exits are \
            reported (orphaned-children) and killed, zombies it left are reported. Nothing sigscope started is \
            left running, also when sigscope itself is interrupted.

            IF SIGSCOPE IS KILLED (SIGKILL, OOM, a crash), a guardian process it forks first (own session, deaf \
            to INT/TERM/HUP) sees the end of a pipe only sigscope held and kills the whole service tree: the \
            service joins a fresh cgroup v2 under sigscope's own before it runs any code, and no fork, \
            double-fork or setsid leaves a cgroup. Needs a writable cgroup2 mount (root, or a delegated \
            cgroup): Linux 4.5+, emptied with cgroup.kill on 5.14+ and by SIGKILL to each listed pid before. \
            Without one (a read-only cgroupfs in a container, no delegation) the guardian kills only the \
            service's process group and the service itself: a setsid daemon can then survive sigscope's death.

            READINESS (--ready, repeatable; all must pass)
              tcp:HOST:PORT     a TCP connection is accepted
              http://URL        a GET answers 2xx
              log:REGEX         a line of the service's stdout or stderr matches
              delay:DURATION    this long after the start
            Without --ready, the first --inflight, --probe or --load-url URL must accept a TCP connection; with neither, the \
            service counts as ready at once. URLs are plain http:// (sigscope speaks no TLS) and redirects are not \
            followed: a 3xx is the answer.

            FINDINGS
              killed-by-signal     died of the signal's default action: no cleanup ran
              grace-exceeded       still running at the end of the grace period:
                                   needed SIGKILL
              exit-nonzero         exited with a code not accepted (0 and --accept-exit
                                   codes are)
              inflight-failed      an in-flight request failed or its body was cut short
              orphaned-children    descendants left running after the main process exited
              zombie-children      unreaped children left behind (warning)
              slow-shutdown        took over 80% of the grace period (warning)
              not-ready            exited or never became ready before the signal
              sigterm-not-caught, pid1-sigterm-dropped, sigterm-ignored,
              sigterm-blocked, pid1-shell-wrapper
                                   inspect's forecast, taken just before the signal

            LOAD (--load RATE)
            A steady stream of GETs to --load-url from readiness (--load-lead-in before termination begins) \
            until the process is gone and the deregistration window has passed. With --keepalive N, every other \
            request goes over one of N kept-alive connections, reused after the signal as real clients do; the \
            rest over a fresh connection each. Each request is ok (2xx and the whole body), refused, reset, timed \
            out, 5xx, cut body or other, tallied per phase: before the signal, drain (until the listener refuses), \
            after the listener closed. --load max sends back to back on the kept-alive connections (as wrk does).
              requests-failed-while-deregistering
                                   a request sent in the deregistration window (from
                                   the pre-stop hook's start, or the signal, for
                                   --deregistration-delay) failed: add a preStop sleep
                                   of at least that long, or keep accepting for that
                                   long after the signal
              keepalive-reset      a request on a reused kept-alive connection was
                                   reset or cut after termination began (error), or
                                   idle kept-alive connections were closed after the
                                   signal without `Connection: close` first (warning)
              deregistration-window-untested
                                   --platform implies a window but no --load sent
                                   requests through it: add --load RATE (info; a
                                   warning when --probe saw the listener close in it)

            PLATFORMS (--platform NAME: signal, grace, deregistration window; explicit options override)
            \(PlatformPreset.helpText)

            CONTAINERS (podman or docker, through its CLI)
              --image IMAGE      run the image with its own ENTRYPOINT, CMD, USER and
                                 STOPSIGNAL (arguments after -- go to `run`, before
                                 the image: -p 127.0.0.1:8080:8080), then stop it as
                                 `stop -t GRACE` does: the STOPSIGNAL to PID 1,
                                 SIGKILL at the end of the grace period (default:
                                 the container's stop timeout, 10 s). The exit code
                                 is the one the engine records; the container is
                                 removed afterwards.
              --container NAME   the same on a running container, which WILL be
                                 stopped (and is kept)
              --init             run the image under the engine's init (`run --init`)
              --runtime NAME     podman or docker (default: the first whose engine
                                 answers)
            The engine's own configuration applies (CONTAINERS_CONF, DOCKER_HOST); nothing is pulled.

            KUBERNETES (--manifest FILE [--container NAME])
            Starts the pod's container from its image with the manifest's command, args, env and ports \
            (published on 127.0.0.1; its readinessProbe becomes a --ready), hostPID and security context \
            (volumes: give -v after --), then stops it as the kubelet does \
            (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/):
              1. preStop: exec inside the container, httpGet to the port, or the sleep
                 action; the grace period (terminationGracePeriodSeconds, 30 s) counts
                 from its start. A preStop command missing from the image is a
                 finding (prestop-command-missing): the kubelet only records
                 FailedPreStopHook.
              2. the stop signal: lifecycle.stopSignal, else the image's STOPSIGNAL,
                 else SIGTERM.
              3. SIGKILL when the grace period is over; a preStop that used it all up
                 gets the kubelet's one-time 2 s extension (kubernetes.io/docs/
                 concepts/containers/container-lifecycle-hooks/).

            `sigscope rules --command check` lists every finding with what to do about it.

            Durations: 30s, 500ms, 1m30s, or plain seconds.

            EXIT CODES
              0  pass: shut down cleanly within the grace period (no error finding)
              1  fail: at least one error finding
              2  bad input, a command that cannot start, a service that exited or was
                 not ready before the signal, or sigscope interrupted (the service is
                 stopped first)
            """
    )

    @Option(help: ArgumentHelp("Check this running process instead of starting one. It will be signalled.",
                               valueName: "pid"))
    var pid: ProcessID?

    @Flag(help: "Run the command as PID 1 of new PID and mount namespaces, as a container runtime does.")
    var pid1 = false

    @OptionGroup(title: "Containers")
    var containers: ContainerCheckOptions

    @Flag(help: """
        Trace the signals the service and its descendants receive (ptrace, as sigscope watch -f): shows whether \
        a shell or init passed the stop signal on. Adds trace lines to the timeline and a "trace" array to the JSON.
        """)
    var trace = false

    @Option(help: ArgumentHelp("Readiness before the signal: tcp:HOST:PORT, http://URL, log:REGEX, delay:DURATION.",
                               valueName: "probe"))
    var ready: [ReadinessProbe] = []

    @Option(help: ArgumentHelp("How long to wait for readiness.", valueName: "duration"))
    var readyTimeout: Duration = .seconds(30)

    @Option(help: ArgumentHelp("The stop signal, sent to the main process only (default: TERM, or the "
                               + "--platform's).", valueName: "signal"))
    var signal: Signal?

    @Option(help: ArgumentHelp("The grace period, after which SIGKILL is sent (default: 30s, or the --platform's).",
                               valueName: "duration"))
    var grace: Duration?

    @Option(help: ArgumentHelp("Wait this long before the signal, as a preStop sleep; counts against --grace.",
                               valueName: "duration"))
    var preStop: Duration = .zero

    @Option(help: ArgumentHelp("An http:// URL to have in flight when the signal goes out (repeatable).",
                               valueName: "url"))
    var inflight: [String] = []

    @Option(help: ArgumentHelp("Requests in flight per --inflight URL.", valueName: "n"))
    var inflightCount = 1

    @Option(help: ArgumentHelp("An http:// URL to request on new connections after the signal, to see how long the "
                               + "service kept serving and when its listener closed.", valueName: "url"))
    var probe: String?

    @Option(help: ArgumentHelp("Send a steady stream of GETs from before the signal until the process is gone "
                               + "and the deregistration window has passed: 200/s, or max.", valueName: "rate"))
    var load: String?

    @Option(help: ArgumentHelp("The URL --load requests (default: the first --inflight or --probe URL).",
                               valueName: "url"))
    var loadUrl: String?

    @Option(help: ArgumentHelp("Kept-alive connections --load reuses across requests, also after the signal.",
                               valueName: "n"))
    var keepalive = 0

    @Option(help: ArgumentHelp("How long --load runs before termination begins (the before-signal baseline).",
                               valueName: "duration"))
    var loadLeadIn: Duration = .milliseconds(500)

    @Option(help: ArgumentHelp("How long a --load request may take before it counts as timed out.",
                               valueName: "duration"))
    var loadTimeout: Duration = .seconds(2)

    @Option(help: ArgumentHelp("How long new traffic keeps arriving after termination begins (the pre-stop hook, "
                               + "or the signal): failures in it are requests-failed-while-deregistering "
                               + "(default: 0, or the --platform's).", valueName: "duration"))
    var deregistrationDelay: Duration?

    @Option(help: ArgumentHelp("Stop as this platform does: kubernetes, docker, compose, ecs, cloudrun, nomad, "
                               + "fly, heroku or systemd (signal, grace, deregistration window; see PLATFORMS).",
                               valueName: "name"), completion: .list(PlatformPreset.all.map(\.name)))
    var platform: String?

    @Option(help: ArgumentHelp("Also write a self-contained HTML page with the shutdown on one time axis: the "
                               + "pre-stop, signal, listener close (--probe), exit and grace end, the "
                               + "deregistration window shaded; with --load also each request as a mark coloured "
                               + "by outcome and a table per phase (without it, only the moments), then the "
                               + "findings and the timeline.", valueName: "file.html"))
    var report: String?

    @Option(help: ArgumentHelp("An exit code that also counts as clean (repeatable), such as 143.",
                               valueName: "code"))
    var acceptExit: [Int32] = []

    @Flag(help: """
        Run the check once per candidate stop signal, the configured one and the one the program's own \
        documentation says to stop it with (nginx: QUIT, PostgreSQL: INT), and print both outcomes side by side. \
        The exit code is that of the configured signal's run.
        """)
    var compareSignals = false

    @OptionGroup var output: FormatOption<CheckReportFormat>

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The service's command, after --.", valueName: "command"))
    var command: [String] = []

    /// Checks which options go together; called from `run`, so that the argument parser names an unknown option
    /// before sigscope complains about a missing one.
    func validateCombination() throws {
        if containers.selected { return try containers.validate(pid: pid?.rawValue, pid1: pid1) }
        if pid != nil && !command.isEmpty { throw ValidationError("give a command after -- or --pid, not both") }
        if pid == nil && command.isEmpty { throw ValidationError("give the service's command after --, or --pid PID") }
        if pid != nil && pid1 { throw ValidationError("--pid1 starts a command; it cannot apply to --pid") }
        if pid != nil && compareSignals {
            throw ValidationError("--compare-signals starts the command once per signal; it cannot apply to --pid")
        }
        if compareSignals && output.format != .text && output.format != .json {
            throw ValidationError("--compare-signals writes text or json")
        }
        if inflightCount < 1 || inflightCount > 1000 {
            throw ValidationError("--inflight-count must be between 1 and 1000")
        }
        if keepalive < 0 || keepalive > 1000 { throw ValidationError("--keepalive must be between 0 and 1000") }
        if load == nil && (loadUrl != nil || keepalive > 0) {
            throw ValidationError("--load-url and --keepalive need --load RATE")
        }
    }

    func checkConfiguration() throws(SigscopeError) -> ShutdownCheck.Configuration {
        let target: ShutdownCheck.Configuration.Target
        if containers.selected {
            target = .pid(0)  // set from the container's init
        } else if let pid {
            target = .pid(pid.rawValue)
        } else {
            target = .command(command)
        }
        var config = ShutdownCheck.Configuration(target: target)
        config.pid1 = pid1
        config.trace = trace
        config.readiness = ready
        config.readyTimeout = readyTimeout
        // A --platform preset first; explicit options override it.
        let preset = try platform.map { (name) throws(SigscopeError) in try PlatformPreset.named(name) }
        config.platform = preset?.name
        config.platformWindow = preset?.deregistrationDelay ?? .zero
        let signal = signal ?? preset?.signal ?? .term
        config.signal = signal
        if signal == .kill || signal == .stop {
            throw SigscopeError(.badInput, "--signal: \(signal.name) cannot be handled, so there is no graceful "
                + "shutdown to test")
        }
        let grace = grace ?? preset?.grace ?? .seconds(30)
        config.grace = grace
        guard grace > .zero else { throw SigscopeError(.badInput, "--grace must be longer than 0") }
        config.preStop = preStop
        guard containers.selected || preStop < grace else {
            let limit = self.grace == nil ? preset.map { "the \($0.name) grace period" } ?? "--grace" : "--grace"
            throw SigscopeError(.badInput, "--pre-stop (\(DurationParser.text(preStop))) must be shorter than \(limit) "
                + "(\(DurationParser.text(grace)))")
        }
        let urls = try inflight.map { (text) throws(SigscopeError) in try HTTPExchange.url(text, option: "--inflight") }
        config.inflight = urls.flatMap { Array(repeating: $0, count: inflightCount) }
        config.probe = try probe.map { (text) throws(SigscopeError) in try HTTPExchange.url(text, option: "--probe") }
        config.load = try loadSettings(preset: preset, firstURL: urls.first ?? config.probe)
        for code in acceptExit where !(0...255).contains(code) {
            throw SigscopeError(.badInput, "--accept-exit \(code): exit codes are 0 to 255")
        }
        config.acceptedExitCodes = Set(acceptExit).union([0])
        return config
    }

    /// `--load` and its window, or nil without `--load`.
    func loadSettings(preset: PlatformPreset?, firstURL: URL?) throws(SigscopeError) -> LoadSettings? {
        guard let load else {
            if deregistrationDelay != nil {
                throw SigscopeError(.badInput, "--deregistration-delay needs --load RATE: the window is judged by "
                    + "the traffic sent through it")
            }
            return nil
        }
        let rate = try LoadRate(parsing: load)
        let url = try loadUrl.map { (text) throws(SigscopeError) in try HTTPExchange.url(text, option: "--load-url") }
            ?? firstURL
        guard let url else { throw SigscopeError(.badInput, "--load needs a URL: give --load-url, --inflight or --probe") }
        guard loadTimeout > .zero else { throw SigscopeError(.badInput, "--load-timeout must be longer than 0") }
        var settings = LoadSettings(generator: LoadGenerator.Configuration(
            url: url, rate: rate, keepAlive: keepalive, requestTimeout: loadTimeout))
        settings.deregistrationDelay = deregistrationDelay ?? preset?.deregistrationDelay ?? .zero
        settings.leadIn = loadLeadIn
        return settings
    }

    func run() throws {
        try validateCombination()
        let format = output.format
        let config = try checkConfiguration()
        let countdown = format == .text && isatty(2) == 1
        var progress: (@Sendable (Double, Double) -> Void)?
        if countdown {
            progress = { used, grace in
                let text = String(format: "\r  waiting for the exit: %.1f s of %@ s ", used,
                                  ShutdownVerdict.format(grace))
                FileOutput.standardError.write(text)
            }
        }
        if compareSignals {
            let comparison = try SignalComparison.run(config)
            if countdown { FileOutput.standardError.write("\r\u{1B}[K") }
            let render = CheckFormat(style: TextStyle.forDescriptor(1))
            switch format {
            case .json: Output.write(comparison.json(format: render).pretty() + "\n")
            default: Output.write(comparison.text(style: TextStyle.forDescriptor(1)))
            }
            throw ExitCode(comparison.exitCode)
        }
        // Opened first: a path that cannot be written is bad input before the service is touched.
        let page = try report.map { (path) throws(SigscopeError) in try FileOutput.create(path: path) }
        var containerResult: ContainerCheckResult?
        let result: CheckResult
        // The countdown line is cleared before anything else is said, an interruption's message too.
        do {
            if containers.selected {
                containerResult = try containers.run(check: config, signal: signal, grace: grace,
                                                     runArguments: command, progress: progress)
                result = containerResult!.check
            } else {
                result = try ShutdownCheck(configuration: config, progress: progress).run()
            }
            if countdown { FileOutput.standardError.write("\r\u{1B}[K") }
        } catch {
            if countdown { FileOutput.standardError.write("\r\u{1B}[K") }
            throw error
        }
        if let page {
            page.write(CheckHTMLReport().render(result))
            page.close()
        }
        let render = CheckFormat(style: TextStyle.forDescriptor(1))
        switch format {
        case .text: Output.write(containerResult?.text(render) ?? render.text(result))
        case .json: Output.write((containerResult?.json(render) ?? render.json(result)).pretty() + "\n")
        case .junit: Output.write(render.junit(result))
        case .github: Output.write(render.github(result))
        }
        if result.verdict == .error, let notReady = result.observation.notReady {
            Output.error("pid \(result.observation.pid) \(notReady)")
        }
        throw ExitCode(result.verdict.exitCode)
    }
}
