import CProcfs
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The loop that owns every ptrace and waitpid call of one `SignalTracer`. It runs on its own pthread because
/// the kernel binds tracees to the tracer's OS thread: a Swift `Task` may hop threads between calls.
///
/// It blocks in `waitpid(__WALL | __WNOTHREAD)`, the cheapest way to learn of a stop. A wake signal makes that
/// waitpid return EINTR: sent at once by `SignalTracer.detach()` and by the handlers of the signals that end the
/// watch, and every 50 ms by a timer, which bounds how long a request that races the call can go unnoticed
/// (see `cprocfs_tracer_wakeup_start`).
final class TracerThread: @unchecked Sendable {
    // @unchecked Sendable: handed to the tracer pthread once at start; after that only that thread touches the
    // mutable state below. What other threads share is the Atomic flag and the pipe's descriptors.

    /// One traced thread.
    struct TracedThread {
        var tid: Int32
        var pid: Int32
    }

    /// One traced process.
    struct TracedProcess {
        var pid: Int32
        var threads: Set<Int32> = []
        /// In a group-stop (its threads were resumed with PTRACE_LISTEN).
        var stopped = false
    }

    let target: SignalTracer.Target
    let configuration: SignalTracer.Configuration
    let continuation: AsyncStream<[SignalEvent]>.Continuation
    let control: TracerControl
    /// The start-up result for `SignalTracer.start`, handed over through `started`.
    let startResult = Mutex<Result<[Int32], SigscopeError>?>(nil)
    let started = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    private var tasks: [Int32: TracedThread] = [:]
    private var processes: [Int32: TracedProcess] = [:]
    private var detaching = false
    private var pending: [SignalEvent] = []
    private var lastFlush: UInt64 = 0
    private static let coalescing: UInt64 = 5_000_000
    private let senders = SenderLookup()
    private let namespaces = SenderNamespaces()
    private let attachment = TraceAttachment()

    init(target: SignalTracer.Target, configuration: SignalTracer.Configuration,
         continuation: AsyncStream<[SignalEvent]>.Continuation, control: TracerControl) {
        self.target = target
        self.configuration = configuration
        self.continuation = continuation
        self.control = control
        sem_init(started, 0, 0)
    }

    deinit {
        sem_destroy(started)
        started.deallocate()
    }

    /// The ptrace options for a process: threads and exec always, forks with --follow-forks, exits with an exit
    /// hook, and EXITKILL only for a process sigscope started (one the user attached to must survive sigscope's
    /// death).
    func options(launched: Bool) -> UInt {
        var value = CPROCFS_PTRACE_O_TRACECLONE | CPROCFS_PTRACE_O_TRACEEXEC
        if configuration.followForks { value |= CPROCFS_PTRACE_O_TRACEFORK | CPROCFS_PTRACE_O_TRACEVFORK }
        if configuration.exitHook != nil { value |= CPROCFS_PTRACE_O_TRACEEXIT }
        if launched { value |= CPROCFS_PTRACE_O_EXITKILL }
        return UInt(value)
    }

    /// The body of the tracer pthread.
    func run() {
        defer {
            cprocfs_tracer_wakeup_stop()
            flush()
            continuation.finish()
        }
        let pids: [Int32]
        do throws(SigscopeError) {
            guard cprocfs_tracer_wakeup_start(configuration.stopSignals.rawValue, 50) == 0 else {
                let code = errno
                throw SigscopeError(.systemCall, "cannot arm the tracer's wake-up timer: "
                                        + SigscopeError.describe(errno: code), errno: code)
            }
            pids = try begin()
        } catch {
            startResult.withLock { $0 = .failure(error) }
            sem_post(started)
            return
        }
        startResult.withLock { $0 = .success(pids) }
        sem_post(started)
        let deadline = configuration.duration.map { Clocks.monotonicNanoseconds() + UInt64($0.seconds * 1e9) }
        var status: Int32 = 0
        while !tasks.isEmpty {
            if shouldEnd(deadline: deadline) {
                detachAll()
                break
            }
            let tid = spinForStop(&status) ?? waitpid(-1, &status, __WALL | __WNOTHREAD)
            if tid > 0 {
                handle(tid: tid, status: status)
                lastStop = Clocks.monotonicNanoseconds()
            } else if errno == EINTR {
                flush()
            } else if errno == ECHILD {
                // Nothing left to wait for: every tracee is gone without our seeing it (should not happen).
                break
            }
        }
    }

