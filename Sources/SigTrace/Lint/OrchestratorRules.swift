/// The rules for what the other orchestrators do at stop time: systemd service units and Docker Compose files.
/// Each summary ends with the document that defines the behaviour it checks.
extension LintRule {
    // systemd units (systemd.kill(5), systemd.service(5)).
    public static let systemdUnitInvalid = LintRule(
        "systemd-unit-invalid", .error, "A unit line or value systemd ignores or rejects (systemd.syntax(7))")
    public static let systemdKillModeNone = LintRule(
        "systemd-killmode-none", .error, "KillMode=none: no process is signalled on stop; deprecated (systemd.kill(5))")
    public static let systemdKillModeProcess = LintRule(
        "systemd-killmode-process", .warning,
        "KillMode=process: only the main process is signalled, the rest is left running (systemd.kill(5))")
    public static let systemdKillSignalInvalid = LintRule(
        "systemd-killsignal-invalid", .error, "KillSignal= is SIGKILL or SIGSTOP: no clean stop (systemd.kill(5))")
    public static let systemdKillSignalServer = LintRule(
        "systemd-killsignal-server-mismatch", .warning,
        "A known server is stopped with a signal that is not its graceful one (systemd.kill(5) KillSignal=)")
    public static let systemdFinalKillSignal = LintRule(
        "systemd-final-kill-signal", .warning,
        "FinalKillSignal= is a signal the program catches, so the final kill may not kill (systemd.kill(5))")
    public static let systemdSendSIGKILLNo = LintRule(
        "systemd-sendsigkill-no", .warning,
        "SendSIGKILL=no: processes that outlive the stop timeout are left running (systemd.kill(5))")
    public static let systemdSendSIGHUPReload = LintRule(
        "systemd-sendsighup-reload", .warning,
        "SendSIGHUP=yes on a program that reloads on SIGHUP (systemd.kill(5))")
    public static let systemdStopTimeoutInfinite = LintRule(
        "systemd-stop-timeout-infinite", .info,
        "TimeoutStopSec= is infinity or 0: a hung stop is never forced (systemd.service(5))")
    public static let systemdStopBudgetExceeded = LintRule(
        "systemd-stop-budget-exceeded", .error,
        "The measured shutdown does not fit in TimeoutStopSec= (default 90s) (systemd.service(5))")
    public static let systemdStopBudgetTight = LintRule(
        "systemd-stop-budget-tight", .warning,
        "The measured shutdown fits in TimeoutStopSec= without margin (systemd.service(5))")
    public static let systemdExecStopAsync = LintRule(
        "systemd-execstop-async", .warning,
        "ExecStop= only sends a signal and returns: KillSignal= follows at once (systemd.service(5), systemd#13284)")
    public static let systemdExecStopNoStop = LintRule(
        "systemd-execstop-no-stop", .warning, "ExecStop= runs a command that does not stop the service "
            + "(systemd.service(5))")
    public static let systemdForkingNoPIDFile = LintRule(
        "systemd-forking-no-pidfile", .info,
        "Type=forking without PIDFile=: systemd guesses the main process (systemd.service(5))")
    public static let systemdExecStartShell = LintRule(
        "systemd-execstart-shell", .warning,
        "ExecStart= runs the program through sh -c: the shell is the main process (systemd.service(5))")
    public static let systemdReloadStops = LintRule(
        "systemd-execreload-stops", .warning,
        "ExecReload= sends a signal that stops the program, so a reload is a stop (systemd.service(5))")

    // Docker Compose (the Compose specification, docs.docker.com/reference/compose-file/services).
    public static let composeInvalid = LintRule(
        "compose-invalid", .error, "A Compose file or value Compose rejects (Compose specification)")
    public static let composeStopSignalInvalid = LintRule(
        "compose-stop-signal-invalid", .error,
        "stop_signal is not a signal, or SIGKILL/SIGSTOP (Compose specification: stop_signal)")
    public static let composeGraceZero = LintRule(
        "compose-grace-zero", .error, "stop_grace_period is 0: SIGKILL right after the stop signal "
            + "(Compose specification: stop_grace_period)")
    public static let composeBudgetExceeded = LintRule(
        "compose-grace-budget-exceeded", .error,
        "The measured shutdown does not fit in stop_grace_period (default 10s) (Compose specification)")
    public static let composeBudgetTight = LintRule(
        "compose-grace-budget-tight", .warning,
        "The measured shutdown fits in stop_grace_period without margin (Compose specification)")
    public static let composeCommandNoShell = LintRule(
        "compose-command-no-shell", .warning,
        "A string command: or entrypoint: uses shell syntax, but Compose splits it into words without a shell "
            + "(Compose specification: command)")
    public static let composeRollingNoHealthcheck = LintRule(
        "compose-rolling-no-healthcheck", .warning,
        "deploy.update_config order start-first with no healthcheck: the old task stops before the new one is "
            + "ready (Compose Deploy specification)")
    public static let composeRollingStopFirst = LintRule(
        "compose-rolling-stop-first", .info,
        "deploy.update_config stops the only replica before starting its replacement (Compose Deploy specification)")

    /// The rules of this file, in the order documentation lists them.
    static let orchestratorRules: [LintRule] = [
        systemdUnitInvalid, systemdKillModeNone, systemdKillModeProcess, systemdKillSignalInvalid,
        systemdKillSignalServer, systemdFinalKillSignal, systemdSendSIGKILLNo, systemdSendSIGHUPReload,
        systemdStopTimeoutInfinite, systemdStopBudgetExceeded, systemdStopBudgetTight, systemdExecStopAsync,
        systemdExecStopNoStop, systemdForkingNoPIDFile, systemdExecStartShell, systemdReloadStops,
        composeInvalid, composeStopSignalInvalid, composeGraceZero, composeBudgetExceeded, composeBudgetTight,
        composeCommandNoShell, composeRollingNoHealthcheck, composeRollingStopFirst,
    ]
}
