/// How a platform stops a service: the signal, the time before SIGKILL and how long new traffic keeps arriving after
/// termination begins, each with where it comes from. `check --platform` starts from these; explicit options win.
public struct PlatformPreset: Sendable, Equatable {
    public var name: String
    public var signal: Signal
    public var grace: Duration
    /// How long a load balancer keeps sending new requests after termination begins (0: the platform stops
    /// routing before it signals, or nothing routes to the service).
    public var deregistrationDelay: Duration
    /// Where the signal and grace come from.
    public var source: String
    /// Where the deregistration window comes from.
    public var deregistrationSource: String

    /// Every preset, in `--help` order.
    public static let all: [PlatformPreset] = [
        PlatformPreset(
            name: "kubernetes", signal: .term, grace: .seconds(30), deregistrationDelay: .seconds(3),
            source: "TERM (lifecycle.stopSignal, else the image's STOPSIGNAL), terminationGracePeriodSeconds 30 s "
                + "counted from the start of preStop (kubernetes.io pod-lifecycle, #pod-termination)",
            deregistrationSource: "endpoint removal runs concurrently with SIGTERM; kube-proxy and ingresses keep "
                + "routing for a few seconds, \"sleep 3 is generally sufficient\" (kubernetes/kubernetes#43576, "
                + "#106476)"),
        PlatformPreset(
            name: "docker", signal: .term, grace: .seconds(10), deregistrationDelay: .zero,
            source: "STOPSIGNAL, TERM by default; SIGKILL after -t 10 s (docs.docker.com, docker container stop)",
            deregistrationSource: "no load balancer in front"),
        PlatformPreset(
            name: "compose", signal: .term, grace: .seconds(10), deregistrationDelay: .zero,
            source: "stop_signal, TERM by default; stop_grace_period 10 s (docs.docker.com, compose file reference)",
            deregistrationSource: "no load balancer in front"),
        PlatformPreset(
            name: "ecs", signal: .term, grace: .seconds(30), deregistrationDelay: .zero,
            source: "TERM; stopTimeout 30 s, at most 120 s on Fargate (AWS ECS ContainerDefinition stopTimeout)",
            deregistrationSource: "the service scheduler deregisters the task and waits for draining before "
                + "docker stop (aws/amazon-ecs-agent#1241)"),
        PlatformPreset(
            name: "cloudrun", signal: .term, grace: .seconds(10), deregistrationDelay: .zero,
            source: "TERM, then SIGKILL after 10 s (cloud.google.com/run/docs/container-contract#lifecycle)",
            deregistrationSource: "sent mainly to idle instances on scale-down, no longer routed to"),
        PlatformPreset(
            name: "nomad", signal: .int, grace: .seconds(5), deregistrationDelay: .zero,
            source: "kill_signal INT for non-Docker drivers, kill_timeout 5 s (developer.hashicorp.com nomad "
                + "job-specification task)",
            deregistrationSource: "shutdown_delay defaults to 0"),
        PlatformPreset(
            name: "fly", signal: .int, grace: .seconds(5), deregistrationDelay: .zero,
            source: "kill_signal SIGINT, kill_timeout 5 in flyctl-generated fly.toml (fly.io/docs/reference/"
                + "configuration)",
            deregistrationSource: "not documented; give --deregistration-delay"),
        PlatformPreset(
            name: "heroku", signal: .term, grace: .seconds(30), deregistrationDelay: .zero,
            source: "TERM to every process of the dyno, SIGKILL 30 s later (devcenter.heroku.com dyno-shutdown-"
                + "behavior)",
            deregistrationSource: "not documented; give --deregistration-delay"),
        PlatformPreset(
            name: "systemd", signal: .term, grace: .seconds(90), deregistrationDelay: .zero,
            source: "KillSignal= TERM (then SIGCONT), TimeoutStopSec= 90 s (systemd.kill(5), systemd.service(5))",
            deregistrationSource: "no load balancer in front"),
    ]

    /// The preset named `name`; throws a one-line error listing the names otherwise.
    public static func named(_ name: String) throws(SigscopeError) -> PlatformPreset {
        guard let preset = all.first(where: { $0.name == name.lowercased() }) else {
            throw SigscopeError(.badInput, "--platform '\(name)': use one of "
                + all.map(\.name).joined(separator: ", "))
        }
        return preset
    }

    /// The `--help` lines: name, signal, grace, window, then the sources indented and wrapped within 78 columns
    /// (the argument parser would wrap them itself, losing the indent).
    public static var helpText: String {
        all.map { preset in
            let head = "  " + preset.name + String(repeating: " ", count: max(1, 11 - preset.name.count))
                + "\(preset.signal.name) \(ShutdownVerdict.format(preset.grace.seconds)) s, deregistration "
                + "\(ShutdownVerdict.format(preset.deregistrationDelay.seconds)) s"
            let sources = "\(preset.source); window: \(preset.deregistrationSource)"
            return ([head] + wrap(sources, width: 78 - 13).map { String(repeating: " ", count: 13) + $0 })
                .joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Words of `text` in lines of at most `width` characters (a longer word stands alone).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
