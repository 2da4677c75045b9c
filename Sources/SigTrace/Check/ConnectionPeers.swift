/// What is at the other end of an outgoing connection: the local process holding it (found through /proc), or the
/// server registered on its port (`ServicePorts`) when that process cannot be seen.
public struct ConnectionPeer: Sendable, Hashable {
    public enum Source: Sendable, Hashable {
        /// The process that holds the other end, or listens on the port, in this network namespace.
        case process(pid: Int32)
        /// Only the port says it: another host, another network namespace.
        case wellKnownPort
    }

    /// `postgres`, `redis-server` (a process's comm), or `PostgreSQL` (a port's registered server).
    public var name: String
    public var source: Source

    /// How a connection to `remote` reads with this peer: `postgres on 127.0.0.1:5432`, or
    /// `10.0.0.5:5432 (PostgreSQL's port)`.
    public func describe(_ remote: TCPEndpoint) -> String {
        switch source {
        case .process: "\(name) on \(remote)"
        case .wellKnownPort: "\(remote) (\(name)'s port)"
        }
    }
}

/// Names the peers of a service's outgoing connections. The socket at the other end of a local connection is the
/// one whose local and remote endpoints are the connection's swapped; its owner (a PostgreSQL backend, the Redis
/// server) is found by one walk over /proc. When that end is not in the table, the process listening on the
/// remote port stands in for it.
public enum ConnectionPeers {
    /// For each connection of `outgoing`, the inodes that may name its peer, best first: the socket at the other
    /// end, then the listener on its remote port. Pure.
    static func candidateInodes(for outgoing: [OpenConnection], in sockets: [TCPSocket]) -> [TCPEndpoint: [UInt64]] {
        var byEnds: [String: UInt64] = [:]
        var listeners: [UInt16: [TCPSocket]] = [:]
        for socket in sockets where socket.inode != 0 {
            if socket.state == .listen {
                listeners[socket.local.port, default: []].append(socket)
            } else {
                byEnds["\(socket.local)|\(socket.remote)"] = socket.inode
            }
        }
        var result: [TCPEndpoint: [UInt64]] = [:]
        for connection in outgoing {
            var candidates = result[connection.remote] ?? []
            if let other = byEnds["\(connection.remote)|\(connection.local)"] { candidates.append(other) }
            let listening = (listeners[connection.remote.port] ?? []).filter {
                $0.local.address == connection.remote.address || isWildcard($0.local.address)
            }
            for inode in listening.map(\.inode) where !candidates.contains(inode) { candidates.append(inode) }
            result[connection.remote] = candidates
        }
        return result
    }

    static func isWildcard(_ address: String) -> Bool { address == "0.0.0.0" || address == "::" }

    /// The peer of each remote endpoint, given the owners found for the candidate inodes; the registered port
    /// names the rest. Pure.
    static func name(_ candidates: [TCPEndpoint: [UInt64]], remotes: [TCPEndpoint],
                     owners: [UInt64: SocketOwner]) -> [TCPEndpoint: ConnectionPeer] {
        var peers: [TCPEndpoint: ConnectionPeer] = [:]
        for remote in remotes {
            if let owner = (candidates[remote] ?? []).lazy.compactMap({ owners[$0] }).first, !owner.comm.isEmpty {
                peers[remote] = ConnectionPeer(name: owner.comm, source: .process(pid: owner.pid))
            } else if let service = ServicePorts.service(on: remote.port) {
                peers[remote] = ConnectionPeer(name: service.service, source: .wellKnownPort)
            }
        }
        return peers
    }

    /// The peers of `outgoing`, from the namespace's `sockets` and a walk over /proc for the owners.
    static func find(for outgoing: [OpenConnection], in sockets: [TCPSocket],
                     owners: SocketOwners) -> [TCPEndpoint: ConnectionPeer] {
        guard !outgoing.isEmpty else { return [:] }
        let candidates = candidateInodes(for: outgoing, in: sockets)
        let found = owners.owners(of: Set(candidates.values.joined()))
        return name(candidates, remotes: outgoing.map(\.remote), owners: found)
    }
}
