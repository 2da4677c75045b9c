import CProcfs
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The promise that a service sigscope starts dies with sigscope, even when sigscope is SIGKILLed and gets no
/// chance to clean up. A small guardian process (forked in C, its own session, deaf to INT/TERM/HUP) waits on a
/// pipe whose only write end sigscope holds; the kernel closes it when sigscope exits for any reason, and the
/// guardian then kills everything in a cgroup v2 the service was put in before it could run a single instruction
/// of its own: double-forked and `setsid` daemons included, since a process cannot leave its cgroup by forking.
///
/// The cgroup is a child of sigscope's own cgroup in the cgroup2 hierarchy (`/sys/fs/cgroup` on unified hosts,
/// `/sys/fs/cgroup/unified` on hybrid ones), emptied with `cgroup.kill` (Linux 5.14 and later) or, before that, by
/// SIGKILLing each pid in `cgroup.procs` until the directory can be removed. Without a writable cgroup2 (not root
/// and no delegation, a read-only cgroupfs in a container) the guardian can only SIGKILL the service's process
/// group and the service itself; `limitation` then says so.
public final class CleanupGuardian: Sendable {
    /// The guardian's pid: a child of sigscope that the check must not kill or reap with the service's tree.
    public let pid: Int32
    /// The cgroup directory holding the service, nil when none could be created.
    public let cgroup: String?
    /// Why no cgroup holds the service (the guarantee is then partial), nil when one does.
    public let limitation: String?
    /// `cgroup.procs` of the cgroup, open for the child to write itself into before exec; -1 without a cgroup.
    public let procsDescriptor: Int32
    private let pipe: HelperPipe

    /// Creates the cgroup (if it can) and forks the guardian. The corresponding C calls are `mkdir`, `pipe2` and
    /// `fork`.
    public static func start() throws(SigscopeError) -> CleanupGuardian {
        var cgroup: String?
        var limitation: String?
        var procs: Int32 = -1
        switch CleanupGuardian.createCgroup() {
        case .success(let directory):
            procs = open("\(directory)/cgroup.procs", O_WRONLY | O_CLOEXEC)
            if procs >= 0 {
                cgroup = directory
            } else {
                limitation = "cannot open \(directory)/cgroup.procs: \(SigscopeError.describe(errno: errno))"
                rmdir(directory)
            }
        case .failure(let why):
            limitation = why.message
        }
        let pipe: HelperPipe
        do {
            pipe = try HelperPipe.spawn("cleanup guardian") { readEnd, failure in
                (cgroup ?? "").withCString { cprocfs_spawn_guardian(readEnd, $0, &failure) }
            }
        } catch {
            if procs >= 0 { close(procs) }
            if let cgroup { rmdir(cgroup) }
            throw error
        }
        return CleanupGuardian(pipe: pipe, cgroup: cgroup, limitation: limitation, procsDescriptor: procs)
    }

    private init(pipe: HelperPipe, cgroup: String?, limitation: String?, procsDescriptor: Int32) {
        self.pipe = pipe
        self.pid = pipe.pid
        self.cgroup = cgroup
        self.limitation = limitation
        self.procsDescriptor = procsDescriptor
    }

    /// Tells the guardian the service's main pid (which leads its own process group), for the kill without a
    /// cgroup.
    public func protect(service: Int32) { pipe.send(service) }

    /// Ends the guarantee after a normal run: kills whatever is left in the cgroup, tells the guardian the
    /// service was reaped (so it never signals a pid that may be reused), closes the pipe and reaps the guardian
    /// once it has removed the cgroup (waiting up to `timeout`).
    public func release(timeout: Duration = .seconds(3)) {
        pipe.send(0)
        if procsDescriptor >= 0 { close(procsDescriptor) }
        pipe.closeAndReap(timeout: timeout)
    }

    /// A fresh cgroup under sigscope's own in the cgroup2 hierarchy: `<mount><own path>/sigscope-<pid>-<n>`.
    static func createCgroup() -> Result<String, SigscopeError> {
        guard let mount = cgroup2Mount() else {
            return .failure(SigscopeError(.systemCall, "no cgroup2 file system is mounted"))
        }
        guard let text = try? ProcFiles().read("/proc/self/cgroup"),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("0::") }) else {
            return .failure(SigscopeError(.systemCall, "sigscope's cgroup2 path is unknown (/proc/self/cgroup)"))
        }
        var own = String(line.dropFirst(3))
        if own.hasSuffix(" (deleted)") { own.removeLast(" (deleted)".count) }
        let parent = own == "/" ? mount : mount + own
        let directory = "\(parent)/sigscope-\(getpid())-\(nextSerial())"
        guard mkdir(directory, 0o755) == 0 else {
            let code = errno
            return .failure(SigscopeError(.systemCall, "cannot create a cgroup in \(parent): "
                                          + SigscopeError.describe(errno: code), errno: code))
        }
        return .success(directory)
    }

    /// Where cgroup2 is mounted, from /proc/self/mountinfo (field 5 is the mount point, the file system type
    /// follows the " - " separator).
    static func cgroup2Mount() -> String? {
        guard let text = try? ProcFiles().read("/proc/self/mountinfo") else { return nil }
        for line in text.split(separator: "\n") {
            let halves = line.split(separator: " - ", maxSplits: 1, omittingEmptySubsequences: false)
            guard halves.count == 2, halves[1].hasPrefix("cgroup2 ") else { continue }
            let fields = halves[0].split(separator: " ")
            guard fields.count >= 5 else { continue }
            return String(fields[4])
        }
        return nil
    }

    private static let serial = Mutex<Int>(0)

    private static func nextSerial() -> Int {
        serial.withLock { value in
            value += 1
            return value
        }
    }
}
