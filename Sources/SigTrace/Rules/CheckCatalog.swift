/// The rules of `sigscope check`: what happened when the service was really told to stop. inspect's forecast
/// rules (`Rule.forecastRules`) join them, taken just before the signal.
extension Rule {
    public static let notReady = Rule(
        "not-ready", .error, [.check], "The service exited or never became ready, so no signal was sent",
        help: "The check could not reach the stop signal; fix the command or --ready. Its last output is shown.",
        source: "sigscope check")
    public static let graceExceeded = Rule(
        "grace-exceeded", .error, [.check], "The service was still running at the end of the grace period",
        help: "It needed SIGKILL, as the kubelet and docker stop send it when the grace period ends. Handle the "
            + "stop signal: stop accepting, drain within the grace period, exit 0.",
        source: "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination; "
            + "https://docs.docker.com/reference/cli/docker/container/stop/")
    public static let killedBySignal = Rule(
        "killed-by-signal", .error, [.check], "The service died of a signal's default action",
        help: "No handler ran, so no request was drained and no cleanup happened. Catch the stop signal and "
            + "exit 0.",
        source: "signal(7); wait(2) WIFSIGNALED")
    public static let exitNonzero = Rule(
        "exit-nonzero", .error, [.check], "The service exited with a code that does not mean success",
        help: "Orchestrators count a non-zero exit as a failure. Exit 0 after a clean shutdown, or pass "
            + "--accept-exit CODE if the runtime exits that way by design (the JVM exits 143).",
        source: "wait(2) WEXITSTATUS; the JVM's Terminator exits 128+signal")
    public static let inflightFailed = Rule(
        "inflight-failed", .error, [.check], "A request in flight at the signal did not complete with its full body",
        help: "Requests the service had accepted were cut; let in-flight requests finish before exiting.",
        source: "sigscope check --inflight (TCP_INFO proves each request was on the wire before the signal)")
    public static let orphanedChildren = Rule(
        "orphaned-children", .error, [.check], "The service left descendants running after it exited",
        help: "Stop and wait for child processes before exiting, or run under tini, whose exit ends them; a "
            + "container runtime kills them with no chance to clean up.",
        source: "prctl(2) PR_SET_CHILD_SUBREAPER; pid_namespaces(7)")
    public static let slowShutdown = Rule(
        "slow-shutdown", .warning, [.check], "The shutdown used more than 80% of the grace period it had",
        help: "A slower node or more traffic pushes it past the grace period. Shorten the drain or raise the grace "
            + "period (terminationGracePeriodSeconds, docker stop -t, TimeoutStopSec=).",
        source: "sigscope check: slow beyond 80% of the grace period left after preStop")
    public static let exitStatusUnknown = Rule(
        "exit-status-unknown", .info, [.check], "The service is not sigscope's child, so its exit status is unknown",
        help: "With --pid only the time of exit is seen; start it with sigscope check -- CMD to see its status.",
        source: "wait(2): only a parent (or subreaper) reads the exit status")

    /// Every rule of `check` that inspect does not also report, in the order documentation lists them.
    static let checkRules: [Rule] = [
        notReady, graceExceeded, killedBySignal, exitNonzero, inflightFailed, orphanedChildren, slowShutdown,
        exitStatusUnknown,
    ] + trafficRules
}
