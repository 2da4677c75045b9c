import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The files of a container image, mounted or unpacked in a directory of the host, looked up as the container
/// sees them: symlinks are followed inside the image and never out of it (an absolute link target means the
/// image's root, `..` stops at it), so a link such as `/entrypoint.sh -> /etc/shadow` names the image's file, not
/// the host's. Only reading; the engine that mounts the image is the caller's (`ContainerImageLint`).
public struct ImageRoot: Sendable {
    /// The host directory holding the image's `/`.
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    /// A file of the image after its symlinks were followed.
    public struct File: Sendable, Equatable {
        /// Its path in the image, symlinks resolved: `/bin/busybox` for `/bin/sh -> busybox`.
        public var imagePath: String
        /// The same file on the host, under `directory`, with no symlink left in the path.
        public var hostPath: String
        public var mode: mode_t
        public var size: Int

        public var isRegular: Bool { mode & S_IFMT == S_IFREG }
        public var isDirectory: Bool { mode & S_IFMT == S_IFDIR }
        /// Some execute bit is set: what `execve` needs of the file's mode for root.
        public var isExecutable: Bool { isRegular && mode & 0o111 != 0 }
    }

    /// The kernel's limit on symlinks followed in one lookup (`MAXSYMLINKS`, path_resolution(7)).
    static let maxSymlinks = 40

    /// The file at an absolute image path, or nil when it does not exist (or a loop of links hides it).
    public func resolve(_ path: String) -> File? {
        var pending = Self.components(path)
        var resolved: [String] = []
        var links = 0
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == "." { continue }
            if name == ".." {
                _ = resolved.popLast()
                continue
            }
            let host = hostPath(resolved + [name])
            var info = stat()
            guard lstat(host, &info) == 0 else { return nil }
            if info.st_mode & S_IFMT == S_IFLNK {
                links += 1
                guard links <= Self.maxSymlinks, let target = Self.readLink(host) else { return nil }
                if target.hasPrefix("/") { resolved = [] }
                pending = Self.components(target) + pending
                continue
            }
            // Only a directory can have a name after it.
            if !pending.isEmpty && info.st_mode & S_IFMT != S_IFDIR { return nil }
            resolved.append(name)
        }
        let host = hostPath(resolved)
        var info = stat()
        guard lstat(host, &info) == 0 else { return nil }
        return File(imagePath: "/" + resolved.joined(separator: "/"), hostPath: host, mode: info.st_mode,
                    size: Int(info.st_size))
    }

    /// The file `execve` runs for `program` in the container: an absolute path as it is, a relative one with a `/`
    /// from the working directory, a bare name through `searchPath` (the image's PATH), as runc looks it up.
    public func locate(_ program: String, searchPath: [String], workdir: String) -> File? {
        if program.hasPrefix("/") { return resolve(program) }
        if program.contains("/") { return resolve((workdir.isEmpty ? "/" : workdir) + "/" + program) }
        for directory in searchPath where directory.hasPrefix("/") {
            if let file = resolve(directory + "/" + program), file.isRegular { return file }
        }
        return nil
    }

    /// The text of a file of the image, through `InputFile` (regular files only, size-limited), or nil.
    public func text(_ path: String) -> String? {
        guard let file = resolve(path), file.isRegular else { return nil }
        return try? InputFile.readText(file.hostPath, as: .script)
    }

    /// The first `count` bytes of a file of the image, or nil.
    public func head(_ file: File, count: Int) -> [UInt8]? {
        guard file.isRegular, let input = try? InputFile(path: file.hostPath) else { return nil }
        defer { input.close() }
        return try? input.read(upTo: count)
    }

    /// What `/bin/sh` is in the image, and how that was decided: missing (`.none`), a link to or a copy of
    /// BusyBox, dash or bash; nil for a shell sigscope does not recognise.
    public var shell: (shell: ImageShell?, reason: String) {
        guard let file = resolve("/bin/sh"), file.isRegular else { return (ImageShell.none, "no /bin/sh in the image") }
        let name = (file.imagePath as NSString).lastPathComponent
        switch name {
        case "busybox": return (.busyboxAsh, "/bin/sh is \(file.imagePath)")
        case "dash": return (.dash, "/bin/sh is \(file.imagePath)")
        case "bash": return (.bash, "/bin/sh is \(file.imagePath)")
        default: break
        }
        // A copy under the name sh: BusyBox and bash name themselves in their version strings; dash has no such
        // string, but its messages (`Syntax error: Bad fd number`) are its own (busybox ash words them otherwise).
        guard let bytes = try? InputFile.read(file.hostPath, as: Self.shellBinary) else { return (nil, "unknown") }
        for (marker, shell, what) in [("BusyBox v", ImageShell.busyboxAsh, "BusyBox"), ("GNU bash", .bash, "bash"),
                                      ("Bad fd number", .dash, "dash")]
        where Self.contains(bytes, Array(marker.utf8)) {
            return (shell, "/bin/sh is a copy of \(what)")
        }
        return (nil, "/bin/sh is a shell sigscope does not recognise")
    }

    /// Shells are a few MB at most; a larger /bin/sh is not read.
    static let shellBinary = InputFile.Kind("shell binaries", limit: 8 << 20)

    static func contains(_ bytes: [UInt8], _ needle: [UInt8]) -> Bool {
        Data(bytes).range(of: Data(needle)) != nil
    }

    func hostPath(_ components: [String]) -> String {
        components.isEmpty ? directory : directory + "/" + components.joined(separator: "/")
    }

    static func components(_ path: String) -> [String] {
        path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    }

    static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
