import Foundation

/// Which container a process runs in, read from the cgroup path in `/proc/PID/cgroup`. The engines name their
/// cgroups after the container ID: docker `docker-ID.scope` or `/docker/ID`, podman `libpod-ID(.scope)`,
/// containerd's CRI `cri-containerd-ID.scope` or `/kubepods/.../podUID/ID`, CRI-O `crio-ID.scope`; Kubernetes
/// pods add `podUID` (with `_` for `-` under the systemd driver). Pure parsing, testable on captured text.
public struct ContainerAttribution: Sendable, Equatable, Hashable {
    /// Who made the cgroup.
    public enum Runtime: String, Sendable, Hashable {
        case docker, podman, containerd, crio = "cri-o"
    }

    public var runtime: Runtime
    /// The full 64-hex-digit container ID.
    public var id: String
    /// The Kubernetes pod UID, for a container of a pod.
    public var podUID: String?
    /// The container's name, when its engine's CLI named it (filled in by `ContainerNames`).
    public var name: String?

    /// The first 12 digits, as `docker ps` shows IDs.
    public var shortID: String { String(id.prefix(12)) }

    /// The attribution of a process from its `/proc/PID/cgroup` text; nil outside a container.
    public init?(cgroupText text: String) {
        // The unified line (0::) names the cgroup on v2; on v1 every controller line names the same path, so the
        // first one that parses wins.
        for line in text.split(separator: "\n") {
            guard let colon = line.lastIndex(of: ":"), let found = ContainerAttribution(path: line[line.index(after: colon)...])
            else { continue }
            self = found
            return
        }
        return nil
    }

    /// Parses one cgroup path.
    init?(path: Substring) {
        let parts = path.split(separator: "/")
        var podUID: String?
        for part in parts where part.contains("pod") {
            if let uid = ContainerAttribution.podUID(in: part) { podUID = uid }
        }
        // The container is the last component naming an ID; conmon's own `libpod-conmon-ID.scope` is not it.
        for part in parts.reversed() {
            var name = part
            if name.hasSuffix(".scope") { name = name.dropLast(6) }
            if name.hasPrefix("libpod-conmon-") { return nil }
            let prefixes: [(String, Runtime)] = [("docker-", .docker), ("libpod-", .podman),
                                                 ("cri-containerd-", .containerd), ("crio-", .crio)]
            for (prefix, runtime) in prefixes where name.hasPrefix(prefix) {
                let id = name.dropFirst(prefix.count)
                guard ContainerAttribution.isID(id) else { continue }
                self.init(runtime: runtime, id: String(id), podUID: podUID)
                return
            }
            if ContainerAttribution.isID(name) {
                // A bare ID: `/docker/ID` under cgroupfs, or a kubepods pod's container (containerd's cgroupfs).
                let runtime: Runtime = parts.contains("docker") ? .docker : .containerd
                self.init(runtime: runtime, id: String(name), podUID: podUID)
                return
            }
        }
        return nil
    }

    public init(runtime: Runtime, id: String, podUID: String? = nil, name: String? = nil) {
        self.runtime = runtime
        self.id = id
        self.podUID = podUID
        self.name = name
    }

    static func isID(_ text: Substring) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// `pod1234-...` (cgroupfs) or `kubepods-burstable-pod1234_...slice` (systemd, with `_` for `-`).
    static func podUID(in part: Substring) -> String? {
        var text = part
        if text.hasSuffix(".slice") { text = text.dropLast(6) }
        guard let range = text.range(of: "pod", options: .backwards) else { return nil }
        let uid = text[range.upperBound...].replacingOccurrences(of: "_", with: "-")
        guard uid.count == 36, uid.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { return nil }
        return uid
    }

    /// The attribution of a running process; nil outside a container or when its cgroup file cannot be read.
    public static func of(pid: Int32) -> ContainerAttribution? {
        guard let text = try? ProcFiles().read("/proc/\(pid)/cgroup") else { return nil }
        return ContainerAttribution(cgroupText: text)
    }

    /// The label `inspect` shows: the name when known, else `runtime:shortID`.
    public var label: String { name ?? "\(runtime.rawValue):\(shortID)" }

    /// `{"runtime": ..., "id": ..., "name": ..., "pod_uid": ...}`.
    public var json: JSONValue {
        .object([("runtime", .string(runtime.rawValue)), ("id", .string(id)), ("name", .string(name)),
                 ("pod_uid", .string(podUID))])
    }
}

/// Container names from the engines' CLIs, for the IDs found in cgroups: `ps -a --no-trunc` of each engine that
/// answers. Kubernetes containers keep their pod UID; their names are the kubelet's, not an engine CLI's.
public struct ContainerNames: Sendable {
    public var names: [String: String]

    public init(names: [String: String] = [:]) { self.names = names }

    /// Asks each installed engine whose engine answers; quietly empty when none does.
    public static func fromEngines() -> ContainerNames {
        var names: [String: String] = [:]
        for kind in ContainerEngine.Kind.allCases {
            guard let engine = try? ContainerEngine.detect(preference: kind.rawValue),
                  let output = try? engine.run(["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}"],
                                               timeout: .seconds(10)),
                  output.exitCode == 0 else { continue }
            for line in output.stdout.split(separator: "\n") {
                let fields = line.split(separator: " ", maxSplits: 1)
                if fields.count == 2 { names[String(fields[0])] = String(fields[1]) }
            }
        }
        return ContainerNames(names: names)
    }

    /// The attribution with its name filled in when an engine knows the ID.
    public func named(_ attribution: ContainerAttribution) -> ContainerAttribution {
        var result = attribution
        result.name = names[attribution.id]
        return result
    }

    /// The ID of a container named `nameOrID` (a name, a full ID or a unique prefix of one).
    public func id(of nameOrID: String) -> String? {
        if let match = names.first(where: { $0.value == nameOrID }) { return match.key }
        let prefixed = names.keys.filter { $0.hasPrefix(nameOrID) }
        return prefixed.count == 1 ? prefixed[0] : nil
    }
}

extension ContainerAttribution {
    /// The containers of the processes that run in one, named through the engines' CLIs (asked only when some
    /// process is in a container), as `InspectFormat.containers` wants them.
    public static func labels(for pids: [Int32]) -> [Int32: ContainerAttribution] {
        var found: [Int32: ContainerAttribution] = [:]
        for pid in pids {
            if let attribution = ContainerAttribution.of(pid: pid) { found[pid] = attribution }
        }
        guard !found.isEmpty else { return [:] }
        let names = ContainerNames.fromEngines()
        return found.mapValues(names.named)
    }
}
