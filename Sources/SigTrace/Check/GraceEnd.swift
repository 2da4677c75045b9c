#if canImport(Glibc)
import Glibc
#endif

/// A TCP connection of the service still open when the grace period ended.
public struct OpenConnection: Sendable, Hashable {
    /// The process holding it (the main process or a descendant).
    public var pid: Int32
    public var command: String
    public var local: TCPEndpoint
    public var remote: TCPEndpoint
    public var state: TCPSocket.State
    /// True when it was accepted on one of the service's listening ports: a client of the service, not a
    /// connection the service opened itself.
    public var fromClient: Bool
    /// For an outgoing connection: what is at the other end, when known.
    public var peer: ConnectionPeer?

    /// `127.0.0.1:41234 -> :5432` for a client, `-> postgres on 127.0.0.1:5432` (or `-> 10.0.0.5:5432`) for an
    /// outgoing one.
    public var description: String {
        fromClient ? "\(remote) -> :\(local.port)" : "-> \(peerDescription)"
    }

    /// The remote end, with its peer's name when known: `postgres on 127.0.0.1:5432`.
    public var peerDescription: String { peer?.describe(remote) ?? remote.description }
}

/// What was still going on in the service when its grace period ended, read just before SIGKILL: the descendants
/// that die with it and the TCP connections it was holding open (what it was waiting for).
public struct GraceEndState: Sendable, Equatable {
    public var descendants: [TreeProcess]
    public var connections: [OpenConnection]

    public init(descendants: [TreeProcess] = [], connections: [OpenConnection] = []) {
        self.descendants = descendants
        self.connections = connections
    }

    /// Connections accepted from clients.
    public var clientConnections: [OpenConnection] { connections.filter(\.fromClient) }

    /// Reads the tree under `pid` and its sockets. Sockets are matched through `/proc/PID/fd` inodes against the
    /// namespace's `net/tcp` and `net/tcp6`; a client connection is one whose local port the tree listens on.
    /// `listenedBefore` holds the ports the tree listened on before the signal: a server that closed its listener
    /// on the signal still has clients on them.
    static func read(pid: Int32, tree: ServiceTree, listenedBefore: Set<UInt16> = []) -> GraceEndState {
        let descendants = tree.descendants(of: [pid]).filter { !$0.isZombie }
        let (sockets, owner) = ownedSockets(pid: pid, descendants: descendants, tree: tree)
        return GraceEndState(descendants: descendants,
                             connections: connections(sockets, owner: owner, listenedBefore: listenedBefore))
    }

    /// The TCP ports the tree under `pid` listens on now.
    static func listeningPorts(pid: Int32, tree: ServiceTree) -> Set<UInt16> {
        let descendants = tree.descendants(of: [pid]).filter { !$0.isZombie }
        let (sockets, owner) = ownedSockets(pid: pid, descendants: descendants, tree: tree)
        return Set(sockets.filter { $0.state == .listen && owner[$0.inode] != nil }.map(\.local.port))
    }

    /// The namespace's TCP sockets and which process of the tree owns which socket inode.
    static func ownedSockets(pid: Int32, descendants: [TreeProcess], tree: ServiceTree)
        -> ([TCPSocket], [UInt64: (Int32, String)])
    {
        let files = tree.files
        let processes = [(pid, tree.read(pid)?.command ?? "")] + descendants.map { ($0.pid, $0.command) }
        var owner: [UInt64: (Int32, String)] = [:]
        for (process, command) in processes {
            guard let fds = try? files.listNumbers(files.path(process, "fd")) else { continue }
            for fd in fds {
                guard let target = try? files.readLink(files.path(process, "fd/\(fd)")), target.hasPrefix("socket:["),
                      let inode = UInt64(target.dropFirst(8).dropLast()) else { continue }
                if owner[inode] == nil { owner[inode] = (process, command) }
            }
        }
        var sockets: [TCPSocket] = []
        for table in ["net/tcp", "net/tcp6"] {
            if let text = try? files.read(files.path(pid, table)) { sockets += TCPTable.parse(text) }
        }
        return (sockets, owner)
    }

    /// The tree's open connections among `sockets`, given which process owns which socket inode. Pure.
    static func connections(_ sockets: [TCPSocket], owner: [UInt64: (Int32, String)],
                            listenedBefore: Set<UInt16> = []) -> [OpenConnection] {
        let owned = sockets.filter { owner[$0.inode] != nil }
        let listening = Set(owned.filter { $0.state == .listen }.map(\.local.port)).union(listenedBefore)
        let open: Set<TCPSocket.State> = [.established, .closeWait, .synReceived, .finWait1, .finWait2]
        return owned.filter { open.contains($0.state) }.compactMap { socket in
            guard let (pid, command) = owner[socket.inode] else { return nil }
            return OpenConnection(pid: pid, command: command, local: socket.local, remote: socket.remote,
                                  state: socket.state, fromClient: listening.contains(socket.local.port))
        }.sorted { ($0.pid, $0.remote.port) < ($1.pid, $1.remote.port) }
    }

    /// SIGKILLs every descendant of the main process (which the caller has just SIGKILLed), as a container runtime
    /// kills the whole container (its cgroup or PID namespace) at the end of the grace period. Each gets exactly
    /// one SIGKILL.
    static func killDescendants(_ descendants: [TreeProcess]) {
        for process in descendants { kill(process.pid, SIGKILL) }
    }
}
