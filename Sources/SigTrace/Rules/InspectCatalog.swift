/// The rules of `sigscope inspect`: what one process's dispositions, runtime and children forecast. Those that
/// forecast the stop signal's fate also appear in a check's findings, taken just before the signal.
extension Rule {
    public static let pid1SigtermDropped = Rule(
        "pid1-sigterm-dropped", .error, [.inspect, .check],
        "PID 1 of a PID namespace has no SIGTERM handler, so the kernel drops SIGTERM",
        help: "docker stop and the kubelet wait out the whole grace period and SIGKILL the container. Run under "
            + "tini or dumb-init (docker run --init), or install a SIGTERM handler.",
        source: "pid_namespaces(7): the init of a namespace gets only the signals it has a handler for; "
            + "kernel/signal.c sig_task_ignored()")
    public static let sigtermIgnored = Rule(
        "sigterm-ignored", .error, [.inspect, .check], "SIGTERM is ignored (SigIgn)",
        help: "The process sits out the whole grace period and is SIGKILLed. Look for signal(SIGTERM, SIG_IGN), "
            + "nohup, or a parent that ignored it before exec.",
        source: "signal(7); execve(2): ignored signals stay ignored across exec")
    public static let sigtermBlocked = Rule(
        "sigterm-blocked", .error, [.inspect, .check],
        "SIGTERM is blocked in every thread with no signalfd or sigwait taking it",
        help: "SIGTERM stays pending and the process is SIGKILLed at the end of the grace period. Unblock it, or "
            + "read it with signalfd or sigwait in a dedicated thread.",
        source: "sigprocmask(2), signal(7): a blocked signal stays pending until unblocked")
    public static let sigtermNotCaught = Rule(
        "sigterm-not-caught", .warning, [.inspect, .check], "SIGTERM is not caught: its default action kills at once",
        help: "No request is drained and no cleanup runs. Install a SIGTERM handler that stops accepting, drains "
            + "and exits 0.",
        source: "signal(7): the default action of SIGTERM is to terminate the process")
    public static let sigtermDeferred = Rule(
        "sigterm-deferred", .info, [.inspect, .check],
        "SIGTERM is caught but blocked in every thread: its handler runs when the program unblocks it",
        help: "Event loops such as mosquitto's block their signals around each wait and unblock them between waits, "
            + "so a pending SIGTERM is handled when the wait returns. sigscope reads each thread's system call for a "
            + "wait with a timeout, or samples the masks for an unblocked moment; when it sees neither, the forecast "
            + "is uncertain: confirm with sigscope check.",
        source: "sigprocmask(2), epoll_wait(2), proc(5) /proc/PID/task/TID/syscall",
        severityVaries: "info when a wait with a timeout or an unblocked moment was seen, warning when neither was")
    public static let pid1ShellWrapper = Rule(
        "pid1-shell-wrapper", .error, [.inspect, .check],
        "PID 1 is a shell and the real program runs as its child",
        help: "The shell does not forward SIGTERM to the program. exec the program from the shell, use exec-form "
            + "CMD, or run under tini.",
        source: "dash(1) forks the last command instead of exec'ing it; pid_namespaces(7)",
        severityVaries: "warning when the shell itself handles SIGTERM (a trap), error otherwise")
    public static let zombieChildren = Rule(
        "zombie-children", .warning, [.inspect, .check], "A process has (or left) zombie children it never reaped",
        help: "Zombies hold PIDs until reaped; as PID 1 a process must reap every orphan in its namespace. wait "
            + "for children (waitpid) or run under tini or dumb-init.",
        source: "wait(2); pid_namespaces(7)")
    public static let sigtermViaSignalfd = Rule(
        "sigterm-via-signalfd", .info, [.inspect, .check], "SIGTERM is taken through a signalfd",
        help: "SIGTERM is blocked and read from a signalfd, so SigCgt does not show it; that is a correct way to "
            + "handle it. sigscope check confirms the shutdown.",
        source: "signalfd(2); /proc/PID/fdinfo sigmask")
    public static let sigtermViaSigwait = Rule(
        "sigterm-via-sigwait", .info, [.inspect, .check], "SIGTERM is taken by a thread waiting in sigwait",
        help: "A thread waits for SIGTERM in sigwait/sigtimedwait; a correct way to handle it. sigscope check "
            + "confirms the shutdown.",
        source: "sigwait(3), sigtimedwait(2)")
    public static let runtimeCatchAll = Rule(
        "runtime-catch-all", .info, [.inspect],
        "The Go runtime catches every signal, so a caught SIGTERM is no proof of handling",
        help: "Without signal.Notify the runtime re-raises SIGTERM and the process dies of it. Where the binary has "
            + "symbols, sigscope reads the runtime's own record of what Notify asked for (runtime.sig's wanted mask) "
            + "from the process's memory and says \"Notify(SIGTERM) active: yes/no\"; otherwise run sigscope check, "
            + "or sigscope lint on the binary.",
        source: "https://pkg.go.dev/os/signal (default behavior of signals in Go programs)")
    public static let runtimeDecides = Rule(
        "runtime-decides", .info, [.inspect],
        "An interpreter runs the program: the script decides whether SIGTERM is handled",
        help: "Python, Node, Ruby and Perl programs handle SIGTERM only if the script installs a handler "
            + "(signal module, process.on('SIGTERM')). Node and Ruby catch SIGTERM themselves and re-raise it unless "
            + "the script listens, so a caught SIGTERM is no proof either; confirm with sigscope check.",
        source: "https://docs.python.org/3/library/signal.html; https://nodejs.org/api/process.html#signal-events")
    public static let stopSignalMeaning = Rule(
        "stop-signal-meaning", .warning, [.inspect, .check],
        "The knowledge base knows the program: the stop signal is not its clean stop",
        help: "Some servers give TERM another meaning: uWSGI 2.0 reloads on it unless started with --die-on-term, "
            + "PostgreSQL's TERM waits for every client, nginx's and HAProxy's close open connections. The finding "
            + "names the program's own signal and setting. inspect judges TERM; check the signal it sent, and only "
            + "when the service passed (a failure already carries the advice in its hint).",
        source: "the program knowledge base (sigscope's Knowledge/ folder), each fact with its documentation",
        severityVaries: "error when the signal does not stop the program (a reload), warning when it stops only "
            + "after every client leaves or a configuration file may change it, info when it is a fast stop and "
            + "another signal drains")
    public static let sigpipeDefault = Rule(
        "sigpipe-default", .warning, [.inspect], "A TCP listener leaves SIGPIPE at its default action",
        help: "A write to a connection the client closed kills the process. Ignore SIGPIPE or send with "
            + "MSG_NOSIGNAL.",
        source: "signal(7), send(2) MSG_NOSIGNAL")
    public static let noVerdict = Rule(
        "no-verdict", .info, [.inspect],
        "sigscope may not read the descriptors or system calls that could change SIGTERM's outcome",
        help: "A signalfd or sigwait taking SIGTERM would go unseen; run as root (or with CAP_SYS_PTRACE) for a "
            + "verdict.",
        source: "proc(5): fdinfo and syscall need ptrace access mode")

    /// inspect's rules that forecast what the stop signal will do, and so belong in a check's findings.
    public static let forecastRules: [Rule] = [
        pid1SigtermDropped, sigtermIgnored, sigtermBlocked, sigtermNotCaught, pid1ShellWrapper, zombieChildren,
        sigtermViaSignalfd, sigtermViaSigwait, sigtermDeferred,
    ]

    /// Every rule of `inspect`, in the order documentation lists them.
    static let inspectRules: [Rule] = forecastRules + [runtimeCatchAll, runtimeDecides, stopSignalMeaning,
                                                       sigpipeDefault, noVerdict]
}
