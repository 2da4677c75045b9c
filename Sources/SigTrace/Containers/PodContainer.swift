import Foundation
import Yams

/// One container of a pod spec, with what the kubelet reads when it starts and stops it. Pure reading of the
/// manifest's YAML (through lint's `KubernetesManifest`), testable on text.
public struct PodContainer: Sendable, Equatable {
    /// A `lifecycle.preStop` handler.
    public enum PreStop: Sendable, Equatable, CustomStringConvertible {
        /// `exec.command`, run inside the container (no shell unless the command is one).
        case exec([String])
        /// `httpGet`: a GET to the pod's port.
        case httpGet(path: String, port: Int, scheme: String)
        /// `sleep.seconds` (Kubernetes 1.29+): the kubelet waits, nothing runs in the container.
        case sleep(seconds: Int)

        public var description: String {
            switch self {
            case .exec(let command): "exec \(ShutdownVerdict.commandLine(command))"
            case .httpGet(let path, let port, let scheme): "httpGet \(scheme.lowercased())://:\(port)\(path)"
            case .sleep(let seconds): "sleep \(seconds) s"
            }
        }
    }

    public var name: String
    public var image: String
    /// `command` (replaces the image's ENTRYPOINT) and `args` (replace its CMD).
    public var command: [String]
    public var args: [String]
    public var env: [(String, String)]
    /// `ports[].containerPort`, with their names.
    public var ports: [(name: String?, port: Int)]
    public var preStop: PreStop?
    /// `lifecycle.stopSignal` (Kubernetes 1.33+, alpha), overriding the image's STOPSIGNAL.
    public var stopSignal: Signal?
    /// `readinessProbe` as sigscope's readiness (httpGet or tcpSocket on the pod's loopback).
    public var readiness: [ReadinessProbe]
    /// The pod's `hostPID` and the security context (the container's over the pod's) as `run` flags:
    /// `--pid host`, `--user`, `--read-only`, `--cap-drop`/`--cap-add`, `--privileged`, no-new-privileges.
    public var runFlags: [String] = []

    public static func == (lhs: PodContainer, rhs: PodContainer) -> Bool {
        lhs.name == rhs.name && lhs.image == rhs.image && lhs.command == rhs.command && lhs.args == rhs.args
            && lhs.env.map { "\($0)=\($1)" } == rhs.env.map { "\($0)=\($1)" }
            && lhs.ports.map(\.port) == rhs.ports.map(\.port) && lhs.preStop == rhs.preStop
            && lhs.stopSignal == rhs.stopSignal && lhs.readiness == rhs.readiness && lhs.runFlags == rhs.runFlags
    }
}

/// The pod the kubelet would stop: its containers and its grace period.
public struct PodUnderTest: Sendable {
    /// `Deployment/web`.
    public var object: String
    /// `terminationGracePeriodSeconds`, 30 when absent.
    public var grace: Int
    public var containers: [PodContainer]

    /// Reads the first pod spec of a manifest; a manifest with none, or a bad field, is bad input.
    public init(manifest text: String, file: String) throws(SigscopeError) {
        let manifest = try KubernetesManifest(text: text)
        guard let pod = manifest.podSpecs.first else {
            throw SigscopeError(.badInput, "\(file): no pod spec (a Pod, Deployment, StatefulSet, DaemonSet, Job, ...)")
        }
        try self.init(pod: pod, file: file)
    }

    /// Every pod spec of a manifest that reads without error (`lint --images`).
    public static func all(manifest text: String, file: String) -> [PodUnderTest] {
        guard let manifest = try? KubernetesManifest(text: text) else { return [] }
        return manifest.podSpecs.compactMap { try? PodUnderTest(pod: $0, file: file) }
    }

    init(pod: KubernetesManifest.PodSpec, file: String) throws(SigscopeError) {
        object = "\(pod.kind)/\(pod.name)"
        let spec = pod.spec
        grace = 30
        if let value = spec["terminationGracePeriodSeconds"] {
            guard let seconds = value.int, seconds >= 0 else {
                throw SigscopeError(.badInput, "\(file) line \(value.line): terminationGracePeriodSeconds is not a "
                    + "whole number of seconds")
            }
            grace = seconds
        }
        var containers: [PodContainer] = []
        for node in spec["containers"]?.sequence ?? Node.Sequence() {
            var container = try PodUnderTest.container(node, file: file)
            container.runFlags = PodUnderTest.runFlags(pod: spec, container: node)
            containers.append(container)
        }
        guard !containers.isEmpty else { throw SigscopeError(.badInput, "\(file): \(object) has no containers") }
        self.containers = containers
    }

