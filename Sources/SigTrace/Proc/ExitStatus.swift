import CProcfs

/// How the process exited, as wait(2) reports it.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    /// Exited with a code.
    case exited(Int32)
    /// Killed by a signal, possibly dumping core.
    case signaled(Signal, coreDumped: Bool)

    /// Decodes a wait status. The corresponding C macros are `WIFEXITED`, `WEXITSTATUS`, `WTERMSIG`.
    public init?(waitStatus status: Int32) {
        if cprocfs_wifexited(status) != 0 {
            self = .exited(cprocfs_wexitstatus(status))
        } else if cprocfs_wifsignaled(status) != 0, let signal = Signal(rawValue: cprocfs_wtermsig(status)) {
            self = .signaled(signal, coreDumped: cprocfs_wcoredump(status) != 0)
        } else {
            return nil
        }
    }

    /// The code a shell would show: the exit code, or 128+N for death by signal N.
    public var shellCode: Int32 {
        switch self {
        case .exited(let code): code
        case .signaled(let signal, _): 128 + signal.rawValue
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): "exited with code \(code)"
        case .signaled(let signal, let core): "killed by \(signal.name)\(core ? " (core dumped)" : "")"
        }
    }
}
