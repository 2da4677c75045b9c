/// The rules only a container or pod check reports: what the kubelet's preStop hook did.
extension Rule {
    public static let preStopCommandMissing = Rule(
        "prestop-command-missing", .error, [.check], "The preStop exec command cannot run in the image",
        help: "The kubelet runs the hook's command inside the container; when it is missing (sh or sleep in a "
            + "distroless or scratch image) the kubelet records only a FailedPreStopHook event and sends the stop "
            + "signal at once, so the delay the hook was meant to give never happens. Use the sleep action or add "
            + "the program to the image.",
        source: "https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/; "
            + "https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination; KEP-3960 (sleep)")
    public static let preStopFailed = Rule(
        "prestop-failed", .warning, [.check], "The preStop hook failed or did not finish",
        help: "The kubelet records FailedPreStopHook and goes on to the stop signal; whatever the hook was to do "
            + "(deregister, drain, wait) may not have happened.",
        source: "https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-execution")

    /// The rules of `check --manifest` beyond check's own.
    static let containerRules: [Rule] = [preStopCommandMissing, preStopFailed]
}
