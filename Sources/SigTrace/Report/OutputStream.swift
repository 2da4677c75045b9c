#if canImport(Glibc)
import Glibc
#endif

/// A file descriptor written with write(2): no stdio buffering to flush, safe from any thread, so JSON lines
/// reach a pipe the moment they are written.
public struct FileOutput: Sendable {
    public let fd: Int32

    public init(fd: Int32) { self.fd = fd }

    public static let standardOutput = FileOutput(fd: 1)
    public static let standardError = FileOutput(fd: 2)

    /// Opens (creating or truncating) a file for writing. The corresponding C function is `open`.
    public static func create(path: String) throws(SigscopeError) -> FileOutput {
        let fd = path.withCString { open($0, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644) }
        guard fd >= 0 else {
            let code = errno
            throw SigscopeError(.unwritableFile, "cannot write \(path): \(SigscopeError.describe(errno: code))",
                                errno: code)
        }
        return FileOutput(fd: fd)
    }

    /// Writes all of `text`, retrying short writes and EINTR. Returns the errno of a failed write (EPIPE for a
    /// closed pipe, ENOSPC for a full disk or /dev/full), nil when everything was written; callers that must not
    /// lose output (watch) report it, the rest may ignore it.
    @discardableResult
    public func write(_ text: String) -> Int32? {
        var text = text
        return text.withUTF8 { write(UnsafeRawBufferPointer($0)) }
    }

    /// Writes UTF-8 bytes, as `write(_:)` does.
    @discardableResult
    public func write(bytes: [UInt8]) -> Int32? {
        bytes.withUnsafeBytes { write($0) }
    }

    private func write(_ buffer: UnsafeRawBufferPointer) -> Int32? {
        var offset = 0
        while offset < buffer.count {
            let written = retryOnInterrupt { Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset) }
            if written < 0 { return errno }
            offset += written
        }
        return nil
    }

    /// Closes the descriptor; returns the errno when the close reports a failed earlier write (NFS, quotas).
    @discardableResult
    public func close() -> Int32? { Glibc.close(fd) == 0 ? nil : errno }
}
