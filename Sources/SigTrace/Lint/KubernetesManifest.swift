import Yams

/// The pod specs in a Kubernetes YAML file: every document of a multi-document file, `List`s, and the
/// workload kinds that carry a pod template, each with the line it came from.
public struct KubernetesManifest {
    /// One pod spec and the object it belongs to.
    public struct PodSpec {
        /// `Deployment`, `Pod`, `CronJob`, ...
        public var kind: String
        /// `metadata.name`, or `unnamed`.
        public var name: String
        /// The line of the object's `kind:`.
        public var line: Int
        /// The pod spec mapping (`spec`, `spec.template.spec`, `spec.jobTemplate.spec.template.spec`).
        public var spec: Node
        /// The rules silenced by `ignore-check.sigscope.dev/RULE` annotations on the object or its pod template,
        /// each with the line of its annotation.
        public var ignoredRuleLines: [String: Int] = [:]
        /// The rules silenced by annotations.
        public var ignoredRules: Set<String> { Set(ignoredRuleLines.keys) }
        /// Measured shutdown times by container, from `shutdown.sigscope.dev/CONTAINER: 20s` annotations on the
        /// object or its pod template: the text and the annotation's line.
        public var shutdownAnnotations: [String: (value: String, line: Int?)] = [:]
        /// The names of the pod's containers (`unnamed` for one without a name), in order.
        public var containerNames: [String] {
            (spec["containers"]?.sequence ?? Node.Sequence()).map { $0["name"]?.string ?? "unnamed" }
        }
    }

    /// The annotation prefix that gives a container's measured shutdown time: `shutdown.sigscope.dev/app: 20s`.
    public static let shutdownAnnotationPrefix = "shutdown.sigscope.dev/"

    /// The pod specs found, in file order.
    public let podSpecs: [PodSpec]
    /// The files ConfigMaps in the same file carry (`data` key -> text): scripts a container mounts and runs.
    public let configMapFiles: [String: String]
    /// The lines of the file, for inline suppression comments.
    public let lines: [String]

    /// Where each kind keeps its pod spec.
    static let specPaths: [String: [String]] = [
        "Pod": ["spec"],
        "PodTemplate": ["template", "spec"],
        "Deployment": ["spec", "template", "spec"],
        "StatefulSet": ["spec", "template", "spec"],
        "DaemonSet": ["spec", "template", "spec"],
        "ReplicaSet": ["spec", "template", "spec"],
        "ReplicationController": ["spec", "template", "spec"],
        "Job": ["spec", "template", "spec"],
        "CronJob": ["spec", "jobTemplate", "spec", "template", "spec"],
    ]

    /// Parses YAML text; throws a one-line error with the line and libyaml's reason when it is not YAML.
    public init(text: String) throws(SigscopeError) {
        lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var documents: [Node] = []
        do {
            var sequence = try Yams.compose_all(yaml: text)
            while let node = sequence.next() { documents.append(node) }
            if let error = sequence.error { throw error }
        } catch {
            throw SigscopeError(.badInput, KubernetesManifest.describe(error))
        }
        var specs: [PodSpec] = []
        var files: [String: String] = [:]
        for document in documents {
            KubernetesManifest.collect(document, into: &specs)
            KubernetesManifest.collectConfigMapFiles(document, into: &files)
        }
        podSpecs = specs
        configMapFiles = files
    }

    static func collect(_ object: Node, into specs: inout [PodSpec]) {
        guard object.mapping != nil, let kind = object["kind"]?.string else { return }
        if kind == "List" || kind.hasSuffix("List") {
            for item in object["items"]?.sequence ?? Node.Sequence() { collect(item, into: &specs) }
            return
        }
        guard let path = specPaths[kind] else { return }
        var node: Node? = object
        for key in path { node = node?[key] }
        guard let spec = node, spec.mapping != nil else { return }
        let name = object["metadata"]?["name"]?.string ?? "unnamed"
        let line = object.mapping?.keys.first(where: { $0.string == "kind" })?.mark?.line ?? object.mark?.line ?? 1
        var pod = PodSpec(kind: kind, name: name, line: line, spec: spec)
        // The object's own metadata and its pod template's (the path to the spec without its last `spec`).
        var template: Node? = object
        for key in path.dropLast() { template = template?[key] }
        for holder in [object, template] {
            for (key, value) in holder?["metadata"]?["annotations"]?.mapping ?? [:] {
                guard let name = key.string else { continue }
                if name.hasPrefix(shutdownAnnotationPrefix) {
                    pod.shutdownAnnotations[String(name.dropFirst(shutdownAnnotationPrefix.count))] =
                        (value.string ?? "", key.line)
                }
                guard name.hasPrefix(Suppression.annotationPrefix) else { continue }
                pod.ignoredRuleLines[String(name.dropFirst(Suppression.annotationPrefix.count))] = key.line
            }
        }
        specs.append(pod)
    }

    static func collectConfigMapFiles(_ object: Node, into files: inout [String: String]) {
        guard let kind = object["kind"]?.string else { return }
        if kind == "List" || kind.hasSuffix("List") {
            for item in object["items"]?.sequence ?? Node.Sequence() { collectConfigMapFiles(item, into: &files) }
            return
        }
        guard kind == "ConfigMap", let data = object["data"]?.mapping else { return }
        for (key, value) in data {
            if let name = key.string, let text = value.string { files[name] = text }
        }
    }

    /// libyaml's error as one line: `line 3: mapping values are not allowed in this context`.
    static func describe(_ error: any Error) -> String {
        if let yaml = error as? YamlError {
            switch yaml {
            case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
                 .composer(_, let problem, let mark, _):
                return "line \(mark.line): \(problem)"
            default:
                break
            }
        }
        let text = String(describing: error)
        return text.split(separator: "\n").first.map(String.init) ?? "not YAML"
    }
}

extension Node {
    /// The 1-based line of this node, 1 when unknown.
    var line: Int { mark?.line ?? 1 }

    /// The line of `key` in this mapping (where a reader looks for it), else of its value.
    func line(ofKey key: String) -> Int? {
        guard let mapping else { return nil }
        return mapping.keys.first { $0.string == key }?.mark?.line ?? mapping[key]?.line
    }
}