    private var lastStop: UInt64 = 0

    /// In a flood of stops, polls for the next one for a few microseconds before sleeping in waitpid: a
    /// sleeping tracer must be woken, which costs a cross-CPU wake-up per signal. Returns nil to sleep.
    private func spinForStop(_ status: inout Int32) -> Int32? {
        let start = Clocks.monotonicNanoseconds()
        guard start &- lastStop < 200_000 else { return nil }
        while Clocks.monotonicNanoseconds() &- start < 50_000 {
            let tid = waitpid(-1, &status, WNOHANG | __WALL | __WNOTHREAD)
            if tid != 0 { return tid }
            // A tracee resumed on this very CPU must get it, or the spin would only delay its next stop.
            sched_yield()
        }
        return nil
    }

    /// Whether a stop was requested, a stop signal arrived, or the duration passed.
    private func shouldEnd(deadline: UInt64?) -> Bool {
        if control.detachRequested.load(ordering: .acquiring) { return true }
        let signals = SignalSet(rawValue: cprocfs_tracer_take_signals())
        if !signals.intersection(configuration.stopSignals).isEmpty { return true }
        // One that reached sigscope's early handler, before this thread installed its own.
        if let early = Interruption.requested, configuration.stopSignals.contains(early) { return true }
        if let deadline, Clocks.monotonicNanoseconds() >= deadline { return true }
        return false
    }

    /// Attaches to or launches the target; returns the traced pids or throws the one-line error.
    private func begin() throws(SigscopeError) -> [Int32] {
        switch target {
        case .attach(let pids):
            var checked: [Int32] = []
            for pid in pids {
                let status = try attachment.check(pid)
                if !checked.contains(status.tgid) { checked.append(status.tgid) }
            }
            for pid in checked {
                do throws(SigscopeError) {
                    try attach(pid)
                } catch {
                    detachAll()
                    throw error
                }
            }
            return checked
        case .launch(let arguments, let options):
            return [try launch(arguments, options: options)]
        }
    }

    /// Seizes every thread of `pid`: the leader first (its failure is the process's: gone, or not ours to trace),
    /// then the rest, listing /proc/PID/task until no new thread shows up. Threads started by a seized thread are
    /// picked up by PTRACE_O_TRACECLONE, the others by the next listing; a thread that exits between the listing
    /// and its seize (ESRCH) is simply gone. The process is gone only when its leader is.
    private func attach(_ pid: Int32) throws(SigscopeError) {
        processes[pid] = TracedProcess(pid: pid)
        var seized = false
        if cprocfs_ptrace(CPROCFS_PTRACE_SEIZE, pid, 0, options(launched: false)) == 0 {
            seized = true
            adopt(tid: pid, pid: pid)
        } else {
            let code = errno
            // A leader that called pthread_exit is a zombie while its threads run on: seize those instead.
            guard code == ESRCH, leaderExitedWithThreadsLeft(pid) else { throw attachment.seizeError(pid, errno: code) }
        }
        var tried: Set<Int32> = [pid]
        while true {
            let tids = (try? attachment.files.listNumbers("\(attachment.files.root)/\(pid)/task")) ?? []
            let fresh = tids.filter { tasks[$0] == nil && !tried.contains($0) }
            if fresh.isEmpty { break }
            for tid in fresh {
                tried.insert(tid)
                // ESRCH: the thread exited meanwhile; EPERM: TRACECLONE already gave it to us. Both are fine.
                guard cprocfs_ptrace(CPROCFS_PTRACE_SEIZE, tid, 0, options(launched: false)) == 0 else { continue }
                seized = true
                adopt(tid: tid, pid: pid)
            }
        }
        if !seized { throw SigscopeError(.noSuchProcess, "no such process: \(pid)", errno: ESRCH) }
    }

