import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Watches signals through the kernel's own tracepoints, `signal:signal_generate` and `signal:signal_deliver`,
/// in a tracing instance of its own. Nothing stops the traced processes (no ptrace), every signal shows with
/// what the kernel did with it (delivered, ignored, dropped by a namespace init, merged, overflow, info lost),
/// SIGKILL and SIGSTOP with their senders, and each delivery with the handler it went to.
///
/// Events arrive as an `AsyncSequence` of batches, like `SignalTracer`'s; the stream ends when every traced
/// process has exited, the duration has passed, `stop()` was called, or (with `stopOnInterruption`) sigscope
/// got SIGINT, SIGTERM or SIGHUP. On every ending the instance is removed; one left by a sigscope that was
/// SIGKILLed is removed by the next start.
public final class KernelSignalTracer: Sendable {
    /// What to watch.
    public enum Target: Sendable {
        /// These processes (every thread of each, also threads created later).
        case attach([Int32])
        /// Start this command (argv), set the filters on its pid, then let it exec.
        case launch([String], SpawnedProcess.Options)
        /// Every process on the host.
        case all
    }

    /// How to watch.
    public struct Configuration: Sendable {
        /// Report only these signals (filtered in the kernel); nil reports every signal.
        public var signals: SignalSet?
        /// Report only signals to processes with these comms (filtered in the kernel).
        public var comms: [String] = []
        /// End after this long.
        public var duration: Duration?
        /// Read senders' comm and command line from /proc.
        public var readSenders = true
        /// Name handler addresses through the receiver's ELF images.
        public var resolveHandlers = true
        /// End when sigscope receives SIGINT, SIGTERM or SIGHUP (`Interruption.install()` records them).
        public var stopOnInterruption = false
        /// The per-CPU ring buffer size in KiB; nil keeps the kernel's default for a new instance.
        public var bufferKilobytes: Int?
        /// Where tracefs is (tests); nil finds or mounts it.
        public var tracefs: TraceFS?

        public init() {}
    }

    /// The events in time order, in batches. Iterate this or `events`, not both.
    public let batches: AsyncStream<[SignalEvent]>
    /// The events one by one.
    public var events: SignalEvents { SignalEvents(batches: batches) }
    /// The processes watched from the start (the launched command's pid for `.launch`; empty for `.all`).
    public let pids: [Int32]
    /// The tracing instance's name (`sigscope-4711`).
    public let instanceName: String
    /// Where tracefs is mounted, and whether sigscope mounted it.
    public let tracefs: TraceFS
    private let loop: KernelTraceLoop

    private init(batches: AsyncStream<[SignalEvent]>, pids: [Int32], instanceName: String, tracefs: TraceFS,
                 loop: KernelTraceLoop) {
        self.batches = batches
        self.pids = pids
        self.instanceName = instanceName
        self.tracefs = tracefs
        self.loop = loop
    }

    /// Whether the kernel backend can run here: tracefs mounted (or mountable) and readable. Nil when it can,
    /// else the one-line reason it cannot.
    public static func unavailableReason() -> String? {
        do throws(SigscopeError) {
            _ = try TraceFS.locate(mount: true)
            return nil
        } catch {
            return error.message
        }
    }

