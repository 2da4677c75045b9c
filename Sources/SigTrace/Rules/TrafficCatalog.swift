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

    public static let connectionsAbandoned = Rule(
        "connections-abandoned", .warning, [.check],
        "The service exited holding outgoing connections (a database, a cache, a queue) that the kernel closed",
        help: "A connection the program does not close is closed by the kernel when the process exits: the server "
            + "gets an EOF instead of its protocol's goodbye (PostgreSQL's Terminate message), rolls back a "
            + "transaction left open and logs \"unexpected EOF on client connection with an open transaction\". "
            + "Close the pool and clients in the stop handler, after the drain. Read at the exit itself with "
            + "--trace (PTRACE_O_TRACEEXIT), otherwise from the last reading of /proc before it.",
        source: "https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-TERMINATION; "
            + "ptrace(2) PTRACE_O_TRACEEXIT; measured here: ConnectionsAtExitTests")

    public static let deregistrationWindowUntested = Rule(
        "deregistration-window-untested", .info, [.check],
        "The platform's deregistration window was not tested: no --load sent requests through it",
        help: "A --platform preset such as kubernetes implies a window in which new requests keep arriving after "
            + "termination begins; only --load RATE sends them and counts what fails. Without it a pass says "
            + "nothing about them.",
        source: "kubernetes/kubernetes#106476, #43576; sigscope check --platform, --load",
        severityVaries: "warning when --probe saw the listener refuse new connections inside the window")

    /// The traffic rules, listed with check's.
    static let trafficRules: [Rule] = [requestsFailedWhileDeregistering, keepAliveReset, connectionsAbandoned,
                                       deregistrationWindowUntested]
}
