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
    private func readBytes(_ path: String, shortReadIsEnd: Bool = false) throws(Failure) -> [UInt8] {
        let fd = path.withCString { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw Failure(errno: errno) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        let error = Self.readAppending(fd, to: &bytes, chunk: 4096, shortReadIsEnd: shortReadIsEnd)
        if error != 0 { throw Failure(errno: error) }
        return bytes
    }

    /// Reads `fd` to its end, or to its first short read with `shortReadIsEnd`, appending to `bytes` in chunks
    /// that double from `chunk`. Returns 0, or the errno of a failed read.
    private static func readAppending(_ fd: Int32, to bytes: inout [UInt8], chunk: Int, shortReadIsEnd: Bool) -> Int32 {
        var chunk = chunk
        while true {
            let before = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: chunk))
            let added = bytes.withUnsafeMutableBytes {
                readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: $0[before...]))
            }
            bytes.removeLast(chunk - max(0, added))
            if added < 0 { return Int32(-added) }
            if added == 0 || (shortReadIsEnd && added < chunk) { return 0 }
            // Tables such as net/tcp come a page per read however much is asked: growing the chunk for them
            // would zero-fill megabytes per page (seconds for a table of thousands of TIME_WAIT sockets).
            if added == chunk { chunk = min(chunk * 2, 1 << 20) }
        }
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

    /// Reads /proc/PID/NAME, or /proc/PID/task/TID/NAME, and hands its bytes to `body`, without allocating:
    /// the path is formatted and the file read on the stack (files longer than a page continue on the heap).
    /// The read that returns less than a page is taken as the end, which holds for the files the kernel renders
    /// in one piece (status, syscall, cmdline). `inspect --all` reads three of these per process. (Opening
    /// /proc/PID once and reading with `openat` was measured on 2,000 processes: more system time, not less.)
    public func withBytes<R>(_ pid: Int32, thread tid: Int32? = nil, _ name: StaticString,
                             _ body: (UnsafeBufferPointer<UInt8>) -> R) throws(Failure) -> R {
        let fd = withPath(pid, thread: tid, name) { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { throw Failure(errno: errno) }
        defer { close(fd) }
        let page = 4096
        let result = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: page) { buffer -> Result<R, Failure> in
            let count = Self.readFully(fd, into: UnsafeMutableRawBufferPointer(buffer))
            guard count >= 0 else { return .failure(Failure(errno: -Int32(count))) }
            if count < page { return .success(body(UnsafeBufferPointer(rebasing: buffer[0..<count]))) }
            var bytes = Array(buffer)
            let error = Self.readAppending(fd, to: &bytes, chunk: page, shortReadIsEnd: true)
            guard error == 0 else { return .failure(Failure(errno: error)) }
            return .success(bytes.withUnsafeBufferPointer(body))
        }
        return try result.get()
    }

    /// One read(2) into `buffer`, retried on EINTR: the byte count, or minus errno.
    private static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) -> Int {
        while true {
            let result = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if result >= 0 { return result }
            if errno != EINTR { return -Int(errno) }
        }
    }

    /// Calls `body` with the C path /proc/PID/NAME or /proc/PID/task/TID/NAME, formatted on the stack.
    func withPath<R>(_ pid: Int32, thread tid: Int32?, _ name: StaticString,
                     _ body: (UnsafePointer<CChar>) -> R) -> R {
        var root = root
        return root.withUTF8 { rootBytes in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: rootBytes.count + name.utf8CodeUnitCount + 40) {
                buffer in
                var end = 0
                func put(_ byte: UInt8) {
                    buffer[end] = byte
                    end += 1
                }
                func putNumber(_ number: Int32) {
                    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
                        (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
                    var value = UInt32(bitPattern: number)
                    var count = 0
                    withUnsafeMutableBytes(of: &digits) { scratch in
                        repeat {
                            scratch[count] = UInt8(truncatingIfNeeded: value % 10) + 0x30
                            value /= 10
                            count += 1
                        } while value > 0
                        while count > 0 {
                            count -= 1
                            put(scratch[count])
                        }
                    }
                }
                for byte in rootBytes { put(byte) }
                put(UInt8(0x2F))
                putNumber(pid)
                put(UInt8(0x2F))
                if let tid {
                    for byte in "task/".utf8 { put(byte) }
                    putNumber(tid)
                    put(UInt8(0x2F))
                }
                name.withUTF8Buffer { for byte in $0 { put(byte) } }
                put(UInt8(0))
                return buffer.withMemoryRebound(to: CChar.self) { body($0.baseAddress!) }
            }
        }
    }

    /// The path of a file of a process: `/proc/PID/NAME`.
    public func path(_ pid: Int32, _ name: String) -> String { "\(root)/\(pid)/\(name)" }

    /// The path of a file of one thread: `/proc/PID/task/TID/NAME`.
    public func path(_ pid: Int32, thread tid: Int32, _ name: String) -> String {
        "\(root)/\(pid)/task/\(tid)/\(name)"
    }
}
