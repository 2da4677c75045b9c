/// The memory cgroup of a process and the counters that tell an OOM kill: with the v1 controller (mounted at
/// /sys/fs/cgroup/memory) `memory.oom_control`'s `oom_kill`, `memory.failcnt`, the limit and the peak usage; with
/// v2, `memory.events`' `oom_kill` and `memory.max`.
public struct MemoryCgroup: Sendable, Equatable {
    /// The cgroup as /proc/PID/cgroup names it (`/sigscope-oom`).
    public var path: String
    /// Its directory (`/sys/fs/cgroup/memory/sigscope-oom`).
    public var directory: String
    /// 1 for the v1 memory controller, 2 for the unified hierarchy.
    public var version: Int
    /// OOM kills in this cgroup so far.
    public var oomKills: Int?
    /// v1: how often usage hit the limit.
    public var failures: Int?
    /// The limit, nil when unlimited.
    public var limitBytes: UInt64?
    /// v1: the highest usage seen; v2: memory.peak when the kernel has it.
    public var peakBytes: UInt64?

    /// The memory cgroup of `pid` with its counters now; nil when the process is gone or has none.
    public static func of(pid: Int32, cgroupRoot: String = "/sys/fs/cgroup") -> MemoryCgroup? {
        guard let text = try? ProcFiles().read("/proc/\(pid)/cgroup") else { return nil }
        let (v1, unified) = parseCgroupFile(text)
        if let v1 {
            let directory = cgroupRoot + "/memory" + (v1 == "/" ? "" : v1)
            return MemoryCgroup(path: v1, directory: directory, version: 1).reading()
        }
        if let unified {
            for mount in [cgroupRoot + "/unified", cgroupRoot] {
                let directory = mount + (unified == "/" ? "" : unified)
                if (try? ProcFiles().read(directory + "/memory.events")) != nil {
                    return MemoryCgroup(path: unified, directory: directory, version: 2).reading()
                }
            }
        }
        return nil
    }

    init(path: String, directory: String, version: Int) {
        self.path = path
        self.directory = directory
        self.version = version
    }

    /// The same cgroup with its counters read again.
    public func reading() -> MemoryCgroup {
        var copy = self
        let files = ProcFiles()
        if version == 1 {
            copy.oomKills = (try? files.read(directory + "/memory.oom_control")).flatMap { Self.value("oom_kill", in: $0) }
            copy.failures = (try? files.read(directory + "/memory.failcnt")).flatMap { Int($0.trimmingWhitespace()) }
            copy.limitBytes = (try? files.read(directory + "/memory.limit_in_bytes"))
                .flatMap { UInt64($0.trimmingWhitespace()) }.flatMap { $0 >= 1 << 62 ? nil : $0 }
            copy.peakBytes = (try? files.read(directory + "/memory.max_usage_in_bytes"))
                .flatMap { UInt64($0.trimmingWhitespace()) }
        } else {
            copy.oomKills = (try? files.read(directory + "/memory.events")).flatMap { Self.value("oom_kill", in: $0) }
            copy.limitBytes = (try? files.read(directory + "/memory.max")).flatMap { UInt64($0.trimmingWhitespace()) }
            copy.peakBytes = (try? files.read(directory + "/memory.peak")).flatMap { UInt64($0.trimmingWhitespace()) }
        }
        return copy
    }

    /// The v1 memory controller's path and the unified (v2) path from /proc/PID/cgroup lines
    /// (`4:memory:/a/b`, `0::/a/b`).
    static func parseCgroupFile(_ text: String) -> (v1: String?, unified: String?) {
        var v1: String?
        var unified: String?
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[1].split(separator: ",").contains("memory") { v1 = String(parts[2]) }
            if parts[0] == "0" && parts[1].isEmpty { unified = String(parts[2]) }
        }
        return (v1, unified)
    }

    /// `oom_kill 3` in a key-value file.
    static func value(_ key: String, in text: String) -> Int? {
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == key { return Int(parts[1]) }
        }
        return nil
    }
}
