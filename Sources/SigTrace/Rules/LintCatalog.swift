/// The rules of `sigscope lint`: ELF binaries, Dockerfiles and Kubernetes manifests, read before deploying.
extension Rule {
    // Any file.
    public static let fileUnreadable = Rule(
        "file-unreadable", .error, [.lint], "A file cannot be read",
        help: "sigscope could not open or read the file, so nothing in it was checked; fix the path or permissions.",
        source: "open(2), read(2)")
    public static let unknownFileType = Rule(
        "unknown-file-type", .warning, [.lint], "A file is neither an ELF binary, a Dockerfile nor a YAML manifest",
        help: "The file was named on the command line but sigscope does not know how to read it; name the "
            + "binaries, Dockerfiles and manifests to lint.",
        source: "sigscope: files are recognised by content (ELF magic, FROM, apiVersion/kind)")
    public static let suppressionUnknownRule = Rule(
        "suppression-unknown-rule", .error, [.lint],
        "An ignore comment or annotation names a rule sigscope does not have",
        help: "A misspelt `# sigscope ignore=RULE` comment or `ignore-check.sigscope.dev/RULE` annotation silences "
            + "nothing; name a rule from `sigscope lint --list-rules`.",
        source: "sigscope: suppression is checked like .sigscope.yml, where an unknown rule is an error")

    // ELF binaries.
    public static let elfCorrupt = Rule(
        "elf-corrupt", .error, [.lint], "An ELF file is truncated or corrupt",
        help: "libelf could not read the file's headers or sections; a truncated download or a broken build.",
        source: "elf(5); libelf")
    public static let signalAPIs = Rule(
        "signal-apis", .info, [.lint], "Which signal APIs a native binary imports or contains",
        help: "Lists sigaction, signal, signalfd, sigwait and their relatives found in the binary: what it can do "
            + "with signals, not proof of what it does.",
        source: "signal(7); the binary's dynamic and static symbol tables")
    public static let noSignalHandling = Rule(
        "no-signal-handling", .warning, [.lint], "A native binary neither installs a handler nor waits for signals",
        help: "Without sigaction, signal, signalfd or sigwait the default action of SIGTERM kills the process at "
            + "once: no drain, no cleanup. Handle SIGTERM, or confirm with sigscope check.",
        source: "signal(7): the default action of SIGTERM is to terminate the process")
    public static let strippedStatic = Rule(
        "stripped-static-binary", .warning, [.lint], "A static, stripped binary hides its signal handling entirely",
        help: "With no symbol table and no dynamic imports nothing shows whether it handles SIGTERM; keep symbols "
            + "for lint, or prove the shutdown with sigscope check.",
        source: "elf(5): a stripped static executable has neither .symtab nor .dynsym")
    public static let stripped = Rule(
        "stripped-binary", .info, [.lint], "A stripped dynamic binary shows only its dynamic imports",
        help: "Only imported functions are visible; signal handling done through a statically linked library "
            + "would not show.",
        source: "elf(5)")
    public static let goSignalNotify = Rule(
        "go-signal-notify", .info, [.lint], "A Go binary links os/signal.Notify or NotifyContext",
        help: "The program can receive SIGTERM as a value; whether it then drains (http.Server.Shutdown) only "
            + "sigscope check shows.",
        source: "https://pkg.go.dev/os/signal")
    public static let goNoSignalNotify = Rule(
        "go-no-signal-notify", .warning, [.lint], "A Go binary does not link os/signal.Notify or NotifyContext",
        help: "Without Notify the Go runtime re-raises SIGTERM and the program dies of it; as PID 1 it exits 2. "
            + "Use signal.NotifyContext and http.Server.Shutdown.",
        source: "https://pkg.go.dev/os/signal (default behavior of signals in Go programs)",
        severityVaries: "info when the binary has no function or symbol table to look in (nothing can be said)")
    public static let rustSignalCrate = Rule(
        "rust-signal-crate", .info, [.lint], "A Rust binary links signal-hook, tokio's signal module or ctrlc",
        help: "The program can catch signals; tokio::signal::ctrl_c and ctrlc catch SIGINT, not SIGTERM, unless "
            + "configured.",
        source: "https://docs.rs/tokio/latest/tokio/signal/; https://docs.rs/signal-hook")
    public static let swiftUnixSignals = Rule(
        "swift-unix-signals", .info, [.lint], "A Swift binary links swift-service-lifecycle's UnixSignals",
        help: "ServiceGroup can turn SIGTERM into a graceful shutdown when configured with gracefulShutdownSignals.",
        source: "https://github.com/swift-server/swift-service-lifecycle")
    public static let interpreterDecides = Rule(
        "interpreter-decides", .info, [.lint], "An interpreter or VM: the script decides what SIGTERM does",
        help: "Python, Node, Ruby, Perl and the JVM are judged by the program they run; lint the image or run "
            + "sigscope check.",
        source: "sigscope: a runtime's own handlers say nothing about the script")

