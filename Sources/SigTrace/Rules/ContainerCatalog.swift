/// The rules only a container or pod check reports: what the kubelet's preStop hook did.
extension Rule {
    public static let preStopCommandMissing = Rule(
        "prestop-command-missing", .error, [.check, .lint], "The preStop exec command cannot run in the image",
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

    public static let imageEntrypointMissing = Rule(
        "image-entrypoint-missing", .error, [.lint], "The image's command cannot be executed in the image",
        help: "ENTRYPOINT (or CMD) names a file the image does not have, one without an execute bit, a dynamic "
            + "binary whose loader is missing (a glibc binary in a scratch image) or a script whose #! interpreter "
            + "is missing: the runtime's exec fails and the container never starts (exit 127 or 126).",
        source: "execve(2) ENOENT and EACCES; runc's exec error, measured with podman on a FROM scratch image "
            + "(ContainerLab's missing-entrypoint image: exit 127)")
    public static let imageUserUnknown = Rule(
        "image-user-unknown", .error, [.lint], "USER names a user or group the image's /etc/passwd lacks",
        help: "podman and docker look a named USER up in the image's own /etc/passwd and /etc/group and refuse to "
            + "start the container when it is not there. Use a numeric uid:gid or add the user in the final stage.",
        source: "https://docs.docker.com/reference/dockerfile/#user; measured with podman 4 and runc: "
            + "\"unable to find user app: no matching entries in passwd file\", exit 126")
    public static let imageNoPreStopTools = Rule(
        "image-no-prestop-tools", .info, [.lint], "The image has no /bin/sh or no sleep for a preStop exec hook",
        help: "A Kubernetes preStop exec hook runs inside the container; the usual [\"sleep\", \"5\"] or "
            + "[\"sh\", \"-c\", ...] fails in an image without them and the kubelet sends the stop signal at once. "
            + "The sleep action (Kubernetes 1.30+) needs nothing in the image.",
        source: "https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/; KEP-3960 (sleep)")
    public static let imageNotLocal = Rule(
        "image-not-local", .warning, [.lint], "A manifest's image is not in the engine's local images",
        help: "`lint --images` reads images the engine already has and pulls nothing; build or pull the image "
            + "first to have it linted.",
        source: "sigscope's own behaviour (no registry is contacted)")

    /// The rules of `check --manifest` and `lint --image` beyond check's and lint's own.
    static let containerRules: [Rule] = [preStopCommandMissing, preStopFailed, imageEntrypointMissing,
                                         imageUserUnknown, imageNoPreStopTools, imageNotLocal]
}
