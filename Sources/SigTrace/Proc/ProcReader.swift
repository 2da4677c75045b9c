#if canImport(Glibc)
import Glibc
#endif

/// Reads `ProcessSnapshot`s from /proc, tolerating threads and children that exit mid-read.
public struct ProcReader: Sendable {
    /// How much to read beyond the process status.
    public struct Depth: Sendable {
        /// Read /proc/PID/maps for runtime detection (costly for large processes).
        public var maps: Bool
        /// Read children through /proc/PID/task/TID/children (in `--all` mode the table gives them).
        public var children: Bool
        /// Read the descriptor table (signalfds, listening sockets) and every thread's syscall even when the
        /// masks make them irrelevant to SIGTERM. Off, descriptors are read only when every thread blocks a signal
        /// that matters, and waits only when SIGTERM is neither caught nor ignored: `--all` then costs about what
        /// `ps` does, and `sigpipe-default` needs `inspect PID`.
        public var everything: Bool

        public static let full = Depth(maps: true, children: true, everything: true)
        public static let table = Depth(maps: false, children: false, everything: false)
    }

    public let files: ProcFiles

    public init(files: ProcFiles = ProcFiles()) { self.files = files }

    /// The syscall number of rt_sigtimedwait, which sigwait, sigwaitinfo and sigtimedwait all use.
    static let sigtimedwaitSyscall: Int = {
        #if arch(x86_64)
        return 128
        #elseif arch(arm64)
        return 137
        #else
        return -1
        #endif
    }()

    /// Reads one process. Throws one-line errors: no such process, permission denied, malformed status.
    public func snapshot(_ pid: Int32, depth: Depth = .full) throws(SigscopeError) -> ProcessSnapshot {
        let parsed: Result<ProcStatus, SigscopeError>
        do {
            parsed = try files.withBytes(pid, "status") { bytes in
                Result { () throws(SigscopeError) in try ProcStatus(bytes: bytes, source: "/proc/\(pid)/status") }
            }
        } catch {
            throw Self.error(error, pid: pid, what: "status")
        }
        let status = try parsed.get()
        var snapshot = ProcessSnapshot(
            pid: pid, status: status, cmdline: [], exe: nil,
            threads: [ThreadSnapshot(tid: pid, status: status, wait: .none)],
            signalfds: [], listensOnTCP: false, children: [], libraries: [],
            goHeapMapped: false)
        if status.isKernelThread || status.isZombie { return snapshot }
        var restricted = false
        snapshot.cmdline = try present(pid, "cmdline", restricted: &restricted) { () throws(ProcFiles.Failure) in
            try files.withBytes(pid, "cmdline") { Self.splitCmdline(bytes: $0) }
        } ?? []
        // `--all` names runtimes from comm and maps; the executable's path costs a d_path per process. Another
        // user's executable may not be resolved without CAP_SYS_PTRACE: no path then, nothing else lost.
        if depth.everything {
            var exeForbidden = false
            snapshot.exe = try present(pid, "exe", restricted: &exeForbidden) { () throws(ProcFiles.Failure) in
                try files.readLink(files.path(pid, "exe"))
            }
        }
        if status.threads > 1 {
            snapshot.threads = try readThreads(pid, leader: status)
        }
        let termTaken = status.caught.union(status.ignored).contains(.term)
        if depth.everything || !termTaken {
            for index in snapshot.threads.indices {
                let wait = readWait(pid: pid, tid: snapshot.threads[index].tid)
                snapshot.threads[index].wait = wait ?? .none
                if wait == nil { snapshot.restricted = true }
            }
        }
        // A signalfd decides an outcome only for a signal every thread blocks; otherwise a thread that does not
        // block it takes it.
        if depth.everything || !snapshot.blockedEverywhere.isDisjoint(with: Signal.thatMatterSet) {
            try readDescriptors(into: &snapshot)
        }
        if depth.children { snapshot.children = try readChildren(pid, threads: snapshot.threads.map(\.tid)) }
        // Go's runtime catches nearly every signal; in table mode read maps only for such processes. Another
        // user's maps and executable may not be read without CAP_SYS_PTRACE: the runtime is then named from comm
        // alone, which is not what `restricted` (unseen signalfds and sigwaits) is about.
        var mapsForbidden = false
        if depth.maps || status.caught.count >= 28 {
            (snapshot.libraries, snapshot.goHeapMapped) = try readMaps(pid, forbidden: &mapsForbidden)
        }
        if depth.maps { snapshot.executableRuntime = try executableRuntime(pid) }
        if restricted { snapshot.restricted = true }
        return snapshot
    }

