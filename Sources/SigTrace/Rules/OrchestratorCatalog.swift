/// The rules of `sigscope lint` for what the other orchestrators do at stop time: systemd service units and
/// Docker Compose files.
extension Rule {
    static let systemdKill = "systemd.kill(5), https://man7.org/linux/man-pages/man5/systemd.kill.5.html"
    static let systemdService = "systemd.service(5), https://man7.org/linux/man-pages/man5/systemd.service.5.html"
    static let composeServices = "the Compose specification, https://docs.docker.com/reference/compose-file/services/"

    // systemd units.
    public static let systemdUnitInvalid = Rule(
        "systemd-unit-invalid", .error, [.lint], "A unit line or value systemd ignores or rejects",
        help: "systemd skips a line outside a section or without '=', and ignores a value it cannot parse (an "
            + "unknown signal, a bad time span) keeping the default: the unit does not do what it says.",
        source: "systemd.syntax(7), https://man7.org/linux/man-pages/man7/systemd.syntax.7.html",
        severityVaries: "warning for a line systemd skips (outside a section, no '='); error for a stop setting "
            + "whose value systemd rejects")
    public static let systemdKillModeNone = Rule(
        "systemd-killmode-none", .error, [.lint], "KillMode=none: no process is signalled when the unit stops",
        help: "Only ExecStop= runs; every process is left running while systemd reports the unit stopped. "
            + "systemd deprecated KillMode=none; use mixed or the default control-group.",
        source: systemdKill,
        severityVaries: "warning when an ExecStop= command is there to stop the service")
    public static let systemdKillModeProcess = Rule(
        "systemd-killmode-process", .warning, [.lint],
        "KillMode=process: only the main process is signalled, the rest is left running",
        help: "Children the main process does not stop stay after the stop; if it crashes, Restart= starts a new "
            + "main process beside its old children. Meant for processes that must outlive the service (login "
            + "sessions); otherwise use KillMode=mixed.",
        source: systemdKill,
        severityVaries: "warning for a server or supervisor with Restart= (its children outlive a crash); info "
            + "otherwise")
    public static let systemdKillSignalInvalid = Rule(
        "systemd-killsignal-invalid", .error, [.lint], "KillSignal= or RestartKillSignal= is SIGKILL or SIGSTOP",
        help: "SIGKILL gives the program no chance to shut down; SIGSTOP freezes it until TimeoutStopSec= ends.",
        source: systemdKill)
    public static let systemdKillSignalServer = Rule(
        "systemd-killsignal-server-mismatch", .warning, [.lint],
        "A known server is stopped with a signal that is not its graceful one",
        help: "KillSignal= (SIGTERM by default) decides how the program ExecStart= runs stops: TERM is nginx's, "
            + "php-fpm's and HAProxy's fast stop. Set KillSignal= to the program's graceful signal.",
        source: systemdKill + "; the program's documentation, in the knowledge base")
    public static let systemdFinalKillSignal = Rule(
        "systemd-final-kill-signal", .warning, [.lint],
        "FinalKillSignal= is a signal the program catches, so the final kill may not kill",
        help: "FinalKillSignal= goes to processes that outlived KillSignal= and TimeoutStopSec=; a signal they "
            + "handle (TERM, or QUIT for a JVM's thread dump) leaves them running.",
        source: systemdKill,
        severityVaries: "info for a signal whose meaning to the program is unknown")
    public static let systemdSendSIGKILLNo = Rule(
        "systemd-sendsigkill-no", .warning, [.lint],
        "SendSIGKILL=no: processes that outlive the stop timeout are left running",
        help: "The unit is marked failed with its processes still running, and under control-group or mixed it "
            + "will not start again while they run. Raise TimeoutStopSec= instead.",
        source: systemdKill)
    public static let systemdSendSIGHUPReload = Rule(
        "systemd-sendsighup-reload", .warning, [.lint], "SendSIGHUP=yes on a program that reloads on SIGHUP",
        help: "SendSIGHUP= sends SIGHUP right after KillSignal=; it is meant for shells. A server that reloads on "
            + "SIGHUP starts reloading in the middle of its stop.",
        source: systemdKill)
    public static let systemdStopTimeoutInfinite = Rule(
        "systemd-stop-timeout-infinite", .info, [.lint], "TimeoutStopSec= is infinity or 0: a hung stop is never "
            + "forced",
        help: "systemctl stop, restarts and machine shutdown wait as long as the program takes; sometimes chosen "
            + "on purpose (a database saving its data).",
        source: systemdService)
    public static let systemdStopBudgetExceeded = Rule(
        "systemd-stop-budget-exceeded", .error, [.lint],
        "The measured shutdown does not fit in TimeoutStopSec= (default 90s)",
        help: "After TimeoutStopSec= systemd sends FinalKillSignal= (SIGKILL): a shutdown measured with "
            + "--shutdown or a sigscope check report that takes longer is cut off.",
        source: systemdService)
    public static let systemdStopBudgetTight = Rule(
        "systemd-stop-budget-tight", .warning, [.lint],
        "The measured shutdown fits in TimeoutStopSec= without margin",
        help: "The margin is 10% of the timeout, at least 2s (or --margin).",
        source: systemdService)
    public static let systemdExecStopAsync = Rule(
        "systemd-execstop-async", .warning, [.lint],
        "ExecStop= only sends a signal and returns, so KillSignal= follows at once",
        help: "systemd sends KillSignal= as soon as the last ExecStop= command returns; `kill $MAINPID`, "
            + "`nginx -s quit` or `apachectl graceful-stop` return at once, so the stop they began is cut short. "
            + "Set KillSignal= instead, or make ExecStop= wait.",
        source: systemdService + " (ExecStop=); https://github.com/systemd/systemd/issues/13284")
    public static let systemdExecStopNoStop = Rule(
        "systemd-execstop-no-stop", .info, [.lint], "ExecStop= runs a command that does not stop the service",
        help: "A command such as /bin/true or echo stops nothing; KillSignal= after it does the stop.",
        source: systemdService)
    public static let systemdForkingNoPIDFile = Rule(
        "systemd-forking-no-pidfile", .info, [.lint], "Type=forking without PIDFile=: systemd guesses the main "
            + "process",
        help: "KillMode=mixed, $MAINPID and Restart= act on the main process; without PIDFile= systemd guesses "
            + "it, and with GuessMainPID=no it has none.",
        source: systemdService,
        severityVaries: "warning with GuessMainPID=no when KillMode=mixed/process or $MAINPID needs a main process")
    public static let systemdExecStartShell = Rule(
        "systemd-execstart-shell", .warning, [.lint], "ExecStart= runs the program through sh -c without exec",
        help: "The shell becomes the main process: KillMode=mixed or process signal it, not the program; "
            + "$MAINPID and Type=notify refer to it. Run the program directly, or `exec` it.",
        source: systemdService,
        severityVaries: "info under KillMode=control-group with no $MAINPID or Type=notify (the program still "
            + "gets the signal)")
    public static let systemdReloadStops = Rule(
        "systemd-execreload-stops", .warning, [.lint], "ExecReload= sends a signal that stops the program",
        help: "`systemctl reload` then stops the service, and Restart= decides whether it comes back.",
        source: systemdService + "; the program's documentation, in the knowledge base")

