#if canImport(Glibc)
import Glibc
#endif

/// The stdout and stderr of a service under check, captured together in one temporary file (a file never fills up
/// and blocks the service the way an unread pipe would). `log:REGEX` readiness reads it, and its tail is shown
/// when the service fails to start.
public final class ServiceOutput: Sendable {
    /// The temporary file's path; removed when this object goes away.
    public let path: String
    /// The descriptor the service writes to (O_APPEND, so stdout and stderr interleave in order).
    public let descriptor: Int32

    /// Creates the temporary file. The corresponding C function is `mkstemp`.
    public init() throws(SigscopeError) {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(directory)/sigscope-check-XXXXXX".utf8CString)
        let created = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        let name = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        // Reopened with O_APPEND so that stdout and stderr, sharing it, never overwrite each other.
        let fd = created < 0 ? -1 : open(name, O_WRONLY | O_APPEND | O_CLOEXEC)
        if created >= 0 { close(created) }
        guard fd >= 0 else {
            let code = errno
            throw SigscopeError(.systemCall, "cannot create a temporary file in \(directory) for the service's "
                + "output: \(SigscopeError.describe(errno: code))", errno: code)
        }
        path = name
        descriptor = fd
    }

    deinit {
        close(descriptor)
        unlink(path)
    }

    /// Everything the service has written so far.
    public func text() -> String { (try? ProcFiles().read(path)) ?? "" }

    /// The last `count` lines of the output.
    public func tail(lines count: Int = 20) -> [String] {
        var lines = text().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        return Array(lines.suffix(count))
    }
}
