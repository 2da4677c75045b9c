import CProcfs
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Reads which TCP connections the service's processes hold, again and again while it shuts down, so that each
/// process's last reading before its exit shows what the kernel closed for it. With `--trace` the tracer's exit
/// stop reads them at the exit itself (`readAtExitStop`), which no later close can contradict.
///
/// A reading is the socket inodes of /proc/PID/fd; the TCP tables that turn inodes into connections are read
/// again only when an inode shows up that they do not know, at most every `tableInterval`, so a service under
/// `--load` (new client sockets all the time) does not have its namespace's table of thousands of TIME_WAIT
/// sockets read every few milliseconds.
final class ConnectionSampler: Sendable {
    /// One process's socket inodes at one moment.
    struct Reading: Sendable {
        var at: UInt64
        var command: String
        var inodes: [UInt64]
        var atExitStop: Bool
    }

    private struct State {
        /// Inode to socket, from the last tables read.
        var sockets: [UInt64: TCPSocket] = [:]
        /// Inodes a table read after they were seen did not hold: unix, UDP or netlink sockets.
        var notTCP: Set<UInt64> = []
        var tableReadAt: UInt64 = 0
        /// The latest reading of each process.
        var readings: [Int32: Reading] = [:]
        var peers: [TCPEndpoint: ConnectionPeer] = [:]
        var heldAtSignal = 0
    }

    static let tableInterval: UInt64 = 50_000_000
    /// The shortest wait between two readings; slower readings (a service holding many sockets) wait five times
    /// what they took, up to `maximumInterval`, so sampling costs at most a fifth of a core.
    static let minimumInterval: UInt64 = 2_000_000
    static let maximumInterval: UInt64 = 20_000_000

    /// The wait before the next reading, after one that took `nanoseconds`.
    static func interval(afterSampleTaking nanoseconds: UInt64) -> UInt64 {
        min(maximumInterval, max(minimumInterval, nanoseconds * 5))
    }
    let owners: SocketOwners
    private let state = Mutex(State())

    init(owners: SocketOwners = SocketOwners()) { self.owners = owners }

    /// Reads the socket inodes of each process. A process that had begun to exit by the end of its reading keeps
    /// its previous one: the kernel may already have released some of its descriptors (a leader releases them
    /// before its exit shows in the pidfd, which waits for every thread).
    func sample(_ processes: [(pid: Int32, command: String)]) {
        var fresh: [(Int32, Reading)] = []
        for (pid, command) in processes {
            // Stamped before the read: each inode was held at some moment after it.
            let at = Clocks.monotonicNanoseconds()
            guard let inodes = owners.inodes(of: pid), isRunning(pid) else { continue }
            fresh.append((pid, Reading(at: at, command: command, inodes: inodes, atExitStop: false)))
        }
        let unknown = state.withLock { state in
            for (pid, reading) in fresh where state.readings[pid]?.atExitStop != true {
                state.readings[pid] = reading
            }
            return fresh.contains { $0.1.inodes.contains { state.sockets[$0] == nil && !state.notTCP.contains($0) } }
        }
        if unknown, let pid = fresh.first?.0,
           Clocks.monotonicNanoseconds() &- state.withLock(\.tableReadAt) >= Self.tableInterval {
            readTables(pid: pid, thread: nil)
        }
    }

    /// At a thread's exit stop, on the tracer thread: the descriptors and tables of that thread, read while the
    /// kernel holds it before it releases them.
    /// A thread leaving by itself (exit(2): a finished worker thread) is not the process's end and is skipped;
    /// one in exit_group(2), or killed by a signal, is.
    func readAtExitStop(pid: Int32, tid: Int32) {
        if Self.isLoneThreadExit(pid: pid, tid: tid, files: owners.files) { return }
        let at = Clocks.monotonicNanoseconds()
        guard let inodes = owners.inodes(of: pid, thread: tid) else { return }
        readTables(pid: pid, thread: tid)
        let command = state.withLock { $0.readings[pid]?.command } ?? ServiceTree(files: owners.files).read(pid)?.command
        state.withLock { state in
            state.readings[pid] = Reading(at: at, command: command ?? "", inodes: inodes, atExitStop: true)
        }
    }

    /// True while `pid` has not begun to exit: its leader's /proc/PID/stat flags lack PF_EXITING, which the
    /// kernel sets first thing in do_exit, before it releases any descriptor.
    func isRunning(_ pid: Int32) -> Bool {
        guard let text = try? owners.files.read(owners.files.path(pid, "stat"), shortReadIsEnd: true) else {
            return false
        }
        return Self.taskFlags(stat: text).map { $0 & Self.exitingFlag == 0 } ?? false
    }

    /// PF_EXITING (include/linux/sched.h).
    static let exitingFlag: UInt64 = 0x4

    /// The flags field of /proc/PID/stat (the ninth, the sixth after the comm's closing parenthesis).
    static func taskFlags(stat text: String) -> UInt64? {
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return fields.count > 6 ? UInt64(fields[6]) : nil
    }

    /// True when the thread `tid` is stopped in exit(2), which ends only that thread. The first field of
    /// /proc/PID/task/TID/syscall is the system call it is in.
    static func isLoneThreadExit(pid: Int32, tid: Int32, files: ProcFiles) -> Bool {
        guard let text = try? files.read(files.path(pid, thread: tid, "syscall"), shortReadIsEnd: true),
              let number = Int(text.split(separator: " ").first ?? "") else { return false }
        return number == cprocfs_sys_exit_number()
    }

