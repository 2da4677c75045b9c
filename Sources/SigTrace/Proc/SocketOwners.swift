/// Which process holds which socket: `/proc/PID/fd/N -> socket:[INODE]` links, the inode being the one the TCP
/// tables (`TCPTable`) name.
public struct SocketOwners: Sendable {
    public let files: ProcFiles

    public init(files: ProcFiles = ProcFiles()) { self.files = files }

    /// The socket inodes `pid` holds, or those of its thread `tid`: a thread that is exiting has its own
    /// descriptor table until the kernel releases it, while /proc/PID/fd follows the leader's. Nil when the
    /// directory cannot be read (gone, or not ours to read).
    public func inodes(of pid: Int32, thread tid: Int32? = nil) -> [UInt64]? {
        let directory = tid.map { files.path(pid, thread: $0, "fd") } ?? files.path(pid, "fd")
        guard let fds = try? files.listNumbers(directory) else { return nil }
        return fds.compactMap { fd in
            guard let target = try? files.readLink("\(directory)/\(fd)") else { return nil }
            return Self.inode(link: target)
        }
    }

    /// `socket:[1525578]` -> 1525578; nil for any other link.
    public static func inode(link: String) -> UInt64? {
        guard link.hasPrefix("socket:["), link.hasSuffix("]") else { return nil }
        return UInt64(link.dropFirst(8).dropLast())
    }

    /// Every TCP socket of `pid`'s network namespace (`net/tcp` and `net/tcp6`), read through the thread `tid`
    /// when given (a leader that already exited has none).
    public func tcpSockets(of pid: Int32, thread tid: Int32? = nil) -> [TCPSocket] {
        var sockets: [TCPSocket] = []
        for table in ["net/tcp", "net/tcp6"] {
            let path = tid.map { files.path(pid, thread: $0, table) } ?? files.path(pid, table)
            if let text = try? files.read(path) { sockets += TCPTable.parse(text) }
        }
        return sockets
    }

    /// The processes on the host holding any of `wanted`: a walk over every /proc/PID/fd, ending as soon as each
    /// inode has an owner. For naming the peers of a few connections, not for a loop.
    public func owners(of wanted: Set<UInt64>) -> [UInt64: SocketOwner] {
        guard !wanted.isEmpty, let pids = try? files.listNumbers(files.root) else { return [:] }
        var found: [UInt64: SocketOwner] = [:]
        for pid in pids {
            guard let inodes = inodes(of: pid) else { continue }
            for inode in inodes where wanted.contains(inode) && found[inode] == nil {
                let comm = (try? files.read(files.path(pid, "comm"), shortReadIsEnd: true))?
                    .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
                found[inode] = SocketOwner(pid: pid, comm: comm)
            }
            if found.count == wanted.count { break }
        }
        return found
    }
}

/// A process holding a socket, by pid and comm (`postgres`, `redis-server`).
public struct SocketOwner: Sendable, Hashable {
    public var pid: Int32
    public var comm: String
}