    /// True when the thread-group leader `pid` has exited (a zombie) but the process still has other threads.
    private func leaderExitedWithThreadsLeft(_ pid: Int32) -> Bool {
        let tids = (try? attachment.files.listNumbers("\(attachment.files.root)/\(pid)/task")) ?? []
        return tids.contains { $0 != pid }
    }

    /// Starts `arguments` blocked before exec, seizes it from this thread, then lets it exec.
    private func launch(_ arguments: [String], options: SpawnedProcess.Options) throws(SigscopeError) -> Int32 {
        var fds: [Int32] = [-1, -1]
        guard cprocfs_pipe2(&fds, O_CLOEXEC) == 0 else {
            let code = errno
            throw SigscopeError(.systemCall, "cannot create a pipe: \(SigscopeError.describe(errno: code))",
                                errno: code)
        }
        defer { close(fds[1]) }
        var options = options
        options.waitDescriptor = fds[0]
        let process: SpawnedProcess
        do {
            process = try SpawnedProcess.launch(arguments, options: options)
        } catch {
            close(fds[0])
            throw error
        }
        close(fds[0])
        if cprocfs_ptrace(CPROCFS_PTRACE_SEIZE, process.pid, 0, self.options(launched: true)) != 0 {
            let code = errno
            process.killAndReap()
            throw attachment.seizeError(process.pid, errno: code)
        }
        processes[process.pid] = TracedProcess(pid: process.pid)
        adopt(tid: process.pid, pid: process.pid)
        var byte: UInt8 = 1
        _ = write(fds[1], &byte, 1)
        return process.pid
    }

    private func adopt(tid: Int32, pid: Int32) {
        tasks[tid] = TracedThread(tid: tid, pid: pid)
        processes[pid, default: TracedProcess(pid: pid)].threads.insert(tid)
    }

    private func emit(_ kind: SignalEvent.Kind, pid: Int32, tid: Int32) {
        queue(SignalEvent(kind, pid: pid, tid: tid))
    }

    /// Hands an event on, coalescing bursts: each hand-over wakes the consumer's thread, which in a flood would
    /// double the context switches per signal. An event is handed on at once unless one was less than
    /// `coalescing` ago; then it waits for the next wake-up tick (at most 50 ms) or the next later event.
    private func queue(_ event: SignalEvent) {
        pending.append(event)
        if event.monotonicNanoseconds &- lastFlush >= Self.coalescing { flush() }
    }

    /// Hands every queued event to the stream, as one batch.
    private func flush() {
        guard !pending.isEmpty else { return }
        continuation.yield(pending)
        pending.removeAll(keepingCapacity: true)
        lastFlush = Clocks.monotonicNanoseconds()
    }