    /// The container named `name`, or the only one; several without a name is bad input.
    public func container(named name: String?) throws(SigscopeError) -> PodContainer {
        let names = containers.map(\.name).joined(separator: ", ")
        if let name {
            guard let container = containers.first(where: { $0.name == name }) else {
                throw SigscopeError(.badInput, "\(object) has no container \(name) (it has: \(names))")
            }
            return container
        }
        guard containers.count == 1 else {
            throw SigscopeError(.badInput, "\(object) has \(containers.count) containers (\(names)): choose one "
                + "with --container")
        }
        return containers[0]
    }

    /// What the pod spec says about how the container runs, as the flags `podman run` and `docker run` take: the
    /// host's PID namespace, the user, a read-only root, capabilities, privileges. Volumes are not mapped (a
    /// hostPath or a ConfigMap has no meaning outside the cluster): give `-v` after `--`.
    static func runFlags(pod: Node, container: Node) -> [String] {
        var flags: [String] = []
        if pod["hostPID"]?.bool == true { flags += ["--pid", "host"] }
        let context = container["securityContext"]
        let podContext = pod["securityContext"]
        let user = context?["runAsUser"]?.int ?? podContext?["runAsUser"]?.int
        let group = context?["runAsGroup"]?.int ?? podContext?["runAsGroup"]?.int
        if let user { flags += ["--user", group.map { "\(user):\($0)" } ?? String(user)] }
        if context?["readOnlyRootFilesystem"]?.bool == true { flags.append("--read-only") }
        if context?["privileged"]?.bool == true { flags.append("--privileged") }
        if context?["allowPrivilegeEscalation"]?.bool == false {
            flags += ["--security-opt", "no-new-privileges"]
        }
        let capabilities = context?["capabilities"]
        for (key, flag) in [("drop", "--cap-drop"), ("add", "--cap-add")] {
            for name in (capabilities?[key]?.sequence ?? Node.Sequence()).compactMap(\.string) {
                flags += [flag, name]
            }
        }
        return flags
    }

    static func container(_ node: Node, file: String) throws(SigscopeError) -> PodContainer {
        let name = node["name"]?.string ?? "unnamed"
        guard let image = node["image"]?.string, !image.isEmpty else {
            throw SigscopeError(.badInput, "\(file) line \(node.line): container \(name) has no image")
        }
        let strings = { (key: String) -> [String] in (node[key]?.sequence ?? Node.Sequence()).compactMap(\.string) }
        var env: [(String, String)] = []
        for entry in node["env"]?.sequence ?? Node.Sequence() {
            if let key = entry["name"]?.string, let value = entry["value"]?.string { env.append((key, value)) }
        }
        var ports: [(name: String?, port: Int)] = []
        for entry in node["ports"]?.sequence ?? Node.Sequence() {
            if let port = entry["containerPort"]?.int { ports.append((entry["name"]?.string, port)) }
        }
        let lookup = { (value: Node?) -> Int? in
            if let number = value?.int { return number }
            guard let portName = value?.string else { return nil }
            return ports.first { $0.name == portName }?.port
        }
        var preStop: PodContainer.PreStop?
        if let hook = node["lifecycle"]?["preStop"] {
            if let command = hook["exec"]?["command"]?.sequence {
                preStop = .exec(command.compactMap(\.string))
            } else if let http = hook["httpGet"] {
                guard let port = lookup(http["port"]) else {
                    throw SigscopeError(.badInput, "\(file) line \(http.line): preStop httpGet port is not a port "
                        + "number or a named containerPort")
                }
                preStop = .httpGet(path: http["path"]?.string ?? "/", port: port,
                                   scheme: http["scheme"]?.string ?? "HTTP")
            } else if let sleep = hook["sleep"] {
                guard let seconds = sleep["seconds"]?.int, seconds >= 0 else {
                    throw SigscopeError(.badInput, "\(file) line \(sleep.line): preStop sleep.seconds is not a whole "
                        + "number")
                }
                preStop = .sleep(seconds: seconds)
            }
        }
        var stopSignal: Signal?
        if let text = node["lifecycle"]?["stopSignal"]?.string { stopSignal = try Signal(parsing: text) }
        var readiness: [ReadinessProbe] = []
        if let probe = node["readinessProbe"] {
            if let http = probe["httpGet"], let port = lookup(http["port"]) {
                readiness.append(.http(url: "http://127.0.0.1:\(port)\(http["path"]?.string ?? "/")"))
            } else if let tcp = probe["tcpSocket"], let port = lookup(tcp["port"]), let port16 = UInt16(exactly: port) {
                readiness.append(.tcp(host: "127.0.0.1", port: port16))
            }
        }
        return PodContainer(name: name, image: image, command: strings("command"), args: strings("args"), env: env,
                            ports: ports, preStop: preStop, stopSignal: stopSignal, readiness: readiness)
    }
}
