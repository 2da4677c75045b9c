#if canImport(Glibc)
import Glibc
#endif

/// Names signal senders in sigscope's PID namespace. The kernel writes si_pid as the *receiver's* PID namespace
/// numbers the sender, so for a process in a container `kill` from a sibling reads as pid 7, which in sigscope's
/// namespace is some other process or none. For a receiver deeper than sigscope this finds the process whose
/// NSpid has that number at the receiver's level, in the receiver's namespace.
///
/// Receivers in sigscope's own namespace (the common case) cost one dictionary lookup per signal. For a nested
/// receiver, a sender found before is confirmed with one status read; a new one costs a scan of /proc.
final class SenderNamespaces {
    /// A receiver's PID namespace: how deep it is (NSpid entries) and its inode.
    private struct Namespace: Hashable {
        var depth: Int
        var inode: UInt64
    }

    private struct Sender: Hashable {
        var namespace: Namespace
        var pid: Int32
    }

    private let files: ProcFiles
    /// How many NSpid entries sigscope's own pids have.
    private let ownDepth: Int
    private var receivers: [Int32: Namespace] = [:]
    private var senders: [Sender: Int32] = [:]
    private static let capacity = 4096

    init(files: ProcFiles = ProcFiles()) {
        self.files = files
        ownDepth = Self.status(files, "\(files.root)/self/status")?.nspid.count ?? 1
    }

    /// What a sender pid reported to a receiver is in sigscope's namespace.
    enum Translation: Equatable {
        /// The receiver shares sigscope's namespace (or could not be read): the pid is as it is.
        case same
        /// The receiver is in a nested namespace; this is the sender's pid in sigscope's.
        case found(Int32)
        /// The receiver is in a nested namespace and no process matches (the sender has exited).
        case gone
    }

    /// The sender the receiver `receiver` (a tgid in sigscope's namespace) knows as `pid`, in sigscope's namespace.
    func translate(_ pid: Int32, receivedBy receiver: Int32) -> Translation {
        guard let namespace = namespace(of: receiver), namespace.depth > ownDepth else { return .same }
        let key = Sender(namespace: namespace, pid: pid)
        if let known = senders[key], matches(known, key) { return .found(known) }
        if senders.count >= Self.capacity { senders.removeAll() }
        guard let found = scan(for: key) else {
            senders.removeValue(forKey: key)
            return .gone
        }
        senders[key] = found
        return .found(found)
    }

    /// Forgets a receiver that exited (its pid may come back in another namespace).
    func forget(receiver: Int32) { receivers.removeValue(forKey: receiver) }

    private func namespace(of receiver: Int32) -> Namespace? {
        if let known = receivers[receiver] { return known }
        guard let status = Self.status(files, files.path(receiver, "status")),
              let inode = inode(receiver) else { return nil }
        let namespace = Namespace(depth: status.nspid.count, inode: inode)
        if receivers.count >= Self.capacity { receivers.removeAll() }
        receivers[receiver] = namespace
        return namespace
    }

    /// The inode of /proc/PID/ns/pid, which names the process's PID namespace.
    private func inode(_ pid: Int32) -> UInt64? {
        var info = stat()
        guard files.path(pid, "ns/pid").withCString({ stat($0, &info) }) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    /// True when `global` is still the sender: its pid at the receiver's level is `key.pid`, and, when it lives
    /// at that level itself, it is in the receiver's namespace (a sibling container numbers its own pids alike).
    private func matches(_ global: Int32, _ key: Sender) -> Bool {
        guard let status = Self.status(files, files.path(global, "status")),
              status.nspid.count >= key.namespace.depth,
              status.nspid[key.namespace.depth - 1] == key.pid else { return false }
        if status.nspid.count == key.namespace.depth, let inode = inode(global) {
            return inode == key.namespace.inode
        }
        return true
    }

    private func scan(for key: Sender) -> Int32? {
        guard let pids = try? files.listNumbers(files.root) else { return nil }
        return pids.first { matches($0, key) }
    }

    private static func status(_ files: ProcFiles, _ path: String) -> ProcStatus? {
        (try? files.read(path, shortReadIsEnd: true)).flatMap { try? ProcStatus(parsing: $0) }
    }
}