    /// Reads the namespace's TCP tables; inodes already seen that they do not hold are not TCP.
    private func readTables(pid: Int32, thread: Int32?) {
        let sockets = owners.tcpSockets(of: pid, thread: thread)
        guard !sockets.isEmpty else { return }
        state.withLock { state in
            let seen = Set(state.readings.values.flatMap(\.inodes))
            state.sockets = Dictionary(sockets.filter { $0.inode != 0 }.map { ($0.inode, $0) },
                                       uniquingKeysWith: { first, _ in first })
            state.notTCP.formUnion(seen.filter { state.sockets[$0] == nil })
            state.tableReadAt = Clocks.monotonicNanoseconds()
        }
    }

    /// Before the pre-stop: one full reading with fresh tables, and the peers of the outgoing connections named
    /// (a walk over /proc, which would be too slow during the shutdown).
    func readBeforeSignal(_ processes: [(pid: Int32, command: String)], listening: Set<UInt16>) {
        sample(processes)
        if let pid = processes.first?.pid { readTables(pid: pid, thread: nil) }
        let held = connections(listening: listening)
        let outgoing = held.filter { !$0.fromClient }
        let sockets = state.withLock { Array($0.sockets.values) }
        let peers = ConnectionPeers.find(for: outgoing, in: sockets, owners: owners)
        state.withLock { state in
            state.peers.merge(peers) { old, _ in old }
            state.heldAtSignal = held.count
        }
    }

    /// Just before the signal: how many connections the tree holds (a reading and fresh tables, no peer walk).
    func countAtSignal(_ processes: [(pid: Int32, command: String)], listening: Set<UInt16>) {
        sample(processes)
        if let pid = processes.first?.pid { readTables(pid: pid, thread: nil) }
        let held = connections(listening: listening).count
        state.withLock { $0.heldAtSignal = held }
    }

    /// How many connections the tree held just before the signal.
    var heldAtSignal: Int { state.withLock(\.heldAtSignal) }

    /// `connections` with the peers named before the signal.
    func named(_ connections: [OpenConnection]) -> [OpenConnection] {
        let peers = state.withLock(\.peers)
        return connections.map { connection in
            var named = connection
            if !connection.fromClient { named.peer = peers[connection.remote] }
            return named
        }
    }

    /// The connections in the latest reading of each process taken at `since` (monotonic) or later, with their
    /// peers.
    func connections(listening: Set<UInt16>, since: UInt64 = 0) -> [OpenConnection] {
        let (sockets, owner) = state.withLock { state in
            var owner: [UInt64: (Int32, String)] = [:]
            for (pid, reading) in state.readings.sorted(by: { $0.key < $1.key })
            where reading.at >= since || reading.atExitStop {
                for inode in reading.inodes where owner[inode] == nil { owner[inode] = (pid, reading.command) }
            }
            return (Array(state.sockets.values), owner)
        }
        return named(GraceEndState.connections(sockets, owner: owner, listenedBefore: listening))
    }

    /// What the service held when it exited at `exitAt` (monotonic): each process's last reading after the signal
    /// at `signalAt`, exact when the main process's was taken at its exit stop. Without a reading of the main
    /// process after the signal and within `ConnectionsAtExit.trustedGap` of the exit, they were not read.
    func atExit(mainPid: Int32, exitAt: UInt64, signalAt: UInt64, listening: Set<UInt16>) -> ConnectionsAtExit {
        let main = state.withLock { $0.readings[mainPid] }
        let held = state.withLock(\.heldAtSignal)
        if main?.atExitStop == true {
            return ConnectionsAtExit(reading: .exitStop, connections: connections(listening: listening,
                                                                                  since: signalAt),
                                     heldAtSignal: held)
        }
        guard let main, main.at >= signalAt else {
            return ConnectionsAtExit(reading: .notRead(lastSecondsBeforeExit: nil), connections: [],
                                     heldAtSignal: held)
        }
        let before = Double(exitAt &- min(exitAt, main.at)) / 1e9
        guard before <= ConnectionsAtExit.trustedGap else {
            return ConnectionsAtExit(reading: .notRead(lastSecondsBeforeExit: before), connections: [],
                                     heldAtSignal: held)
        }
        return ConnectionsAtExit(reading: .lastSample(secondsBeforeExit: before),
                                 connections: connections(listening: listening, since: signalAt), heldAtSignal: held)
    }

    /// What the service held when it exited, from the kernel's record of each close and exit: the connections its
    /// tasks closed after their own exit event (after the signal at `signalAt`), the kernel's closes. Nil when the
    /// record lacks the main process's exit or lost records, and the samples must stand for it instead.
    func atExit(record: SocketCloseRecord, mainPid: Int32, signalAt: UInt64, listening: Set<UInt16>)
        -> ConnectionsAtExit?
    {
        guard !record.lostRecords, record.exits.contains(where: { $0.tid == mainPid || $0.tgid == mainPid })
        else { return nil }
        let (byKernel, byProgram) = record.closes(since: signalAt)
        let commands = state.withLock { $0.readings.mapValues(\.command) }
        let connections = byKernel.map { close in
            let pid = close.tgid ?? close.tid
            return OpenConnection(pid: pid, command: commands[pid] ?? close.comm, local: close.local,
                                  remote: close.remote, state: close.oldState,
                                  fromClient: listening.contains(close.local.port))
        }
        let closedByProgram = byProgram.filter { !listening.contains($0.local.port) }
        return ConnectionsAtExit(reading: .kernelRecord(closedByProgram: closedByProgram.count),
                                 connections: named(connections), heldAtSignal: heldAtSignal)
    }
}
