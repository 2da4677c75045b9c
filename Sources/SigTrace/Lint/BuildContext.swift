import Foundation

/// The build context of a Dockerfile as lint reads it: which context file a COPY or ADD put at a path in the image
/// (single files, `COPY . .`, directories, globs, `--chmod`/`--chown`, exec-form, paths relative to WORKDIR), the
/// text of such files, and whether the app's source there installs a SIGTERM handler.
///
/// When no context is given, `docker build -f sub/Dockerfile .` is the usual way a Dockerfile deeper in a
/// repository is built, so a COPY source missing beside the Dockerfile is looked for in its parent directories.
struct BuildContext: Sendable {
    /// The directories COPY sources may be relative to, the most likely first.
    let roots: [String]
    /// A built image's files (`lint --image`): paths are looked up in the image itself, not through COPY.
    var image: (root: ImageRoot, searchPath: [String])?

    /// `explicit` is the `--context` the user gave; otherwise the Dockerfile's directory and its parents.
    /// The files of a built image: a path is the image's file at that path.
    init(image root: ImageRoot, searchPath: [String]) {
        roots = [root.directory]
        image = (root, searchPath)
    }

    init(explicit: String?, dockerfileDirectory: String) {
        if let explicit {
            roots = [explicit]
            return
        }
        var roots = [dockerfileDirectory]
        let absolute = dockerfileDirectory.hasPrefix("/") ? dockerfileDirectory
            : FileManager.default.currentDirectoryPath + "/" + dockerfileDirectory
        var components = absolute.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
        for _ in 0..<4 where components.count > 1 {
            // A repository's root is as far as a build context goes.
            if FileManager.default.fileExists(atPath: "/" + components.joined(separator: "/") + "/.git") { break }
            components.removeLast()
            roots.append("/" + components.joined(separator: "/"))
        }
        self.roots = roots
    }

    /// A file the image holds at `imagePath` because a COPY/ADD from the context put it there.
    struct Placed {
        /// The file in the build context.
        var source: String
        /// The line of the COPY/ADD; 0 for a file read from a built image.
        var line: Int
        /// Where the file came from, for messages: `copied at line 4`, `at /entrypoint.sh in the image`.
        var origin: String
    }