    /// Dispatches one wait status of a traced thread.
    func handle(tid: Int32, status: Int32) {
        if cprocfs_wifexited(status) != 0 || cprocfs_wifsignaled(status) != 0 {
            exited(tid: tid, status: status)
            return
        }
        guard cprocfs_wifstopped(status) != 0 else { return }
        let task = tasks[tid] ?? newcomer(tid)
        let signalNumber = cprocfs_wstopsig(status)
        switch cprocfs_wait_ptrace_event(status) {
        case 0:
            deliver(task: task, signalNumber: signalNumber)
        case CPROCFS_PTRACE_EVENT_STOP:
            eventStop(task: task, signalNumber: signalNumber)
        case CPROCFS_PTRACE_EVENT_CLONE, CPROCFS_PTRACE_EVENT_FORK, CPROCFS_PTRACE_EVENT_VFORK:
            var message: UInt = 0
            if cprocfs_ptrace_geteventmsg(tid, &message) == 0, message > 0 {
                created(Int32(truncatingIfNeeded: message), by: task)
            }
            resume(task, signal: 0)
        case CPROCFS_PTRACE_EVENT_EXEC:
            var message: UInt = 0
            let former = cprocfs_ptrace_geteventmsg(tid, &message) == 0 ? Int32(truncatingIfNeeded: message) : tid
            if former != tid, let old = tasks.removeValue(forKey: former) {
                processes[old.pid]?.threads.remove(former)
            }
            let path = try? attachment.files.readLink(attachment.files.path(task.pid, "exe"))
            emit(.exec(path: path, formerTid: former != tid ? former : nil), pid: task.pid, tid: tid)
            resume(task, signal: 0)
        case CPROCFS_PTRACE_EVENT_EXIT:
            configuration.exitHook?(task.pid, tid)
            resume(task, signal: 0)
        default:
            resume(task, signal: 0)
        }
    }

    /// A stop of a thread we have not heard of: a new thread or child whose creation event has not been
    /// reported yet (the kernel does not order the two).
    private func newcomer(_ tid: Int32) -> TracedThread {
        let text = try? attachment.files.read(attachment.files.path(tid, "status"))
        let pid = text.flatMap { try? ProcStatus(parsing: $0) }?.tgid ?? tid
        adopt(tid: tid, pid: pid)
        return tasks[tid]!
    }

    /// A clone, fork or vfork event: `child` is a new thread of the same process or a new process.
    private func created(_ child: Int32, by parent: TracedThread) {
        let known = tasks[child]
        let text = try? attachment.files.read(attachment.files.path(child, "status"))
        let pid = known?.pid ?? text.flatMap { try? ProcStatus(parsing: $0) }?.tgid ?? child
        if known == nil { adopt(tid: child, pid: pid) }
        if pid == parent.pid {
            emit(.thread(parentTid: parent.tid), pid: pid, tid: child)
        } else {
            emit(.fork(childPid: pid), pid: parent.pid, tid: parent.tid)
        }
    }

    /// A signal-delivery-stop: report it and re-inject the same signal, whose siginfo the kernel keeps.
    /// The event is stamped and the sender read while the thread is stopped, but handed on after it runs again:
    /// the stream's wake-up of its consumer then costs the tracee nothing.
    private func deliver(task: TracedThread, signalNumber: Int32) {
        var event: SignalEvent?
        if let signal = Signal(rawValue: signalNumber), configuration.shows(signal) {
            var info = cprocfs_siginfo()
            let found = cprocfs_ptrace_getsiginfo(task.tid, &info) == 0
                ? delivery(signal, info, receiver: task.pid)
                : SignalDelivery(signal: signal, code: SiginfoCode(signal: signal, code: 0))
            event = SignalEvent(.signal(found), pid: task.pid, tid: task.tid)
        }
        resume(task, signal: signalNumber)
        if let event { queue(event) }
    }

    /// The delivery as the siginfo describes it, with the sender named in sigscope's PID namespace and its comm
    /// and cmdline read now.
    func delivery(_ signal: Signal, _ info: cprocfs_siginfo, receiver: Int32) -> SignalDelivery {
        var result = SignalDelivery(signal: signal, siginfo: info)
        guard configuration.readSenders, result.code.carriesSender, let pid = result.senderPid, pid > 0 else {
            return result
        }
        switch namespaces.translate(pid, receivedBy: receiver) {
        case .same:
            break
        case .found(let global):
            result.senderNamespacePid = pid
            result.senderPid = global
        case .gone:
            result.senderNamespacePid = pid
            result.senderPid = nil
            return result
        }
        if let sender = result.senderPid { (result.senderComm, result.senderCmdline) = senders.lookup(sender) }
        return result
    }