    /// The result of reading a file of `pid`, or nil where its absence is normal: `.gone` (the process, a thread
    /// or a descriptor ended after the status was read; a live /proc changes under any reader) and `.forbidden`
    /// (another user's process; `forbidden` is set so the caller can say what went unseen). Any other failure
    /// (EIO, ENOMEM, EMFILE...) is a real error and is thrown, naming the file.
    func present<T>(_ pid: Int32, _ what: String, restricted forbidden: inout Bool,
                    _ read: () throws(ProcFiles.Failure) -> T) throws(SigscopeError) -> T? {
        do {
            return try read()
        } catch .gone {
            return nil
        } catch .forbidden {
            forbidden = true
            return nil
        } catch {
            throw Self.error(error, pid: pid, what: what)
        }
    }

    /// Throws for processes no signal verdict or trace applies to: kernel threads and zombies. The one check that
    /// `inspect`, `watch` and `check --pid` share.
    public func requireUserProcess(_ status: ProcStatus) throws(SigscopeError) {
        if status.isKernelThread {
            throw SigscopeError(.kernelThread, "pid \(status.pid) (\(status.name)) is a kernel thread: it takes no "
                + "signals from user space, so there is nothing to judge or trace")
        }
        if status.isZombie {
            // Only names the parent in the message: a parent that exited meanwhile is "gone", nothing is lost.
            let parent = (try? files.read(files.path(status.ppid, "comm")))?.trimmingWhitespace() ?? "gone"
            throw SigscopeError(.zombie, "pid \(status.pid) (\(status.name)) is a zombie: it has exited and waits to "
                + "be reaped by its parent \(status.ppid) (\(parent)); it takes no signals")
        }
    }

    /// What to do when a process's descriptors and system calls may not be read. Root is refused too when the
    /// process is protected: not dumpable and owned by another user namespace, or kept apart by a security module.
    static func readDeniedAdvice(processUid: UInt32, euid: UInt32 = geteuid()) -> String {
        if euid == 0 {
            return "even root may not read them here: the process is protected (not dumpable under another user "
                + "namespace, or guarded by a security module such as SELinux, AppArmor or Landlock)"
        }
        return "run as root (or with CAP_SYS_PTRACE), or as uid \(processUid)"
    }

    /// Maps a read failure of a process-level file to the user-facing error.
    static func error(_ failure: ProcFiles.Failure, pid: Int32, what: String) -> SigscopeError {
        switch failure {
        case .gone:
            return SigscopeError(.noSuchProcess, "no such process: \(pid)", errno: ESRCH)
        case .forbidden:
            return SigscopeError(
                .permissionDenied,
                "permission denied reading /proc/\(pid)/\(what): run as root or as the process's user",
                errno: EACCES)
        case .other(let code):
            return SigscopeError(
                .systemCall, "cannot read /proc/\(pid)/\(what): \(SigscopeError.describe(errno: code))",
                errno: code)
        }
    }

    /// The argument vector, empty for zombies and kernel threads. Callers use it to name a process (check's
    /// service, a sender, a dying process), so a process that is gone, or whose command line may not be read,
    /// has none rather than failing the command that only wanted a name.
    public func readCmdline(_ pid: Int32) -> [String] {
        Self.splitCmdline((try? files.read(files.path(pid, "cmdline"), shortReadIsEnd: true)) ?? "")
    }