    /// Docker's default PATH for images that do not set one.
    static let defaultPath = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]

    /// The context file a COPY/ADD (not `--from` another stage) placed at `path` (absolute, relative to WORKDIR
    /// with a `/`, or a bare name looked up in PATH), the last such COPY winning.
    func file(at path: String, instructions: [Dockerfile.Instruction]) -> Placed? {
        if let image {
            let workdir = Self.workdir(instructions)
            guard let file = image.root.locate(path, searchPath: image.searchPath, workdir: workdir), file.isRegular
            else { return nil }
            return Placed(source: file.hostPath, line: 0, origin: "at \(file.imagePath) in the image")
        }
        var found: Placed?
        for (instruction, workdir) in Self.copies(instructions) {
            let targets = path.hasPrefix("/") ? [path] : path.contains("/")
                ? [(workdir as NSString).appendingPathComponent(path)]
                : Self.defaultPath.map { ($0 as NSString).appendingPathComponent(path) }
            for target in targets.map(PathText.lexical) {
                if let source = source(of: target, copy: instruction, workdir: workdir) {
                    found = Placed(source: source, line: instruction.line,
                                   origin: "copied at line \(instruction.line)")
                    break
                }
            }
        }
        return found
    }

    /// Each COPY/ADD with the WORKDIR in effect at it (`/` before any WORKDIR).
    static func copies(_ instructions: [Dockerfile.Instruction])
        -> [(instruction: Dockerfile.Instruction, workdir: String)] {
        var workdir = "/"
        var copies: [(instruction: Dockerfile.Instruction, workdir: String)] = []
        for instruction in instructions {
            if instruction.keyword == "WORKDIR" {
                let dir = instruction.arguments.trimmingWhitespace()
                workdir = PathText.lexical(dir.hasPrefix("/") ? dir : (workdir as NSString).appendingPathComponent(dir))
            } else if instruction.keyword == "COPY" || instruction.keyword == "ADD" {
                copies.append((instruction, workdir))
            }
        }
        return copies
    }

    /// The sources and destination of a COPY/ADD, options dropped; nil for `--from` copies and heredocs.
    static func operands(_ instruction: Dockerfile.Instruction) -> (sources: [String], destination: String)? {
        var words = instruction.execForm.arguments ?? instruction.arguments.split(separator: " ").map(String.init)
        if words.contains(where: { $0.hasPrefix("--from") }) { return nil }
        words.removeAll { $0.hasPrefix("--") }
        guard words.count >= 2, let destination = words.last, !words.contains(where: { $0.hasPrefix("<<") })
        else { return nil }
        return (Array(words.dropLast()), destination)
    }

    /// The context file that this COPY put at `target` in the image, if it did.
    func source(of target: String, copy: Dockerfile.Instruction, workdir: String) -> String? {
        guard let (sources, destination) = Self.operands(copy) else { return nil }
        // Image paths, normalised as text: the host's symlinks have nothing to do with them.
        let absolute = PathText.lexical(destination.hasPrefix("/") ? destination
            : (workdir as NSString).appendingPathComponent(destination))
        // A destination that already is a directory in every image (`/usr/local/bin`, `/`) takes the file inside.
        let intoDirectory = destination.hasSuffix("/") || destination == "." || sources.count > 1
            || sources.contains { $0.contains("*") || $0.contains("?") }
            || Self.defaultPath.contains(absolute) || absolute == "/" || absolute == workdir
        for source in sources {
            for root in roots {
                guard let contextPath = Self.contextPath(root, source) else { continue }
                var isDirectory: ObjCBool = false
                if source.contains("*") || source.contains("?") {
                    // A glob copies each match into the destination directory under its own name.
                    let name = (target as NSString).lastPathComponent
                    guard Self.directory(of: target) == absolute,
                          fnmatch((source as NSString).lastPathComponent, name, 0) == 0 else { continue }
                    let candidate = (Self.directory(of: contextPath) as NSString).appendingPathComponent(name)
                    if FileManager.default.fileExists(atPath: candidate) { return candidate }
                } else if FileManager.default.fileExists(atPath: contextPath, isDirectory: &isDirectory) {
                    if isDirectory.boolValue {
                        // A directory's contents land in the destination: `COPY . .`, `COPY src/ /app/`.
                        guard target.hasPrefix(absolute == "/" ? "/" : absolute + "/") else { continue }
                        let relative = String(target.dropFirst(absolute == "/" ? 1 : absolute.count + 1))
                        let candidate = (contextPath as NSString).appendingPathComponent(relative)
                        if FileManager.default.fileExists(atPath: candidate) { return candidate }
                    } else {
                        let placed = intoDirectory
                            ? (absolute as NSString).appendingPathComponent((source as NSString).lastPathComponent)
                            : absolute
                        if PathText.lexical(placed) == target { return contextPath }
                    }
                    // Found in this root: the parents are not where this COPY reads from.
                    break
                }
            }
        }
        return nil
    }

    /// The directory in the context that WORKDIR's contents come from, for reading the app's source: the source of
    /// the last COPY of a directory into WORKDIR (`COPY . .`), else the first root.
    func sourceDirectory(instructions: [Dockerfile.Instruction]) -> String? {
        if let image {
            return image.root.resolve(Self.workdir(instructions)).flatMap { $0.isDirectory ? $0.hostPath : nil }
        }
        var found: String?
        for (instruction, _) in Self.copies(instructions) {
            guard let (sources, _) = Self.operands(instruction) else { continue }
            for source in sources {
                for root in roots {
                    guard let path = Self.contextPath(root, source) else { continue }
                    var isDirectory: ObjCBool = false
                    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                        if isDirectory.boolValue { found = path }
                        break
                    }
                }
            }
        }
        return found
    }

    /// The working directory after the WORKDIR instructions.
    static func workdir(_ instructions: [Dockerfile.Instruction]) -> String {
        var workdir = "/"
        for instruction in instructions where instruction.keyword == "WORKDIR" {
            let dir = instruction.arguments.trimmingWhitespace()
            workdir = PathText.lexical(dir.hasPrefix("/") ? dir : (workdir as NSString).appendingPathComponent(dir))
        }
        return workdir
    }

    /// `source` of a COPY/ADD within the context `root`; nil when it leaves the context (`COPY .. .`,
    /// `COPY ../secrets /`), which Docker refuses ("forbidden path outside the build context"): such a source is no
    /// file of the image, and following it would read the host's directories (the fuzzer found `COPY .. .` walking
    /// /).
    static func contextPath(_ root: String, _ source: String) -> String? {
        let base = (root as NSString).standardizingPath
        let path = ((root as NSString).appendingPathComponent(source) as NSString).standardizingPath
        guard path == base || path.hasPrefix(base.hasSuffix("/") ? base : base + "/") else { return nil }
        return path
    }

    /// The directory part of a path: `a/b` -> `a`, `/b` -> `/`, `b` -> `.` (NSString's deletingLastPathComponent
    /// traps on a one-character name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Reads a script or source file through `InputFile` (regular files only, size-limited, non-blocking), or nil.
    static func readText(_ path: String) -> String? {
        try? InputFile.readText(path, as: .script)
    }
}
