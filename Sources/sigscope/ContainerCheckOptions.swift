import ArgumentParser
import SigTrace

/// The options that turn `check` onto a container: `--image`, `--container`, `--init`, `--runtime`.
struct ContainerCheckOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run this image and check its shutdown as `stop` does it; arguments after -- go to "
                               + "`run`.", valueName: "image"))
    var image: String?

    @Option(help: ArgumentHelp("Check this running container (name or ID; it will be stopped), or with --manifest "
                               + "the pod's container of this name.", valueName: "name|id"))
    var container: String?

    @Option(help: ArgumentHelp("Start a container of this Kubernetes manifest's pod from its image and stop it as "
                               + "the kubelet does (preStop, stop signal, terminationGracePeriodSeconds).",
                               valueName: "file"))
    var manifest: String?

    @Flag(help: "Run the image under the engine's init process (run --init).")
    var `init` = false

    @Option(help: ArgumentHelp("The container engine's CLI: podman or docker (default: the first that answers).",
                               valueName: "name"))
    var runtime: String?

    /// True when the check is on a container.
    var selected: Bool { image != nil || container != nil || manifest != nil }

    func validate(pid: Int32?, pid1: Bool) throws {
        if image != nil && container != nil { throw ValidationError("give --image or --container, not both") }
        if image != nil && manifest != nil { throw ValidationError("give --image or --manifest, not both") }
        if pid != nil { throw ValidationError("give --pid or a container, not both") }
        if pid1 { throw ValidationError("--pid1 does not apply to a container: its init is PID 1 already") }
        if `init` && image == nil { throw ValidationError("--init applies to --image only") }
        if manifest != nil && (pid != nil || pid1) { throw ValidationError("--manifest starts its own container") }
    }

    /// Runs the check on the container; `runArguments` are the words after --.
    func run(check: ShutdownCheck.Configuration, signal: Signal?, grace: Duration?, runArguments: [String],
             progress: (@Sendable (Double, Double) -> Void)?) throws(SigscopeError) -> ContainerCheckResult {
        if check.readiness.contains(where: { if case .log = $0 { true } else { false } }) {
            throw SigscopeError(.badInput, "--ready log: reads the output of a command sigscope starts; for a "
                + "container use tcp:, http: or delay:")
        }
        if container != nil && manifest == nil && !runArguments.isEmpty {
            throw SigscopeError(.badInput, "arguments after -- go to `run` and apply to --image only")
        }
        let engine = try ContainerEngine.detect(preference: runtime)
        if let manifest {
            let text: String
            do {
                text = try String(contentsOfFile: manifest, encoding: .utf8)
            } catch {
                throw SigscopeError(.unreadableFile, "\(manifest): cannot read it (\(error.localizedDescription))")
            }
            var pod = PodCheck(manifest: text, file: manifest, engine: engine, check: check)
            pod.containerName = container
            pod.runArguments = runArguments
            pod.progress = progress
            return try pod.run()
        }
        let target: ContainerCheck.Target = image.map { .image($0) } ?? .container(container ?? "")
        var containerCheck = ContainerCheck(target: target, engine: engine, check: check)
        containerCheck.runArguments = runArguments
        containerCheck.initProcess = `init`
        containerCheck.signal = signal
        containerCheck.grace = grace
        containerCheck.progress = progress
        return try containerCheck.run()
    }
}
