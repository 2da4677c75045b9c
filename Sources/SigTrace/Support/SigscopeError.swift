#if canImport(Glibc)
import Glibc
#endif

/// An error sigscope reports to the user: one line naming what and why. The CLI exits 2 on any of them.
public struct SigscopeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; stable for callers that branch on it.
    public enum Code: String, Sendable, Equatable {
        case badInput = "bad-input"
        case noSuchProcess = "no-such-process"
        case permissionDenied = "permission-denied"
        case kernelThread = "kernel-thread"
        case zombie = "zombie"
        case alreadyTraced = "already-traced"
        case malformedProcText = "malformed-proc"
        case startFailed = "start-failed"
        case notReady = "not-ready"
        case unreadableFile = "unreadable-file"
        /// An output file or stream that could not be created or written (full disk, closed pipe, read-only).
        case unwritableFile = "unwritable-file"
        case systemCall = "system-call"
        case interrupted = "interrupted"
    }

    /// The kind of failure.
    public let code: Code
    /// The one-line message shown to the user.
    public let message: String
    /// The underlying errno, where a system call failed.
    public let errno: Int32?

    /// Creates an error with a message and, optionally, the errno behind it.
    public init(_ code: Code, _ message: String, errno: Int32? = nil) {
        self.code = code
        self.message = message
        self.errno = errno
    }

    public var description: String { message }

    /// The error for a system call that failed with `errno`: EPERM and EACCES are `permissionDenied`, ESRCH
    /// `noSuchProcess`, anything else `systemCall`; the message is `what` followed by the C library's text.
    public static func systemCall(_ what: String, errno code: Int32) -> SigscopeError {
        let kind: Code
        switch code {
        case EPERM, EACCES: kind = .permissionDenied
        case ESRCH: kind = .noSuchProcess
        default: kind = .systemCall
        }
        return SigscopeError(kind, "\(what): \(describe(errno: code))", errno: code)
    }

    /// The C library's text for an errno: "No such file or directory".
    public static func describe(errno: Int32) -> String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        return String(cString: text)
    }
}