    // Dockerfiles.
    public static let dockerfileNoFrom = Rule(
        "dockerfile-no-from", .error, [.lint], "A Dockerfile has no FROM",
        help: "Every build stage starts with FROM; the file cannot build.",
        source: "https://docs.docker.com/reference/dockerfile/#from")
    public static let shellFormPID1 = Rule(
        "shell-form-pid1", .warning, [.lint], "Shell-form CMD or ENTRYPOINT makes /bin/sh PID 1",
        help: "`CMD app --flag` runs `/bin/sh -c 'app --flag'`; dash (Debian, Ubuntu) never execs it and stays PID 1, "
            + "forwarding no signal; bash and BusyBox ash exec a last simple command. Use exec form "
            + "(`CMD [\"app\", \"--flag\"]`) or `exec app`.",
        source: "https://docs.docker.com/reference/dockerfile/#shell-and-exec-form; measured: LintShellCommandTests",
        severityVaries: "error when the image's shell certainly stays PID 1 (dash, or a loop, pipe, trap or "
            + "background job that no shell execs); warning when it depends on an image whose /bin/sh is unknown, "
            + "and under an init")
    public static let execFormInvalidJSON = Rule(
        "exec-form-invalid-json", .warning, [.lint],
        "A CMD or ENTRYPOINT array is not valid JSON, so it runs as shell form",
        help: "Docker falls back to shell form when the array is not JSON (single quotes, a trailing comma); use "
            + "double quotes.",
        source: "https://docs.docker.com/reference/dockerfile/#exec-form")
    public static let entrypointScriptNoExec = Rule(
        "entrypoint-script-no-exec", .error, [.lint], "An entrypoint script neither execs its command nor traps TERM",
        help: "The script stays PID 1 with the program as its child and SIGTERM never reaches the program; end the "
            + "script with `exec \"$@\"` (or `exec program`).",
        source: "https://docs.docker.com/build/building/best-practices/#entrypoint",
        severityVaries: "info for a Compose service on an image whose own ENTRYPOINT sigscope cannot see")
    public static let stopSignalInvalid = Rule(
        "stopsignal-invalid", .error, [.lint], "STOPSIGNAL or lifecycle.stopSignal is not a signal, or cannot be caught",
        help: "The runtime refuses an unknown signal name; SIGKILL or SIGSTOP as a stop signal leaves no chance to "
            + "drain.",
        source: "https://docs.docker.com/reference/dockerfile/#stopsignal; KEP-4960")
    public static let stopSignalServer = Rule(
        "stopsignal-server-mismatch", .warning, [.lint],
        "A known server is stopped by a signal that is not its graceful one",
        help: "Some servers drain only on a signal other than SIGTERM (nginx and php-fpm: SIGQUIT); set STOPSIGNAL "
            + "to the graceful one.",
        source: "http://nginx.org/en/docs/control.html; the program's documentation")
    public static let noInit = Rule(
        "no-init", .info, [.lint], "A program known not to handle SIGTERM or reap as PID 1 runs with no init",
        help: "Only for programs the knowledge base knows to ignore SIGTERM as PID 1 or not to reap (a bare shell); "
            + "servers that handle their stop signal are not reported. `docker run --init` or tini fixes it.",
        source: "https://github.com/krallin/tini; pid_namespaces(7)")
    public static let interpreterPID1 = Rule(
        "interpreter-pid1", .warning, [.lint], "An interpreter runs as PID 1, where the kernel drops unhandled SIGTERM",
        help: "Python, Node and PHP install no SIGTERM handler of their own that drains; as PID 1 the kernel drops "
            + "SIGTERM and the container is SIGKILLed. Handle SIGTERM in the program or run under tini. Source in "
            + "the build context that installs a handler (process.on('SIGTERM'), signal.signal, uvicorn, Django's "
            + "runserver, werkzeug's reloader) silences it.",
        source: "pid_namespaces(7); https://github.com/nodejs/docker-node/blob/main/docs/BestPractices.md",
        severityVaries: "info when the app's source is not in the build context, so whether it handles SIGTERM "
            + "cannot be read, and for a Compose service on an image whose own ENTRYPOINT sigscope cannot see")
    public static let launcherPID1 = Rule(
        "launcher-pid1", .warning, [.lint], "npm, yarn, pnpm or `flask run` runs as PID 1 in front of the program",
        help: "A launcher as PID 1 has no SIGTERM handler the kernel honours, or forwards it late; the program "
            + "is not PID 1 and the container ends in SIGKILL. Run the program itself (`node server.js`).",
        source: "https://github.com/nodejs/docker-node/blob/main/docs/BestPractices.md#cmd")

