import CProcfs
import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The kernel's tracing file system, where the `signal:*` tracepoints are switched on and read. Found where it is
/// mounted (`/sys/kernel/tracing`, or under debugfs), or mounted there when it is not and sigscope may.
public struct TraceFS: Sendable {
    /// The mount's root, e.g. `/sys/kernel/tracing`.
    public let root: String
    /// True when sigscope mounted it just now (it stays mounted: other tools expect it there).
    public let mountedBySigscope: Bool

    /// Where tracefs usually lives, the preferred one first.
    public static let mountPoints = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"]

    /// Uses the tracefs mounted at `root` as it is (tests, and callers that found it themselves).
    public init(root: String) {
        self.root = root
        mountedBySigscope = false
    }

    private init(root: String, mounted: Bool) {
        self.root = root
        mountedBySigscope = mounted
    }

    /// Finds a tracefs with the signal events, mounting one at the first of `mountPoints` when none is mounted and
    /// `mount` allows it; throws a one-line error saying what is missing (not root, not mounted and not
    /// mountable, no signal events in this kernel).
    public static func locate(mount: Bool = true, mountPoints: [String] = mountPoints) throws(SigscopeError)
        -> TraceFS
    {
        var denied: String?
        for root in mountPoints {
            switch probe(root) {
            case .usable: return TraceFS(root: root, mounted: false)
            case .denied: denied = denied ?? root
            case .absent: continue
            }
        }
        if let denied {
            throw SigscopeError(.permissionDenied, "tracefs at \(denied) is readable only by root: run as root "
                                    + "(or use --backend ptrace)", errno: EACCES)
        }
        guard mount, let target = mountPoints.first else {
            throw SigscopeError(.systemCall, "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)")
        }
        guard geteuid() == 0 else {
            throw SigscopeError(.permissionDenied, "tracefs is not mounted and only root can mount it: run as root "
                                    + "(or use --backend ptrace)", errno: EPERM)
        }
        guard cprocfs_mount_tracefs(target) == 0 else {
            let code = errno
            throw SigscopeError(.systemCall, "tracefs is not mounted and mounting it at \(target) failed: "
                                    + SigscopeError.describe(errno: code), errno: code)
        }
        guard probe(target) == .usable else {
            throw SigscopeError(.systemCall, "this kernel's tracefs has no signal:signal_generate event "
                                    + "(CONFIG_TRACEPOINTS, CONFIG_EVENT_TRACING)")
        }
        return TraceFS(root: target, mounted: true)
    }

    enum Probe: Equatable { case usable, denied, absent }

    /// Whether `root` holds a tracefs whose signal events sigscope may read.
    static func probe(_ root: String) -> Probe {
        let format = root + "/events/signal/signal_generate/format"
        if access(format, R_OK) == 0 { return .usable }
        if errno == EACCES || errno == EPERM { return .denied }
        // A tracefs sigscope may not even search shows as absent to a non-root user: say so rather than "not
        // mounted" when the directory is a mount we cannot enter.
        if access(root + "/events", F_OK) != 0 && (errno == EACCES || errno == EPERM) { return .denied }
        var info = stat()
        if stat(root, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, access(root, X_OK) != 0 { return .denied }
        return .absent
    }

    /// The full path of a file under the root.
    public func path(_ relative: String) -> String { root + "/" + relative }

    /// Reads a whole tracefs file as text.
    public func read(_ relative: String) throws(SigscopeError) -> String {
        do {
            return try ProcFiles().read(path(relative))
        } catch {
            let code: Int32 = switch error {
            case .gone: ENOENT
            case .forbidden: EACCES
            case .other(let value): value
            }
            throw SigscopeError(.systemCall, "cannot read \(path(relative)): \(SigscopeError.describe(errno: code))",
                                errno: code)
        }
    }

    /// Writes `value` to a tracefs control file (truncating it, as `echo value > file` does). The kernel's error
    /// log line is added to the message when it has one (a filter it refused says why there).
    public func write(_ relative: String, _ value: String) throws(SigscopeError) {
        let fullPath = path(relative)
        let fd = fullPath.withCString { open($0, O_WRONLY | O_TRUNC | O_CLOEXEC) }
        guard fd >= 0 else {
            let code = errno
            throw SigscopeError(.systemCall, "cannot open \(fullPath): \(SigscopeError.describe(errno: code))",
                                errno: code)
        }
        defer { close(fd) }
        var text = value
        let written = text.withUTF8 { bytes in retryOnInterrupt { Glibc.write(fd, bytes.baseAddress, bytes.count) } }
        guard written >= 0 else {
            let code = errno
            throw SigscopeError(.systemCall, "cannot write '\(value)' to \(fullPath): "
                                    + SigscopeError.describe(errno: code), errno: code)
        }
    }
}

/// A tracing instance of sigscope's own (`instances/sigscope-PID`): its own ring buffers, events and filters, so
/// it never disturbs another tracer (ftrace users, trace-cmd, perf) and none disturbs it. Removed by `remove()`
/// on every way out; one left behind by a sigscope that was SIGKILLed is removed by the next one's `create`.
public final class TraceInstance: Sendable {
    /// The tracefs it lives in.
    public let tracefs: TraceFS
    /// `sigscope-4711`.
    public let name: String

