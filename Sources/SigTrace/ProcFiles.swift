#if canImport(Glibc)
import Glibc
#endif

/// Raw access to /proc files through open/read/readlink/getdents, without Foundation: `inspect --all` reads
/// thousands of them and must not be slower than `ps`.
public struct ProcFiles: Sendable {
    /// The proc mount to read, `/proc` unless a test points elsewhere.
    public let root: String

    public init(root: String = "/proc") { self.root = root }

    /// Why a read failed, kept apart from the message so callers can tell "gone" from "forbidden".
    public enum Failure: Error, Sendable, Equatable {
        /// The file (and usually the process) no longer exists: ENOENT or ESRCH.
        case gone
        /// EACCES or EPERM.
        case forbidden
        /// Anything else, with its errno.
        case other(Int32)

        init(errno value: Int32) {
            switch value {
            case ENOENT, ESRCH: self = .gone
            case EACCES, EPERM: self = .forbidden
            default: self = .other(value)
            }
        }
    }

    /// Reads a whole file as text (NULs kept). The corresponding C functions are `open` and `read`.
    ///
    /// With `shortReadIsEnd`, a read that returns less than was asked for is taken as the end, which saves a
    /// second `read` per file; that holds for files the kernel renders in one piece (status, stat, syscall,
    /// fdinfo, cmdline), not for line-by-line tables such as net/tcp.
    public func read(_ path: String, shortReadIsEnd: Bool = false) throws(Failure) -> String {
        String(decoding: try readBytes(path, shortReadIsEnd: shortReadIsEnd), as: UTF8.self)
    }

    /// Reads a whole file as bytes, straight into the array's storage (no String in between).
    public func readBytes(_ path: String, shortReadIsEnd: Bool = false) throws(Failure) -> [UInt8] {
        let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw Failure(errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = 4096
        while true {
            var readError: Int32 = 0
            var added = 0
            bytes.reserveCapacity(bytes.count + chunk)
            let before = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            bytes.withUnsafeMutableBytes { buffer in
                var result: Int
                repeat {
                    result = Glibc.read(fd, buffer.baseAddress! + before, chunk)
                } while result < 0 && errno == EINTR
                if result < 0 { readError = errno } else { added = result }
            }
            bytes.removeLast(chunk - added)
            if readError != 0 { throw Failure(errno: readError) }
            if added == 0 || (shortReadIsEnd && added < chunk) { break }
            chunk = min(chunk * 2, 1 << 20)
        }
        return bytes
    }

    /// The target of a symbolic link such as /proc/PID/exe. The corresponding C function is `readlink`.
    public func readLink(_ path: String) throws(Failure) -> String {
        var buffer = [CChar](repeating: 0, count: 4097)
        let length = path.withCString { readlink($0, &buffer, 4096) }
        guard length >= 0 else { throw Failure(errno: errno) }
        return String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The entries of a directory, without `.` and `..`. The corresponding C functions are `opendir`, `readdir`.
    public func list(_ path: String) throws(Failure) -> [String] {
        guard let dir = opendir(path) else { throw Failure(errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// The numeric entries of a directory (pids or tids), ascending.
    public func listNumbers(_ path: String) throws(Failure) -> [Int32] {
        try list(path).compactMap { Int32($0) }.sorted()
    }

    /// The files of one process, read by name.
    public func directory(_ pid: Int32) -> ProcDirectory { ProcDirectory(files: self, base: "\(root)/\(pid)/") }

    /// The path of a file of a process: `/proc/PID/NAME`.
    public func path(_ pid: Int32, _ name: String) -> String { "\(root)/\(pid)/\(name)" }

    /// The path of a file of one thread: `/proc/PID/task/TID/NAME`.
    public func path(_ pid: Int32, thread tid: Int32, _ name: String) -> String {
        "\(root)/\(pid)/task/\(tid)/\(name)"
    }
}

/// The files under one /proc/PID. (Opening the directory once and reading with `openat` was measured: on 2,000
/// processes it cost more system time than it saved in path walks.)
public struct ProcDirectory: Sendable {
    let files: ProcFiles
    let base: String

    /// Reads NAME (or task/TID/NAME) under the process's directory.
    public func read(_ name: String, shortReadIsEnd: Bool = true) throws(ProcFiles.Failure) -> String {
        try files.read(base + name, shortReadIsEnd: shortReadIsEnd)
    }

    /// Reads NAME (or task/TID/NAME) under the process's directory as bytes.
    public func readBytes(_ name: String, shortReadIsEnd: Bool = true) throws(ProcFiles.Failure) -> [UInt8] {
        try files.readBytes(base + name, shortReadIsEnd: shortReadIsEnd)
    }

    /// Reads a link under the process's directory (`exe`, `fd/3`).
    public func readLink(_ name: String) throws(ProcFiles.Failure) -> String { try files.readLink(base + name) }
}