    /// Creates the instance, enables the events with their filters, starts one reader per CPU and the assembling
    /// thread, then (for `.launch`) lets the command exec. Throws a one-line error (no tracefs, not root, no such
    /// process, cannot start) with nothing left behind.
    public static func start(_ target: Target, configuration: Configuration = Configuration()) throws(SigscopeError)
        -> KernelSignalTracer
    {
        let tracefs: TraceFS
        if let given = configuration.tracefs { tracefs = given } else { tracefs = try TraceFS.locate(mount: true) }
        let tracepoints = try SignalTracepoints(tracefs: tracefs)
        let layout = try RingBufferPageLayout(parsing: tracefs.read("events/header_page"), source: "header_page")
        for comm in configuration.comms where comm.contains("\"") || comm.contains("\\") || comm.isEmpty {
            throw SigscopeError(.badInput, "not a process name: '\(comm)'")
        }
        var pids: [Int32] = []
        if case .attach(let list) = target {
            for pid in list {
                guard pid > 0, kill(pid, 0) == 0 || errno == EPERM else {
                    throw SigscopeError(.noSuchProcess, "no such process: \(pid)", errno: ESRCH)
                }
                // Its own end would never come while it watches.
                guard pid != getpid() else { throw SigscopeError(.badInput, "process \(pid) is sigscope itself") }
            }
            pids = list
        }
        let instance = try TraceInstance.create(in: tracefs)
        var launched: SpawnedProcess?
        var releaseDescriptor: Int32 = -1
        var readers: [RingBufferReader] = []
        let sink = KernelRecordSink()
        do throws(SigscopeError) {
            try instance.setClock("mono")
            // A reader wakes per few pages, not per record (0 would wake it for each), nor per half buffer (the
            // default 50, which risks loss in a flood).
            try? instance.write("buffer_percent", String(RingBufferReader.wakePercent))
            // Tasks that exit before their records are read are still named through saved_cmdlines/saved_tgids.
            try? instance.write("options/record-tgid", "1")
            if let kilobytes = configuration.bufferKilobytes {
                try instance.write("buffer_size_kb", String(kilobytes))
            }
            if case .launch(let arguments, var options) = target {
                var fds: [Int32] = [-1, -1]
                guard pipe(&fds) == 0 else {
                    throw SigscopeError(.systemCall, "cannot create a pipe: " + SigscopeError.describe(errno: errno))
                }
                _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
                options.waitDescriptor = fds[0]
                defer { close(fds[0]) }
                releaseDescriptor = fds[1]
                let process = try SpawnedProcess.launch(arguments, options: options)
                launched = process
                pids = [process.pid]
            }
            let filter = KernelTraceFilter(configuration: configuration, target: target, pids: pids)
            try filter.apply(to: instance)
            if tracepoints.hasOOMVictim { try? instance.write("events/oom/mark_victim/enable", "1") }
            try instance.write("events/signal/signal_generate/enable", "1")
            try instance.write("events/signal/signal_deliver/enable", "1")
            let pageSize = Self.pageSize(instance)
            let cpus = (try? ProcFiles().list(instance.path("per_cpu"))) ?? []
            for name in cpus.sorted() where name.hasPrefix("cpu") {
                guard let cpu = Int(name.dropFirst(3)) else { continue }
                readers.append(try RingBufferReader(cpu: cpu, instance: instance, pageSize: pageSize, layout: layout,
                                                    tracepoints: tracepoints, sink: sink))
            }
            guard !readers.isEmpty else { throw SigscopeError(.systemCall, "no per-CPU buffers in \(instance.name)") }
            for reader in readers { try reader.start() }
        } catch {
            for reader in readers { reader.finish() }
            instance.remove()
            if releaseDescriptor >= 0 { close(releaseDescriptor) }
            if let launched { launched.killAndReap() }
            throw error
        }
        let (stream, continuation) = AsyncStream<[SignalEvent]>.makeStream(bufferingPolicy: .unbounded)
        let loop = KernelTraceLoop(
            instance: instance, readers: readers, sink: sink, configuration: configuration, target: target,
            pids: pids, launched: launched, continuation: continuation)
        do throws(SigscopeError) {
            try loop.start()
        } catch {
            for reader in readers { reader.finish() }
            instance.remove()
            if releaseDescriptor >= 0 { close(releaseDescriptor) }
            if let launched { launched.killAndReap() }
            throw error
        }
        if releaseDescriptor >= 0 {
            var byte: UInt8 = 1
            _ = write(releaseDescriptor, &byte, 1)
            close(releaseDescriptor)
        }
        return KernelSignalTracer(batches: stream, pids: pids, instanceName: instance.name, tracefs: tracefs,
                                  loop: loop)
    }

    /// Ends the watch: the rest of the buffers is read, the stream ends, the instance is removed. Callable from any
    /// thread, any number of times.
    public func stop() { loop.requestStop() }

    /// What the readers counted, final once the stream has ended.
    public var statistics: KernelTraceStatistics { loop.statistics.withLock { $0 } }

    /// The size of one page read from trace_pipe_raw: the sub-buffer size, or the system page.
    static func pageSize(_ instance: TraceInstance) -> Int {
        if let text = try? instance.read("buffer_subbuf_size_kb"), let kilobytes = Int(text.trimmingWhitespace()),
           kilobytes > 0 {
            return kilobytes * 1024
        }
        return Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}

/// What a kernel-backend watch read and lost.
public struct KernelTraceStatistics: Sendable, Equatable {
    /// Ring-buffer pages read and signal records decoded.
    public var pages = 0
    public var records = 0
    /// Events the kernel lost before sigscope read them: overwritten (`overrun`) or refused with the buffer full
    /// (`dropped events`), summed over the CPUs' `stats` when the watch ended.
    public var lost = 0
    /// Pages that said events were lost before them.
    public var pagesAfterLoss = 0
    /// Generated signals per kernel result.
    public var results: [SignalResult: Int] = [:]

    public init() {}
}