    /// Splits /proc/PID/cmdline text at its NULs.
    static func splitCmdline(_ text: String) -> [String] { splitCmdline(bytes: text.utf8) }

    /// Splits the bytes of /proc/PID/cmdline at their NULs (a trailing NUL ends the last argument).
    static func splitCmdline<Bytes: Collection<UInt8>>(bytes: Bytes) -> [String] {
        var parts = bytes.split(separator: 0, omittingEmptySubsequences: false).map {
            String(decoding: $0, as: UTF8.self)
        }
        if parts.last == "" { parts.removeLast() }
        return parts
    }

    /// Every thread's status; threads that exit mid-read are left out. A thread status that does not parse is
    /// thrown as malformed, like the process's own.
    func readThreads(_ pid: Int32, leader: ProcStatus) throws(SigscopeError) -> [ThreadSnapshot] {
        var forbidden = false
        guard let tids = try present(pid, "task", restricted: &forbidden, { () throws(ProcFiles.Failure) in
            try files.listNumbers("\(files.root)/\(pid)/task")
        }) else {
            // The whole process exited after its status was read: its leader is all there is to judge.
            return [ThreadSnapshot(tid: pid, status: leader, wait: .none)]
        }
        var threads: [ThreadSnapshot] = []
        threads.reserveCapacity(tids.count)
        for tid in tids {
            let source = "/proc/\(pid)/task/\(tid)/status"
            // nil when the thread has exited since the listing: normal for a process whose threads come and go.
            let parsed = try present(pid, "task/\(tid)/status", restricted: &forbidden) { () throws(ProcFiles.Failure) in
                try files.withBytes(pid, thread: tid, "status") { bytes in
                    Result { () throws(SigscopeError) in try ProcStatus(bytes: bytes, source: source) }
                }
            }
            guard let parsed else { continue }
            threads.append(ThreadSnapshot(tid: tid, status: try parsed.get(), wait: .none))
        }
        if let leaderIndex = threads.firstIndex(where: { $0.tid == pid }), leaderIndex != 0 {
            threads.swapAt(0, leaderIndex)
        }
        return threads.isEmpty ? [ThreadSnapshot(tid: pid, status: leader, wait: .none)] : threads
    }

    /// Whether a thread sits in rt_sigtimedwait, and for which signals (read from the set its first argument
    /// points to, through /proc/PID/mem).
    /// Returns nil when the syscall file may not be read (another user's process, no CAP_SYS_PTRACE).
    func readWait(pid: Int32, tid: Int32) -> ThreadWait? {
        let call: (number: Int, argument: UInt64?)?
        do {
            // The leader's syscall file is also /proc/PID/syscall, one path step shorter.
            call = try files.withBytes(pid, thread: tid == pid ? nil : tid, "syscall", Self.parseSyscall)
        } catch .forbidden {
            return nil
        } catch {
            return ThreadWait.none
        }
        switch call {
        case .none: return ThreadWait.none
        case .some((let number, _)) where number != Self.sigtimedwaitSyscall: return ThreadWait.none
        case .some((_, let argument)):
            guard let address = argument else { return .sigwait(nil) }
            return .sigwait(readSignalSet(pid, at: address))
        }
    }

