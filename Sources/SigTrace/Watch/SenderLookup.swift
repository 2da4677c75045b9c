#if canImport(Glibc)
import Glibc
#endif

/// Reads a signal sender's comm and command line at the moment its signal arrives. Keeps /proc/PID/comm and
/// /proc/PID/cmdline open per sender, so each lookup is one pread per file instead of open, read and close: a
/// flood from one sender must not cost three system calls per file per signal. An open /proc file of a process
/// that died (even if its pid is reused) fails with ESRCH, so a stale descriptor is noticed and reopened.
///
/// The command line costs the kernel a walk of the sender's memory, so a sender whose comm is unchanged (no exec
/// since) reuses the command line read less than `cmdlineReuse` ago: a flood from one sender reads it about a
/// hundred times a second rather than once per signal.
final class SenderLookup {
    private struct Handles {
        var comm: Int32
        var cmdline: Int32
        /// The bytes last read and what they decoded to: a sender that signals again unchanged costs no
        /// string decoding.
        var rawComm: [UInt8] = []
        var rawCmdline: [UInt8] = []
        var decoded: (comm: String, cmdline: [String])?
        /// When the command line was last read (monotonic nanoseconds).
        var cmdlineReadAt: UInt64 = 0
    }

    /// How long a command line read stays current while the sender's comm does not change.
    static let cmdlineReuse: UInt64 = 10_000_000

    private let root: String
    private var open: [Int32: Handles] = [:]
    private var buffer = [UInt8](repeating: 0, count: 4096)
    private static let capacity = 64

    init(root: String = "/proc") { self.root = root }

    deinit { closeAll() }

    /// The comm and command line of `pid` now; nil for each that cannot be read (the sender is gone).
    func lookup(_ pid: Int32) -> (comm: String?, cmdline: [String]?) {
        guard pid > 0 else { return (nil, nil) }
        for _ in 0..<2 {
            guard var handles = handles(pid) else { return (nil, nil) }
            if let comm = read(handles.comm) {
                let now = Clocks.monotonicNanoseconds()
                if let decoded = handles.decoded, comm == handles.rawComm,
                   now &- handles.cmdlineReadAt < Self.cmdlineReuse {
                    return decoded
                }
                let cmdline = read(handles.cmdline) ?? []
                handles.cmdlineReadAt = now
                if let decoded = handles.decoded, comm == handles.rawComm, cmdline == handles.rawCmdline {
                    open[pid] = handles
                    return decoded
                }
                let decoded = (String(decoding: comm, as: UTF8.self).trimmingWhitespace(),
                               ProcReader.splitCmdline(bytes: cmdline))
                handles.rawComm = comm
                handles.rawCmdline = cmdline
                handles.decoded = decoded
                open[pid] = handles
                return decoded
            }
            // A stale descriptor of an earlier process with this pid: reopen once.
            forget(pid)
        }
        return (nil, nil)
    }

    private func handles(_ pid: Int32) -> Handles? {
        if let handles = open[pid] { return handles }
        if open.count >= Self.capacity { closeAll() }
        let comm = "\(root)/\(pid)/comm".withCString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
        guard comm >= 0 else { return nil }
        let cmdline = "\(root)/\(pid)/cmdline".withCString { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
        let handles = Handles(comm: comm, cmdline: cmdline)
        open[pid] = handles
        return handles
    }

    private func read(_ fd: Int32) -> [UInt8]? {
        guard fd >= 0 else { return nil }
        let count = retryOnInterrupt { buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) } }
        guard count >= 0 else { return nil }
        return Array(buffer[0..<count])
    }

    private func forget(_ pid: Int32) {
        guard let handles = open.removeValue(forKey: pid) else { return }
        close(handles.comm)
        if handles.cmdline >= 0 { close(handles.cmdline) }
    }

    private func closeAll() {
        for pid in Array(open.keys) { forget(pid) }
    }
}