    // Kubernetes manifests.
    public static let manifestInvalid = Rule(
        "manifest-invalid", .error, [.lint], "A YAML manifest cannot be parsed",
        help: "The YAML does not parse, so kubectl would refuse it too.",
        source: "YAML 1.2")
    public static let gracePeriodZero = Rule(
        "grace-period-zero", .error, [.lint], "terminationGracePeriodSeconds is 0 (or negative): SIGKILL right away",
        help: "With no grace period the kubelet kills the container at once: nothing drains.",
        source: "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination")
    public static let preStopExceedsGrace = Rule(
        "prestop-exceeds-grace", .error, [.lint], "The preStop hook alone uses the whole grace period",
        help: "The grace period counts from the start of preStop; a preStop as long as the grace leaves no time "
            + "after SIGTERM (2 s at most, once).",
        source: "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination")
    public static let graceBudgetExceeded = Rule(
        "grace-budget-exceeded", .error, [.lint], "preStop plus the measured shutdown does not fit in the grace period",
        help: "The measured drain plus preStop is longer than terminationGracePeriodSeconds: the kubelet will "
            + "SIGKILL mid-drain. Raise the grace period or shorten the drain.",
        source: "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination")
    public static let graceBudgetTight = Rule(
        "grace-budget-tight", .warning, [.lint],
        "preStop plus the measured shutdown fits in the grace period without margin",
        help: "A slower node or a busier day pushes the drain past the grace period; leave a margin (--margin).",
        source: "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination")
    public static let preStopDurationUnknown = Rule(
        "prestop-duration-unknown", .info, [.lint], "A preStop hook whose duration cannot be known before it runs",
        help: "An exec or httpGet preStop takes as long as it takes; its time counts against the grace period.",
        source: "https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/")
    public static let shellWrapperCommand = Rule(
        "shell-wrapper-command", .warning, [.lint], "A container's command wraps the program in sh -c",
        help: "`sh -c 'app'` keeps the shell as PID 1 unless it execs: dash never does, bash and BusyBox ash exec a "
            + "last simple command; a loop, pipe, trap or background job keeps any shell in front. Write `exec app` "
            + "inside the string or drop the shell.",
        source: "pid_namespaces(7); measured: LintShellCommandTests (dash, bash, BusyBox ash)",
        severityVaries: "error when the shell certainly stays PID 1 (the image's shell is known, or no shell would "
            + "exec the command); warning when it depends on an unknown image's /bin/sh, or with a shared process "
            + "namespace")
    public static let shareProcessNamespace = Rule(
        "share-process-namespace", .info, [.lint], "shareProcessNamespace: the app is not PID 1 of its container",
        help: "With a shared process namespace the pause container is PID 1; the app gets SIGTERM like any process.",
        source: "https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/")
    public static let checkReportFailed = Rule(
        "check-report-failed", .error, [.lint], "The sigscope check report shows no clean shutdown",
        help: "The `sigscope check --format json` report given with --check-report did not pass.",
        source: "sigscope check")

    /// lint's rules about any file.
    public static let fileRules: [Rule] = [fileUnreadable, unknownFileType, suppressionUnknownRule]
    /// lint's rules about ELF binaries.
    public static let binaryRules: [Rule] = [
        elfCorrupt, signalAPIs, noSignalHandling, strippedStatic, stripped, goSignalNotify, goNoSignalNotify,
        rustSignalCrate, swiftUnixSignals, interpreterDecides,
    ]
    /// lint's rules about Dockerfiles.
    public static let dockerfileRules: [Rule] = [
        dockerfileNoFrom, shellFormPID1, execFormInvalidJSON, entrypointScriptNoExec, stopSignalInvalid,
        stopSignalServer, noInit, interpreterPID1, launcherPID1,
    ]
    /// lint's rules about Kubernetes manifests.
    public static let manifestRules: [Rule] = [
        manifestInvalid, gracePeriodZero, preStopExceedsGrace, graceBudgetExceeded, graceBudgetTight,
        preStopDurationUnknown, shellWrapperCommand, shareProcessNamespace, checkReportFailed,
    ]

    /// Every rule of `lint`, in the order documentation lists them.
    static let lintRules: [Rule] = fileRules + binaryRules + dockerfileRules + manifestRules + orchestratorRules
}