    /// The system call number and first argument of a /proc/PID/syscall text (`128 0x7ffd... 0x0 ...`); nil for
    /// `running`, `-1 ...` (not in a system call) or anything else that does not start with a number.
    static func parseSyscall(_ bytes: UnsafeBufferPointer<UInt8>) -> (number: Int, argument: UInt64?)? {
        var index = 0
        var number = 0
        while index < bytes.count, bytes[index] >= 0x30 && bytes[index] <= 0x39, number < 1 << 20 {
            number = number * 10 + Int(bytes[index] - 0x30)
            index += 1
        }
        guard index > 0 else { return nil }
        guard index + 3 < bytes.count, bytes[index] == 0x20, bytes[index + 1] == 0x30, bytes[index + 2] == 0x78
        else { return (number, nil) }
        index += 3
        var argument: UInt64 = 0
        var digits = 0
        while index < bytes.count, digits < 16 {
            let byte = bytes[index]
            let nibble: UInt64
            switch byte {
            case 0x30...0x39: nibble = UInt64(byte - 0x30)
            case 0x61...0x66: nibble = UInt64(byte - 0x61 + 10)
            default: return (number, digits > 0 ? argument : nil)
            }
            argument = argument << 4 | nibble
            digits += 1
            index += 1
        }
        return (number, digits > 0 ? argument : nil)
    }

    /// Reads the 64-bit sigset_t at `address` in the process's memory, nil if that is not allowed.
    func readSignalSet(_ pid: Int32, at address: UInt64) -> SignalSet? {
        let fd = files.path(pid, "mem").withCString { open($0, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var value: UInt64 = 0
        let count = pread(fd, &value, 8, off_t(Int64(bitPattern: address)))
        return count == 8 ? SignalSet(rawValue: value) : nil
    }

    /// Reads signalfd masks and whether any descriptor is a listening TCP socket.
    func readDescriptors(into snapshot: inout ProcessSnapshot) throws(SigscopeError) {
        let pid = snapshot.pid
        let fds: [Int32]
        do {
            fds = try files.listNumbers(files.path(pid, "fd"))
        } catch .gone {
            return  // it exited after its status was read
        } catch .forbidden {
            snapshot.restricted = true
            return
        } catch {
            throw Self.error(error, pid: pid, what: "fd")
        }
        var socketInodes: Set<UInt64> = []
        var forbidden = false
        for fd in fds {
            // nil when the descriptor was closed since the listing (or the process exited): nothing to see.
            guard let target = try present(pid, "fd/\(fd)", restricted: &forbidden, { () throws(ProcFiles.Failure) in
                try files.readLink(files.path(pid, "fd/\(fd)"))
            }) else { continue }
            if target == "anon_inode:[signalfd]" {
                let info = try present(pid, "fdinfo/\(fd)", restricted: &forbidden) { () throws(ProcFiles.Failure) in
                    try files.read(files.path(pid, "fdinfo/\(fd)"))
                }
                if let info, let mask = Self.signalfdMask(info) {
                    snapshot.signalfds.append(SignalfdDescriptor(fd: fd, mask: mask))
                }
            } else if target.hasPrefix("socket:["), let inode = UInt64(target.dropFirst(8).dropLast()) {
                socketInodes.insert(inode)
            }
        }
        if forbidden { snapshot.restricted = true }
        if !socketInodes.isEmpty {
            snapshot.listensOnTCP = !(try listeningInodes(pid)).isDisjoint(with: socketInodes)
        }
    }

    /// The `sigmask:` of a signalfd's fdinfo text.
    public static func signalfdMask(_ fdinfo: String) -> SignalSet? {
        for line in fdinfo.split(separator: "\n") where line.hasPrefix("sigmask:") {
            return SignalSet(hex: line.dropFirst("sigmask:".count).trimmingWhitespaceSubstring())
        }
        return nil
    }

    /// Inodes of listening TCP sockets in the process's network namespace.
    func listeningInodes(_ pid: Int32) throws(SigscopeError) -> Set<UInt64> {
        var inodes: Set<UInt64> = []
        var forbidden = false
        for table in ["net/tcp", "net/tcp6"] {
            // nil when the process exited, or for net/tcp6 on a kernel without IPv6 (ENOENT): no listener there.
            guard let text = try present(pid, table, restricted: &forbidden, { () throws(ProcFiles.Failure) in
                try files.read(files.path(pid, table))
            }) else { continue }
            inodes.formUnion(Self.listeningInodes(inTCPTable: text))
        }
        return inodes
    }

    /// Parses /proc/net/tcp text: inodes of rows in state 0A (LISTEN).
    public static func listeningInodes(inTCPTable text: String) -> Set<UInt64> {
        var inodes: Set<UInt64> = []
        for line in text.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: " ")
            guard fields.count > 9, fields[3] == "0A", let inode = UInt64(fields[9]) else { continue }
            inodes.insert(inode)
        }
        return inodes
    }

