/// The program knowledge base: what real servers, runtimes, launchers, inits and shells do with stop signals, each
/// fact with its source. inspect, check and lint read it from here; nothing else in sigscope names a program.
///
/// Lookups take what each command has: a process's executable path, comm and command line (inspect, check), an
/// image reference or a command from a Dockerfile (lint).
public enum ProgramKnowledge {
    /// Every entry: servers and supervisors, runtimes, launchers, inits, shells.
    public static let entries: [ProgramEntry] = servers + runtimes + launchers + inits + shells

    private static let byID: [String: ProgramEntry] = Dictionary(
        entries.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })

    /// The entry with this id (`nginx`, `postgresql`, `node`).
    public static func program(id: String) -> ProgramEntry? { byID[id] }

    /// The entry whose executable this is: a path or basename (`/usr/sbin/nginx`, `php-fpm8.2`). Interpreters'
    /// scripts are not found this way: see `program(commandLine:)`.
    public static func program(executable: String) -> ProgramEntry? {
        let base = basename(executable)
        return entries.first { entry in entry.executables.contains { $0.matches(base) } }
    }

    /// The entry whose process this comm names. The kernel cuts comm to 15 bytes, so a longer name matches by
    /// prefix (`opentelemetry-i` is `opentelemetry-instrument`).
    public static func program(comm: String) -> ProgramEntry? {
        if let entry = program(executable: comm) { return entry }
        guard comm.utf8.count == 15 else { return nil }
        return entries.first { entry in
            (entry.executables + entry.scripts).contains { $0.name.hasPrefix(comm) }
        }
    }

    /// The program a command line runs, looking through interpreters and inits: `python3 /usr/bin/gunicorn app`
    /// is gunicorn, `python -m uvicorn` is uvicorn, `tini -- nginx` is tini (the init is what PID 1 is). Falls back
    /// to the interpreter's runtime (`node server.js` is Node).
    public static func program(commandLine arguments: [String]) -> ProgramEntry? {
        guard let first = arguments.first else { return nil }
        let direct = program(executable: first)
        guard let runtime = direct, runtime.kind == .runtime else { return direct ?? scriptProgram(first) }
        var index = 1
        while index < arguments.count {
            let argument = arguments[index]
            if argument == "-m", index + 1 < arguments.count {
                return scriptProgram(arguments[index + 1]) ?? runtime
            }
            if argument.hasPrefix("-") {
                index += 1
                continue
            }
            return scriptProgram(argument) ?? runtime
        }
        return runtime
    }

    /// The program a process is, from what /proc says about it: the command line first (it sees through
    /// interpreters), then the comm (which a script's shebang sets to the script's name), then the executable.
    public static func program(executable: String?, comm: String, commandLine: [String]) -> ProgramEntry? {
        let fromCommandLine = program(commandLine: commandLine)
        if let entry = fromCommandLine, entry.kind != .runtime { return entry }
        if let entry = program(comm: comm) ?? scriptProgram(comm), entry.kind != .runtime { return entry }
        return fromCommandLine ?? executable.flatMap(program(executable:)) ?? program(comm: comm)
    }

    /// The entry whose script (or `python -m` module) this is.
    static func scriptProgram(_ pathOrModule: String) -> ProgramEntry? {
        let base = basename(pathOrModule)
        return entries.first { entry in entry.scripts.contains { $0.matches(base) } }
    }

    /// The entry for a runtime sigscope detected in a process.
    public static func program(runtime: Runtime) -> ProgramEntry? {
        switch runtime {
        case .go: program(id: "go")
        case .node: program(id: "node")
        case .jvm: program(id: "jvm")
        case .python: program(id: "python")
        case .ruby: program(id: "ruby")
        case .dotnet: program(id: "dotnet")
        case .swift, .perl, .shell, .native, .c, .cpp, .rust, .php, .bun, .deno: nil
        }
    }

    /// The official image an image reference names, with the tag: `nginx:1.17-alpine`,
    /// `docker.io/library/postgres:16`, `nginx@sha256:...`.
    public static func officialImage(_ reference: String) -> (image: OfficialImage, tag: String?)? {
        let (repository, tag) = splitImageReference(reference)
        guard let image = officialImages.first(where: { $0.repositories.contains(repository) }) else { return nil }
        return (image, tag)
    }

    /// The base image family of an image reference, and so which shell `sh` is in it.
    public static func baseImage(_ reference: String) -> BaseImage? {
        let (repository, _) = splitImageReference(reference)
        return baseImages.first { base in
            base.repositories.contains { repository == $0 || repository.hasPrefix($0 + "/") }
        }
    }

    /// `registry/library/name:tag@digest` -> (`name` or `owner/name`, `tag`). The Docker Hub host and its
    /// `library/` prefix are dropped; other registries stay part of the name (`gcr.io/distroless/static`).
    static func splitImageReference(_ reference: String) -> (repository: String, tag: String?) {
        var name = reference.lowercased()
        if let at = name.firstIndex(of: "@") { name = String(name[..<at]) }
        var tag: String?
        if let colon = name.lastIndex(of: ":"), !name[colon...].contains("/") {
            tag = String(name[name.index(after: colon)...])
            name = String(name[..<colon])
        }
        for prefix in ["docker.io/", "index.docker.io/", "registry-1.docker.io/"] where name.hasPrefix(prefix) {
            name = String(name.dropFirst(prefix.count))
        }
        if name.hasPrefix("library/") { name = String(name.dropFirst("library/".count)) }
        return (name, tag)
    }

    static func basename(_ path: String) -> String {
        let base = path.split(separator: "/").last.map(String.init) ?? path
        return base.hasSuffix(" (deleted)") ? String(base.dropLast(10)) : base
    }
}
