import Yams

/// A Compose project read from one or more files (`compose.yaml`, then each `-f` override), merged the way
/// Compose merges them (the Compose specification, "Merge and override"): mappings merge key by key, scalars
/// are replaced, `command`, `entrypoint` and `healthcheck.test` are replaced whole, other sequences are
/// appended; `!reset` removes a value and `!override` replaces it without merging. YAML merge keys (`<<: *x`)
/// are applied, and `${VAR:-default}` interpolation takes the default. Every value remembers the file and line
/// it came from.
public struct ComposeFile: Sendable {
    /// A YAML value with where it was written.
    public indirect enum Value: Sendable {
        case scalar(String, Location)
        case mapping([Pair], Location)
        case sequence([Value], Location)
        case null(Location)

        public var location: Location {
            switch self {
            case .scalar(_, let location), .mapping(_, let location), .sequence(_, let location),
                 .null(let location): location
            }
        }

        /// The value of `key` in a mapping.
        public subscript(key: String) -> Value? {
            guard case .mapping(let pairs, _) = self else { return nil }
            // A `!reset` key in a file read on its own is as good as absent.
            return pairs.last { $0.key == key && $0.directive != .reset }?.value
        }

        /// The line of `key` in a mapping.

        /// The scalar text, raw (before interpolation).
        public var scalar: String? {
            if case .scalar(let text, _) = self { return text }
            return nil
        }

        public var sequence: [Value]? {
            if case .sequence(let items, _) = self { return items }
            return nil
        }

        public var pairs: [Pair]? {
            if case .mapping(let pairs, _) = self { return pairs }
            return nil
        }
    }

    /// How an override file's value combines with the base: merged, or (`!reset`, `!override`) not.
    public enum Directive: Sendable {
        case merge, reset, override
    }

    /// One key of a mapping.
    public struct Pair: Sendable {
        public var key: String
        public var value: Value
        public var directive: Directive
    }

    /// A file and 1-based line.
    public struct Location: Sendable, Hashable {
        public var file: String
        public var line: Int
    }

    /// The merged document.
    public private(set) var root: Value
    /// The files read, in order.
    public private(set) var files: [String]
    /// Each file's lines, for inline suppression.
    public private(set) var lines: [String: [String]] = [:]

    /// Parses one file's text; throws a one-line error naming the file and line when it is not YAML or not a
    /// mapping.
    public init(text: String, file: String) throws(SigscopeError) {
        root = try Self.parse(text: text, file: file)
        files = [file]
        lines[file] = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// Merges an override file on top, as `docker compose -f base -f override` does.
    public mutating func merge(text: String, file: String) throws(SigscopeError) {
        let other = try Self.parse(text: text, file: file)
        root = Self.merge(root, other, path: [])
        files.append(file)
        lines[file] = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    /// The services, in file order.
    public var services: [(name: String, value: Value)] {
        (root["services"]?.pairs ?? []).map { ($0.key, $0.value) }
    }

    static func parse(text: String, file: String) throws(SigscopeError) -> Value {
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw SigscopeError(.badInput, "\(file): not valid YAML: \(KubernetesManifest.describe(error))")
        }
        guard let node else { return .mapping([], Location(file: file, line: 1)) }
        let value = convert(node, file: file)
        guard case .mapping = value else {
            throw SigscopeError(.badInput, "\(file): a Compose file is a mapping with a `services` key")
        }
        return value
    }

    /// Yams' node as a located value; `<<` merge keys applied (the mapping's own keys win).
    static func convert(_ node: Node, file: String) -> Value {
        let location = Location(file: file, line: node.mark?.line ?? 1)
        switch node {
        case .scalar(let scalar):
            if scalar.tag.description.hasSuffix(":null")
                || scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string) {
                return .null(location)
            }
            return .scalar(scalar.string, location)
        case .sequence(let sequence):
            return .sequence(sequence.map { convert($0, file: file) }, location)
        case .mapping(let mapping):
            var pairs: [Pair] = []
            var merged: [Pair] = []
            for (key, value) in mapping {
                if key.string == "<<" {
                    let sources = value.sequence.map(Array.init) ?? [value]
                    for source in sources {
                        if case .mapping(let inherited, _) = convert(source, file: file) { merged += inherited }
                    }
                    continue
                }
                // A value's location is its key's line: that is where a reader looks for it.
                let converted = relocated(convert(value, file: file), line: key.mark?.line ?? location.line)
                let tag = value.tag.description
                let directive: Directive = tag.hasSuffix("!reset") ? .reset
                    : tag.hasSuffix("!override") ? .override : .merge
                pairs.append(Pair(key: key.string ?? "", value: converted, directive: directive))
            }
            for pair in merged where !pairs.contains(where: { $0.key == pair.key }) { pairs.append(pair) }
            return .mapping(pairs, location)
        case .alias:
            return .null(location)
        }
    }

