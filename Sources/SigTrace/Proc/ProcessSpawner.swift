import CProcfs

#if canImport(Glibc)
import Glibc
#endif

/// A child process started with a clean signal state. The one process spawner of sigscope.
public struct SpawnedProcess: Sendable {
    public let pid: Int32

    /// Options for `launch`.
    public struct Options: Sendable {
        /// Leads a new process group (setpgid(0, 0)).
        public var newProcessGroup = false
        /// Becomes PID 1 of new PID and mount namespaces, as in a container.
        public var newPIDNamespace = false
        /// Descriptors for 0, 1 and 2; nil inherits.
        public var stdin: Int32?
        public var stdout: Int32?
        public var stderr: Int32?
        /// The child reads one byte from this descriptor before exec (a tracer seizes it meanwhile). `launch` then
        /// returns before the exec, so an exec failure shows only as the child exiting with code 127.
        public var waitDescriptor: Int32?
        /// An open `cgroup.procs` the child writes itself into before anything else (`CleanupGuardian`).
        public var cgroupProcs: Int32?
        /// The environment; nil inherits sigscope's.
        public var environment: [String]?

        public init() {}
    }

    /// Starts `arguments[0]` (looked up in PATH when it has no slash) with every signal at its default
    /// disposition and none blocked. The corresponding C calls are `fork` (or `clone`) and `execve`.
    public static func launch(_ arguments: [String], options: Options = Options()) throws(SigscopeError)
        -> SpawnedProcess
    {
        guard let command = arguments.first, !command.isEmpty else {
            throw SigscopeError(.badInput, "no command given")
        }
        guard let path = resolve(command) else {
            var info = stat()
            let exists = command.contains("/") && stat(command, &info) == 0
            let why = !command.contains("/") ? "not found in PATH"
                : !exists ? "no such file" : info.st_mode & S_IFMT == S_IFDIR ? "it is a directory"
                : "not executable (no x permission)"
            throw SigscopeError(.startFailed, "cannot start \(command): \(why)", errno: exists ? EACCES : ENOENT)
        }
        let environment = options.environment ?? currentEnvironment()
        var spawnOptions = cprocfs_spawn_options(
            new_process_group: options.newProcessGroup ? 1 : 0, stdin_fd: options.stdin ?? -1,
            stdout_fd: options.stdout ?? -1, stderr_fd: options.stderr ?? -1, wait_fd: options.waitDescriptor ?? -1,
            new_pid_namespace: options.newPIDNamespace ? 1 : 0, cgroup_procs_fd: options.cgroupProcs ?? -1)
        var failure: Int32 = 0
        let pid = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in
                cprocfs_spawn(path, argv, envp, &spawnOptions, &failure)
            }
        }
        guard pid > 0 else {
            throw SigscopeError(.startFailed, "cannot start \(command): \(SigscopeError.describe(errno: failure))",
                                errno: failure)
        }
        return SpawnedProcess(pid: pid)
    }

    /// Wraps a pid that is already our child.
    public init(pid: Int32) { self.pid = pid }

    /// Sends a signal. The corresponding C function is `kill`.
    @discardableResult
    public func send(_ signal: Signal) -> Bool { kill(pid, signal.rawValue) == 0 }

    /// Waits for the child to exit (blocking the calling thread) and reaps it.
    public func wait() -> ExitStatus? {
        var status: Int32 = 0
        let result = retryOnInterrupt { waitpid(pid, &status, __WALL) }
        return result == pid ? ExitStatus(waitStatus: status) : nil
    }

    /// Reaps the child if it has exited, without blocking.
    public func poll() -> ExitStatus? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG | __WALL)
        return result == pid ? ExitStatus(waitStatus: status) : nil
    }

    /// Waits up to `timeout` for an exit, then SIGKILLs and reaps: never leaves the child running.
    @discardableResult
    public func killAndReap(after timeout: Duration = .zero) -> ExitStatus? {
        let deadline = Clocks.monotonicNanoseconds() + UInt64(max(0, timeout.seconds) * 1e9)
        while Clocks.monotonicNanoseconds() < deadline {
            if let status = poll() { return status }
            Clocks.sleep(for: .milliseconds(5))
        }
        if let status = poll() { return status }
        kill(pid, SIGKILL)
        return wait()
    }

    /// The absolute path of a command: as given when it has a slash, else the first match in PATH.
    public static func resolve(_ command: String) -> String? {
        if command.contains("/") { return access(command, X_OK) == 0 ? command : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/\(command)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// sigscope's own environment as KEY=VALUE strings.
    public static func currentEnvironment() -> [String] {
        var result: [String] = []
        var pointer = environ
        while let entry = pointer.pointee {
            result.append(String(cString: entry))
            pointer += 1
        }
        return result
    }
}

/// Calls `body` with a NULL-terminated C array of the strings, valid for the call only.
func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> R) -> R {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
