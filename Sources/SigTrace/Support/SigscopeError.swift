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

    /// The C library's text for an errno: "No such file or directory".
    public static func describe(errno: Int32) -> String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        return String(cString: text)
    }
}