    /// The same value located at `line`.
    static func relocated(_ value: Value, line: Int) -> Value {
        switch value {
        case .scalar(let text, let location): .scalar(text, Location(file: location.file, line: line))
        case .mapping(let pairs, let location): .mapping(pairs, Location(file: location.file, line: line))
        case .sequence(let items, let location): .sequence(items, Location(file: location.file, line: line))
        case .null(let location): .null(Location(file: location.file, line: line))
        }
    }

    /// Keys whose sequences an override replaces instead of extending.
    static let replacedSequences: Set<String> = ["command", "entrypoint", "test", "dns", "dns_search"]

    /// Compose's merge of an override value into a base value.
    static func merge(_ base: Value, _ override: Value, path: [String]) -> Value {
        switch (base, override) {
        case (.mapping(var pairs, let location), .mapping(let overrides, _)):
            for pair in overrides {
                let index = pairs.firstIndex { $0.key == pair.key }
                switch (pair.directive, index) {
                case (.reset, _):
                    pairs.removeAll { $0.key == pair.key }
                case (.merge, let index?):
                    pairs[index].value = merge(pairs[index].value, pair.value, path: path + [pair.key])
                case (.override, let index?):
                    pairs[index].value = pair.value
                case (_, nil):
                    pairs.append(Pair(key: pair.key, value: pair.value, directive: .merge))
                }
            }
            return .mapping(pairs, location)
        case (.sequence(let items, _), .sequence(let more, let location)):
            if let key = path.last, replacedSequences.contains(key) { return override }
            return .sequence(items + more, location)
        default:
            return override
        }
    }

    /// Compose's interpolation of `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$$`: variables
    /// take their default; a variable without one (whose value only the environment knows) makes the whole
    /// value unknown (nil).
    public static func interpolate(_ text: String) -> String? {
        guard text.contains("$") else { return text }
        var out = ""
        var rest = Substring(text)
        while let dollar = rest.firstIndex(of: "$") {
            out += rest[..<dollar]
            rest = rest[rest.index(after: dollar)...]
            if rest.first == "$" {
                out += "$"
                rest = rest.dropFirst()
            } else if rest.first == "{", let close = rest.firstIndex(of: "}") {
                let body = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
                if let range = body.range(of: ":-") ?? body.range(of: "-") {
                    out += body[range.upperBound...]
                } else {
                    return nil
                }
            } else if let first = rest.first, first.isLetter || first == "_" {
                return nil
            } else {
                out += "$"
            }
        }
        return out + rest
    }
}

extension ComposeFile.Value {
    /// The scalar after interpolation, nil when unset, not a scalar, or depending on the environment.
    public var text: String? { scalar.flatMap(ComposeFile.interpolate) }

    /// A Compose boolean (`true`, `false`, and YAML 1.1's yes/no/on/off that Compose still reads).
    public var bool: Bool? {
        switch text?.lowercased() {
        case "true", "yes", "on", "y": true
        case "false", "no", "off", "n": false
        default: nil
        }
    }
}