    /// A PTRACE_EVENT_STOP: a group-stop (the stop signal), or a trap (SIGTRAP) after PTRACE_INTERRUPT, for a
    /// new tracee, or because a group-stop ended.
    private func eventStop(task: TracedThread, signalNumber: Int32) {
        let isGroupStop = [Signal.stop.rawValue, Signal.tstp.rawValue, 21, 22].contains(signalNumber)
        if isGroupStop {
            if processes[task.pid]?.stopped == false, let signal = Signal(rawValue: signalNumber) {
                processes[task.pid]?.stopped = true
                emit(.stopped(signal), pid: task.pid, tid: task.tid)
            }
            if detaching {
                detach(task, signal: 0)
            } else if cprocfs_ptrace(CPROCFS_PTRACE_LISTEN, task.tid, 0, 0) != 0 {
                _ = cprocfs_ptrace(CPROCFS_PTRACE_CONT, task.tid, 0, 0)
            }
            return
        }
        if processes[task.pid]?.stopped == true {
            processes[task.pid]?.stopped = false
            emit(.continued, pid: task.pid, tid: task.tid)
        }
        resume(task, signal: 0)
    }

    /// Lets a stopped thread run on: PTRACE_CONT, or PTRACE_DETACH while detaching. ESRCH means it was killed
    /// meanwhile; its exit status follows.
    private func resume(_ task: TracedThread, signal: Int32) {
        if detaching {
            detach(task, signal: signal)
        } else {
            _ = cprocfs_ptrace(CPROCFS_PTRACE_CONT, task.tid, 0, UInt(signal))
        }
    }

    private func detach(_ task: TracedThread, signal: Int32) {
        _ = cprocfs_ptrace(CPROCFS_PTRACE_DETACH, task.tid, 0, UInt(signal))
        tasks.removeValue(forKey: task.tid)
        processes[task.pid]?.threads.remove(task.tid)
        if let process = processes[task.pid], process.threads.isEmpty {
            emit(.detached(stopped: process.stopped), pid: task.pid, tid: task.pid)
            processes.removeValue(forKey: task.pid)
        }
    }

    /// A thread exited or was killed; the leader's status is the process's.
    private func exited(tid: Int32, status: Int32) {
        guard let task = tasks.removeValue(forKey: tid) else { return }
        processes[task.pid]?.threads.remove(tid)
        guard tid == task.pid else { return }
        if let exit = ExitStatus(waitStatus: status) {
            switch exit {
            case .exited(let code): emit(.exit(code: code), pid: task.pid, tid: tid)
            case .signaled(let signal, let core): emit(.killed(signal, coreDumped: core), pid: task.pid, tid: tid)
            }
        }
        forgetProcess(task.pid)
    }

    private func forgetProcess(_ pid: Int32) {
        namespaces.forget(receiver: pid)
        guard let process = processes.removeValue(forKey: pid) else { return }
        for tid in process.threads { tasks.removeValue(forKey: tid) }
    }

    /// Ends the trace cleanly: interrupts every thread, and detaches each at its next stop, re-injecting a
    /// signal being delivered and leaving a group-stopped process stopped.
    func detachAll() {
        detaching = true
        for tid in tasks.keys { _ = cprocfs_ptrace(CPROCFS_PTRACE_INTERRUPT, tid, 0, 0) }
        // A thread in uninterruptible sleep stops only when it leaves it; past this, sigscope's exit detaches.
        let deadline = Clocks.monotonicNanoseconds() + 5_000_000_000
        var status: Int32 = 0
        while !tasks.isEmpty && Clocks.monotonicNanoseconds() < deadline {
            let tid = waitpid(-1, &status, __WALL | __WNOTHREAD)
            if tid > 0 {
                handle(tid: tid, status: status)
            } else if errno == ECHILD {
                break
            }
        }
    }
}
