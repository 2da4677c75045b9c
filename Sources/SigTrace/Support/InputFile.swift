#if canImport(Glibc)
import Glibc
#endif

/// A file sigscope reads as input (a Dockerfile, a manifest, a script, a config, a check report), checked before
/// a byte is read: it must be a regular file (a FIFO would block forever, a device never ends), it is opened with
/// `O_NONBLOCK` (so even a file swapped for a FIFO after the check cannot block the open or a read), and it is
/// read only up to a size limit for its kind (a 2 GB file named `.yaml` is refused, not loaded). ELF binaries are
/// not read through here: libelf maps them (`ELFImage`), after the same regular-file check in C.
public struct InputFile: Sendable {
    /// What a file is read as, with the most sigscope reads of it.
    public struct Kind: Sendable, Hashable {
        /// Plural, for the refusal: "manifests", "Dockerfiles".
        public var name: String
        /// The size limit in bytes.
        public var limit: Int

        public init(_ name: String, limit: Int) {
            self.name = name
            self.limit = limit
        }

        /// Real Dockerfiles are a few KB; the largest public ones are well under 100 KB.
        public static let dockerfile = Kind("Dockerfiles", limit: 1 << 20)
        /// The API server refuses objects over about 1.5 MB (etcd's request limit); a multi-document file of a
        /// few such objects stays under 4 MB, which YAML parsing reads in well under a second.
        public static let manifest = Kind("YAML manifests", limit: 4 << 20)
        /// Entrypoint scripts COPY'd into an image.
        public static let script = Kind("scripts", limit: 1 << 20)
        /// `.sigscope.yml` and `check --format json` reports.
        public static let config = Kind("configuration files", limit: 1 << 20)
        public static let report = Kind("check reports", limit: 4 << 20)
    }

    /// The path as given.
    public let path: String
    /// The size from fstat when the file was opened.
    public let size: Int
    private let descriptor: Int32

    /// Opens `path` for reading if it is a regular file; throws a one-line error otherwise. The corresponding C
    /// calls are `open(O_RDONLY | O_NONBLOCK | O_NOCTTY)` and `fstat`.
    public init(path: String) throws(SigscopeError) {
        self.path = path
        // stat first: a socket cannot be opened at all, and a device's open may have effects of its own.
        var info = stat()
        guard stat(path, &info) == 0 else { throw InputFile.unreadable(path, errno) }
        try InputFile.requireRegular(path, mode: info.st_mode)
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
        guard fd >= 0 else { throw InputFile.unreadable(path, errno) }
        // Again on what was opened: the path may have been replaced since the stat.
        guard fstat(fd, &info) == 0 else {
            let code = errno
            Glibc.close(fd)
            throw InputFile.unreadable(path, code)
        }
        do {
            try InputFile.requireRegular(path, mode: info.st_mode)
        } catch {
            Glibc.close(fd)
            throw error
        }
        descriptor = fd
        size = Int(info.st_size)
    }

    /// Closes the file.
    public func close() { _ = Glibc.close(descriptor) }

    /// Reads the whole file as the given kind: refused when it is larger than the kind's limit.
    public static func read(_ path: String, as kind: Kind) throws(SigscopeError) -> [UInt8] {
        let file = try InputFile(path: path)
        defer { file.close() }
        guard file.size <= kind.limit else { throw tooLarge(path, size: file.size, kind: kind) }
        let bytes = try file.read(upTo: kind.limit + 1)
        // It grew after the fstat (a log being written): the limit still holds.
        guard bytes.count <= kind.limit else { throw tooLarge(path, size: bytes.count, kind: kind) }
        return bytes
    }

    /// Reads the whole file as UTF-8 text of the given kind.
    public static func readText(_ path: String, as kind: Kind) throws(SigscopeError) -> String {
        let bytes = try read(path, as: kind)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw SigscopeError(.unreadableFile, "cannot read \(path): not UTF-8 text")
        }
        return text
    }

    /// Reads at most `count` bytes from the start: never more, whatever the file's size.
    public func read(upTo count: Int) throws(SigscopeError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: max(0, count))
        var filled = 0
        while filled < count {
            let got = bytes.withUnsafeMutableBytes { buffer in
                retryOnInterrupt { Glibc.read(descriptor, buffer.baseAddress! + filled, count - filled) }
            }
            if got < 0 { throw InputFile.unreadable(path, errno) }
            if got == 0 { break }
            filled += got
        }
        bytes.removeSubrange(filled...)
        return bytes
    }

    /// The refusal for a file over its kind's limit: "big.yaml is 2.0 GB; YAML manifests over 4 MB are not read".
    static func tooLarge(_ path: String, size: Int, kind: Kind) -> SigscopeError {
        SigscopeError(.badInput, "\(path) is \(formatSize(size)); \(kind.name) over \(formatSize(kind.limit)) "
                      + "are not read")
    }

    static func unreadable(_ path: String, _ code: Int32) -> SigscopeError {
        SigscopeError(.unreadableFile, "cannot read \(path): \(SigscopeError.describe(errno: code))", errno: code)
    }

    /// Throws unless `mode` is a regular file's, naming what the file is instead.
    static func requireRegular(_ path: String, mode: mode_t) throws(SigscopeError) {
        let what: String
        switch mode & S_IFMT {
        case S_IFREG: return
        case S_IFDIR: what = "a directory"
        case S_IFIFO: what = "a FIFO (named pipe)"
        case S_IFSOCK: what = "a socket"
        case S_IFCHR: what = "a character device"
        case S_IFBLK: what = "a block device"
        default: what = "not a regular file"
        }
        throw SigscopeError(.badInput, "\(path) is \(what), not a regular file: only regular files are read")
    }

    /// 1.5 KB, 3.0 MB, 2.0 GB: powers of 1024, one decimal.
    static func formatSize(_ bytes: Int) -> String {
        let units = ["bytes", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) bytes" }
        let rounded = (value * 10).rounded() / 10
        return rounded == rounded.rounded() ? "\(Int(rounded)) \(units[unit])" : "\(rounded) \(units[unit])"
    }
}
