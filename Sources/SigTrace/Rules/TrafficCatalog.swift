/// The rules of `sigscope check --load`: what the shutdown did to the traffic still arriving.
extension Rule {
    public static let requestsFailedWhileDeregistering = Rule(
        "requests-failed-while-deregistering", .error, [.check],
        "Requests sent while the service was still being deregistered failed",
        help: "Load balancers and kube-proxy keep sending new requests for a few seconds after termination begins, "
            + "concurrently with SIGTERM. A service that closes its listener at once refuses them (502s at the "
            + "proxy). Add a preStop sleep at least as long as the window, or keep accepting for that long after "
            + "the signal.",
        source: "kubernetes/kubernetes#106476, #43576; pod-lifecycle #pod-termination; sigscope check "
            + "--deregistration-delay")
    public static let keepAliveReset = Rule(
        "keepalive-reset", .error, [.check],
        "Kept-alive connections were reset under their clients after the signal",
        help: "Clients keep reusing kept-alive connections after the endpoint is removed. Answer with "
            + "`Connection: close` after the signal and close idle connections only once the window has passed.",
        source: "kubernetes/kubernetes#43576; RFC 9112 section 9.6 (Connection: close)",
        severityVaries: "warning when only idle connections were closed without `Connection: close`, error when "
            + "a request on a reused connection was reset or cut")

    /// The traffic rules, listed with check's.
    static let trafficRules: [Rule] = [requestsFailedWhileDeregistering, keepAliveReset]
}
