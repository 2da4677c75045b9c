#if canImport(Glibc)
import Glibc
#endif

/// Reads a signal sender's comm and command line at the moment its signal arrives. Keeps /proc/PID/comm and
/// /proc/PID/cmdline open per sender, so each lookup is one pread per file instead of open, read and close: a
/// flood from one sender must not cost three system calls per file per signal. An open /proc file of a process
/// that died (even if its pid is reused) fails with ESRCH, so a stale descriptor is noticed and reopened.
final class SenderLookup {
    private struct Handles {
        var comm: Int32
        var cmdline: Int32
    }

    private let root: String
    private var open: [Int32: Handles] = [:]
    private var buffer = [UInt8](repeating: 0, count: 4096)
    private static let capacity = 64

    init(root: String = "/proc") { self.root = root }

    deinit { closeAll() }

    /// The comm and command line of `pid` now; nil for each that cannot be read (the sender is gone).
    func lookup(_ pid: Int32) -> (comm: String?, cmdline: [String]?) {
        guard pid > 0 else { return (nil, nil) }
        for attempt in 0..<2 {
            guard let handles = handles(pid) else { return (nil, nil) }
            if let comm = read(handles.comm) {
                let raw = read(handles.cmdline) ?? ""
                var parts = raw.split(separator: "\0", omittingEmptySubsequences: false).map(String.init)
                if parts.last == "" { parts.removeLast() }
                return (comm.trimmingWhitespace(), parts)
            }
            // A stale descriptor of an earlier process with this pid: reopen once.
            forget(pid)
            if attempt == 1 { break }
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

    private func read(_ fd: Int32) -> String? {
        guard fd >= 0 else { return nil }
        var count: Int
        repeat {
            count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        } while count < 0 && errno == EINTR
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self)
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