    /// Children of every thread, each with its comm and state; children that vanish are left out.
    func readChildren(_ pid: Int32, threads: [Int32]) throws(SigscopeError) -> [ChildProcess] {
        var pids: [Int32] = []
        var forbidden = false
        for tid in threads {
            // nil when the thread exited since it was listed, or on a kernel built without CONFIG_PROC_CHILDREN.
            guard let text = try present(pid, "task/\(tid)/children", restricted: &forbidden, {
                () throws(ProcFiles.Failure) in try files.read(files.path(pid, thread: tid, "children"))
            }) else { continue }
            pids.append(contentsOf: text.split(separator: " ").compactMap { Int32($0.trimmingWhitespaceSubstring()) })
        }
        // Command lines only for the first few live children: messages name one, and a parent of thousands
        // must not cost thousands of extra reads.
        var described = 0
        var children: [ChildProcess] = []
        for child in pids.sorted() {
            // nil when the child exited and was reaped since the listing.
            guard let text = try present(child, "status", restricted: &forbidden, { () throws(ProcFiles.Failure) in
                try files.read(files.path(child, "status"), shortReadIsEnd: true)
            }) else { continue }
            let status = try ProcStatus(parsing: text, source: "/proc/\(child)/status")
            var cmdline: [String] = []
            if !status.isZombie && described < 4 {
                described += 1
                cmdline = readCmdline(child)
            }
            children.append(ChildProcess(pid: child, comm: status.name, state: status.state, cmdline: cmdline))
        }
        return children
    }

    /// Go or Swift, from the section headers of /proc/PID/exe (readable even when the file was replaced).
    /// Nil when the executable may not be opened: the process exited, or belongs to another user (ENOENT, ESRCH,
    /// EACCES, EPERM); a file the kernel runs that libelf cannot read is a real error, thrown.
    func executableRuntime(_ pid: Int32) throws(SigscopeError) -> Runtime? {
        let image: ELFImage
        do {
            image = try ELFImage(path: files.path(pid, "exe"))
        } catch {
            if let code = error.errno, [ENOENT, ESRCH, EACCES, EPERM].contains(code) { return nil }
            throw error
        }
        if image.isGo { return .go }
        if image.isSwift { return .swift }
        return nil
    }

    /// Basenames of the shared objects in /proc/PID/maps, and whether the Go heap arena is mapped.
    /// Empty when the process exited or its maps may not be read (`forbidden` is set then).
    func readMaps(_ pid: Int32, forbidden: inout Bool) throws(SigscopeError) -> ([String], Bool) {
        guard let text = try present(pid, "maps", restricted: &forbidden, { () throws(ProcFiles.Failure) in
            try files.read(files.path(pid, "maps"))
        }) else { return ([], false) }
        var seen: Set<Substring> = []
        var names: [String] = []
        for line in text.split(separator: "\n") {
            guard let slash = line.lastIndex(of: "/") else { continue }
            let name = line[line.index(after: slash)...]
            guard name.contains(".so"), seen.insert(name).inserted else { continue }
            names.append(String(name))
        }
        return (names, Runtime.mapsShowGoHeap(text))
    }
}

extension Substring {
    /// The substring without surrounding whitespace.
    func trimmingWhitespaceSubstring() -> Substring {
        var slice = self
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return slice
    }
}
