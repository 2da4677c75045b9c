/// A rule of `sigscope lint`: a stable slug, its usual severity and a one-line summary. The catalog feeds the
/// findings, SARIF's `rules` table and `sigscope lint --list-rules`.
public struct LintRule: Sendable, Hashable {
    /// The stable slug users suppress with `# sigscope ignore=SLUG`.
    public let id: String
    /// The severity findings of this rule usually carry; a few rules raise or lower it case by case.
    public let severity: Severity
    /// What the rule checks, in one line.
    public let summary: String

    init(_ id: String, _ severity: Severity, _ summary: String) {
        self.id = id
        self.severity = severity
        self.summary = summary
    }

    /// A finding of this rule; `severity` overrides the rule's usual one.
    public func finding(_ message: String, hint: String, file: String?, line: Int? = nil,
                        severity: Severity? = nil) -> Finding {
        Finding(rule: id, severity: severity ?? self.severity, message: message, hint: hint, file: file, line: line)
    }

    // Any file.
    public static let fileUnreadable = LintRule("file-unreadable", .error, "A file cannot be read")
    public static let unknownFileType = LintRule(
        "unknown-file-type", .warning, "A file is neither an ELF binary, a Dockerfile nor a YAML manifest")

    // ELF binaries.
    public static let elfCorrupt = LintRule("elf-corrupt", .error, "An ELF file is truncated or corrupt")
    public static let signalAPIs = LintRule(
        "signal-apis", .info, "Which signal APIs a native binary imports or contains")
    public static let noSignalHandling = LintRule(
        "no-signal-handling", .warning, "A native binary neither installs a handler nor waits for signals")
    public static let strippedStatic = LintRule(
        "stripped-static-binary", .warning, "A static, stripped binary hides its signal handling entirely")
    public static let stripped = LintRule(
        "stripped-binary", .info, "A stripped dynamic binary shows only its dynamic imports")
    public static let goSignalNotify = LintRule(
        "go-signal-notify", .info, "A Go binary links os/signal.Notify or NotifyContext")
    public static let goNoSignalNotify = LintRule(
        "go-no-signal-notify", .warning, "A Go binary does not link os/signal.Notify or NotifyContext")
    public static let rustSignalCrate = LintRule(
        "rust-signal-crate", .info, "A Rust binary links signal-hook, tokio's signal module or ctrlc")
    public static let swiftUnixSignals = LintRule(
        "swift-unix-signals", .info, "A Swift binary links swift-service-lifecycle's UnixSignals")
    public static let interpreterDecides = LintRule(
        "interpreter-decides", .info, "An interpreter or VM: the script decides what SIGTERM does")

    // Dockerfiles.
    public static let dockerfileNoFrom = LintRule("dockerfile-no-from", .error, "A Dockerfile has no FROM")
    public static let shellFormPID1 = LintRule(
        "shell-form-pid1", .warning, "Shell-form CMD or ENTRYPOINT makes /bin/sh PID 1")
    public static let execFormInvalidJSON = LintRule(
        "exec-form-invalid-json", .warning, "A CMD or ENTRYPOINT array is not valid JSON, so it runs as shell form")
    public static let entrypointScriptNoExec = LintRule(
        "entrypoint-script-no-exec", .error, "An entrypoint script neither execs its command nor traps TERM")
    public static let stopSignalInvalid = LintRule(
        "stopsignal-invalid", .error, "STOPSIGNAL or lifecycle.stopSignal is not a signal, or cannot be caught")
    public static let stopSignalServer = LintRule(
        "stopsignal-server-mismatch", .warning, "A known server is stopped by a signal that is not its graceful one")
    public static let noInit = LintRule(
        "no-init", .info, "No init (tini, dumb-init) runs as PID 1 to forward signals and reap zombies")
    public static let interpreterPID1 = LintRule(
        "interpreter-pid1", .warning, "An interpreter runs as PID 1, where the kernel drops unhandled SIGTERM")

    // Kubernetes manifests.
    public static let manifestInvalid = LintRule("manifest-invalid", .error, "A YAML manifest cannot be parsed")
    public static let gracePeriodZero = LintRule(
        "grace-period-zero", .error, "terminationGracePeriodSeconds is 0 (or negative): SIGKILL right away")
    public static let preStopExceedsGrace = LintRule(
        "prestop-exceeds-grace", .error, "The preStop hook alone uses the whole grace period")
    public static let graceBudgetExceeded = LintRule(
        "grace-budget-exceeded", .error, "preStop plus the measured shutdown does not fit in the grace period")
    public static let graceBudgetTight = LintRule(
        "grace-budget-tight", .warning, "preStop plus the measured shutdown fits in the grace period without margin")
    public static let preStopDurationUnknown = LintRule(
        "prestop-duration-unknown", .info, "A preStop hook whose duration cannot be known before it runs")
    public static let shellWrapperCommand = LintRule(
        "shell-wrapper-command", .warning, "A container's command wraps the program in sh -c")
    public static let shareProcessNamespace = LintRule(
        "share-process-namespace", .info, "shareProcessNamespace: the app is not PID 1 of its container")
    public static let checkReportFailed = LintRule(
        "check-report-failed", .error, "The sigscope check report shows no clean shutdown")

    /// Every rule, in the order documentation lists them.
    public static let all: [LintRule] = [
        fileUnreadable, unknownFileType, elfCorrupt, signalAPIs, noSignalHandling, strippedStatic, stripped,
        goSignalNotify, goNoSignalNotify, rustSignalCrate, swiftUnixSignals, interpreterDecides, dockerfileNoFrom,
        shellFormPID1, execFormInvalidJSON, entrypointScriptNoExec, stopSignalInvalid, stopSignalServer, noInit,
        interpreterPID1, manifestInvalid, gracePeriodZero, preStopExceedsGrace, graceBudgetExceeded,
        graceBudgetTight, preStopDurationUnknown, shellWrapperCommand, shareProcessNamespace, checkReportFailed,
    ] + orchestratorRules

    /// The rule with this slug.
    public static func named(_ id: String) -> LintRule? { all.first { $0.id == id } }
}