    /// The prefix of every instance sigscope creates; the rest is the creating process's pid.
    public static let prefix = "sigscope-"

    private init(tracefs: TraceFS, name: String) {
        self.tracefs = tracefs
        self.name = name
    }

    /// The instance's directory relative to the tracefs root.
    public var directory: String { "instances/" + name }

    /// Creates the instance for this process, first removing instances of sigscopes that are gone. `role` names a
    /// second instance the same sigscope runs beside the first (`sigscope-4711-sockets`). One prepared ahead
    /// (`TraceInstanceSpares`) is handed out when there is one and `spare` allows it.
    public static func create(in tracefs: TraceFS, role: String? = nil, spare: Bool = true) throws(SigscopeError)
        -> TraceInstance
    {
        if spare, let prepared = TraceInstanceSpares.take(role: role, in: tracefs) { return prepared }
        _ = removeStale(in: tracefs)
        let name = prefix + String(getpid()) + (role.map { "-" + $0 } ?? "")
        let path = tracefs.path("instances/" + name)
        // Our own pid's leftover can only be a dead sigscope's whose pid we now have.
        if access(path, F_OK) == 0 { _ = removeDirectory(path) }
        guard mkdir(path, 0o700) == 0 else {
            let code = errno
            throw SigscopeError(.systemCall, "cannot create the tracing instance \(path): "
                                    + SigscopeError.describe(errno: code), errno: code)
        }
        return TraceInstance(tracefs: tracefs, name: name)
    }

    /// Removes the instances left by sigscopes that no longer run (their pid is gone, or now another program's);
    /// returns their names.
    public static func removeStale(in tracefs: TraceFS) -> [String] {
        guard let names = try? ProcFiles().list(tracefs.path("instances")) else { return [] }
        var removed: [String] = []
        for name in names where name.hasPrefix(prefix) {
            guard let pid = Int32(name.dropFirst(prefix.count).prefix { $0.isNumber }) else { continue }
            // This process's own instances are in use (another role's) or replaced by `create` (the same name).
            if pid == getpid() || isSigscope(pid) { continue }
            if removeDirectory(tracefs.path("instances/" + name)) { removed.append(name) }
        }
        return removed
    }

    /// Whether `pid` runs sigscope (its comm, which sigscope never changes).
    static func isSigscope(_ pid: Int32) -> Bool {
        guard let comm = try? ProcFiles().read("/proc/\(pid)/comm") else { return false }
        return comm.trimmingWhitespace() == "sigscope" || comm.hasPrefix("sigscopePackage")
    }

    /// The clock set by `setClock`.
    private let clock = Mutex<String?>(nil)

    /// Sets the instance's `trace_clock` (`mono`: stamps comparable with CLOCK_MONOTONIC) unless it has that clock
    /// already: each change resets the buffers and waits for an RCU grace period (about 20 ms).
    public func setClock(_ name: String) throws(SigscopeError) {
        guard clock.withLock({ $0 }) != name else { return }
        try write("trace_clock", name)
        clock.withLock { $0 = name }
    }

    /// Writes a control file of the instance (`events/signal/signal_generate/filter`, `buffer_percent`).
    public func write(_ relative: String, _ value: String) throws(SigscopeError) {
        try tracefs.write(directory + "/" + relative, value)
    }

    /// Reads a file of the instance.
    public func read(_ relative: String) throws(SigscopeError) -> String {
        try tracefs.read(directory + "/" + relative)
    }

    /// The full path of a file of the instance.
    public func path(_ relative: String) -> String { tracefs.path(directory + "/" + relative) }

    /// Removes the instance (its events go off with it). Every descriptor of its files must be closed first, or
    /// the kernel refuses (EBUSY); returns whether it is gone.
    @discardableResult
    public func remove() -> Bool { Self.removeDirectory(tracefs.path(directory)) }

    /// Removes the instance on a thread of its own and returns at once: the kernel takes 40-50 ms to tear an
    /// instance's buffers down (measured on this kind of machine), which need not hold up a check's verdict. The
    /// process waits for every such removal when it exits (`atexit`), and `waitForRemovals` waits for them now.
    public func removeInBackground() {
        Self.registerExitWait
        Self.removals.enter()
        let path = tracefs.path(directory)
        DispatchQueue.global().async {
            _ = Self.removeDirectory(path)
            Self.removals.leave()
        }
    }

    /// Waits up to `timeout` for the removals `removeInBackground` started; true when none is left.
    @discardableResult
    public static func waitForRemovals(timeout: Duration = .seconds(2)) -> Bool {
        removals.wait(timeout: .now() + timeout.seconds) == .success
    }

    private static let removals = DispatchGroup()
    /// Registers, once, the wait at the process's exit: an orderly exit leaves no instance behind.
    private static let registerExitWait: Void = {
        atexit { _ = TraceInstance.waitForRemovals() }
    }()

    /// rmdir, retried briefly while a reader thread is still closing its descriptor.
    static func removeDirectory(_ path: String) -> Bool {
        for _ in 0..<50 {
            if rmdir(path) == 0 || errno == ENOENT { return true }
            guard errno == EBUSY || errno == EINTR else { return false }
            usleep(10_000)
        }
        return false
    }
}