    // Docker Compose files.
    public static let composeInvalid = Rule(
        "compose-invalid", .error, [.lint], "A Compose file or value Compose rejects",
        help: "Compose refuses the file or the value (a duration without a unit), or a build Dockerfile cannot be "
            + "read, so the service is not checked.",
        source: composeServices,
        severityVaries: "warning for a file without services; info when a build Dockerfile cannot be read")
    public static let composeStopSignalInvalid = Rule(
        "compose-stop-signal-invalid", .error, [.lint], "stop_signal is not a signal, or SIGKILL/SIGSTOP",
        help: "An uncatchable stop signal gives the program no chance to shut down.",
        source: composeServices + "#stop_signal")
    public static let composeGraceZero = Rule(
        "compose-grace-zero", .error, [.lint], "stop_grace_period is 0: SIGKILL right after the stop signal",
        help: "Docker waits stop_grace_period (default 10s) between the stop signal and SIGKILL.",
        source: composeServices + "#stop_grace_period")
    public static let composeBudgetExceeded = Rule(
        "compose-grace-budget-exceeded", .error, [.lint],
        "The measured shutdown does not fit in stop_grace_period (default 10s)",
        help: "docker compose stop/down and rolling updates SIGKILL the container when stop_grace_period ends.",
        source: composeServices + "#stop_grace_period")
    public static let composeBudgetTight = Rule(
        "compose-grace-budget-tight", .warning, [.lint],
        "The measured shutdown fits in stop_grace_period without margin",
        help: "The margin is 10% of the grace period, at least 2s (or --margin).",
        source: composeServices + "#stop_grace_period")
    public static let composeCommandNoShell = Rule(
        "compose-command-no-shell", .warning, [.lint],
        "A string command: or entrypoint: uses shell syntax that no shell will read",
        help: "Compose splits a string command into words itself; `&&`, `|` or `;` become arguments of the "
            + "program. Write a list, with [\"sh\", \"-c\", \"... && exec prog\"] when a shell is needed.",
        source: composeServices + "#command")
    public static let composeRollingNoHealthcheck = Rule(
        "compose-rolling-no-healthcheck", .warning, [.lint],
        "deploy.update_config order start-first with no healthcheck",
        help: "Without a healthcheck a new task counts as ready when it starts, so the old one gets its stop "
            + "signal before the new one serves.",
        source: "the Compose Deploy specification, https://docs.docker.com/reference/compose-file/deploy/",
        severityVaries: "info when the image may define a HEALTHCHECK sigscope cannot see")
    public static let composeRollingStopFirst = Rule(
        "compose-rolling-stop-first", .info, [.lint],
        "deploy.update_config stops the only replica before starting its replacement",
        help: "order stop-first (the default) with one replica leaves no task running for the length of the "
            + "stop and the start.",
        source: "the Compose Deploy specification, https://docs.docker.com/reference/compose-file/deploy/")

    /// lint's rules about systemd units and Compose files.
    public static let orchestratorRules: [Rule] = [
        systemdUnitInvalid, systemdKillModeNone, systemdKillModeProcess, systemdKillSignalInvalid,
        systemdKillSignalServer, systemdFinalKillSignal, systemdSendSIGKILLNo, systemdSendSIGHUPReload,
        systemdStopTimeoutInfinite, systemdStopBudgetExceeded, systemdStopBudgetTight, systemdExecStopAsync,
        systemdExecStopNoStop, systemdForkingNoPIDFile, systemdExecStartShell, systemdReloadStops,
        composeInvalid, composeStopSignalInvalid, composeGraceZero, composeBudgetExceeded, composeBudgetTight,
        composeCommandNoShell, composeRollingNoHealthcheck, composeRollingStopFirst,
    ]
}
