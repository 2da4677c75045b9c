import CProcfs
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Traces the signals delivered to processes with ptrace, at no cost per system call: tracees stop only when a
/// signal is delivered (PTRACE_CONT, never PTRACE_SYSCALL), and every signal is re-injected unchanged.
///
/// Events arrive as an `AsyncSequence` (`events`, or `batches` of the events seen together); it finishes when every traced process has exited, the duration has
/// passed, `stop()` was called, or one of `Configuration.stopSignals` reached sigscope. On every ending but the
/// first, each process is detached as it was found: running, or group-stopped.
///
/// All ptrace and waitpid calls happen on one dedicated pthread (see `TracerThread`), which also starts a
/// launched command so that the kernel makes that thread its tracer. One tracer per process at a time: the
/// wake-up signal and stop-signal handlers of the tracer thread are process-wide.
public final class SignalTracer: Sendable {
    /// What to trace: processes that already run, or a command to start under trace.
    public enum Target: Sendable {
        /// Attach to these processes (every thread of each).
        case attach([Int32])
        /// Start this command (argv) blocked before exec, seize it, then let it run. It is killed if sigscope
        /// dies (PTRACE_O_EXITKILL).
        case launch([String], SpawnedProcess.Options)
    }

    /// How to trace.
    public struct Configuration: Sendable {
        /// Also trace children (PTRACE_O_TRACEFORK and TRACEVFORK).
        public var followForks = false
        /// Report only these signals (all are still re-injected); nil reports every signal.
        public var signals: SignalSet?
        /// Detach after this long.
        public var duration: Duration?
        /// Signals to sigscope that end the watch with a clean detach (the CLI passes INT, TERM and HUP).
        public var stopSignals: SignalSet = []
        /// Read the sender's comm and cmdline from /proc for each signal.
        public var readSenders = true
        /// Called on the tracer thread at each traced thread's exit stop (PTRACE_O_TRACEEXIT) with its pid and tid,
        /// while the thread is held there: its descriptors are still open, so what the hook reads of
        /// /proc/PID/task/TID is what the kernel is about to close. It must be quick. Nil: exits do not stop.
        public var exitHook: (@Sendable (_ pid: Int32, _ tid: Int32) -> Void)?

        public init() {}

        /// Whether a delivery of `signal` is reported.
        func shows(_ signal: Signal) -> Bool { signals?.contains(signal) ?? true }
    }

    /// Whether a tracer thread runs: its wake-up signal and timer are process-wide, so one at a time.
    static let active = Atomic<Bool>(false)

    /// The events in the order the tracer saw them, in batches: those seen within a few milliseconds of each other
    /// come together, so a consumer can write them at once. Iterate this or `events`, not both.
    public let batches: AsyncStream<[SignalEvent]>

    /// The events one by one, in the order the tracer saw them. Iterate this or `batches`, not both.
    public var events: SignalEvents { SignalEvents(batches: batches) }
    /// The processes traced from the start (the launched command's pid for `.launch`).
    public let pids: [Int32]
    private let control: TracerControl

    private init(batches: AsyncStream<[SignalEvent]>, pids: [Int32], control: TracerControl) {
        self.batches = batches
        self.pids = pids
        self.control = control
    }

    /// Starts the tracer thread and returns once every target is seized (or throws the one-line error: no such
    /// process, permission denied, already traced, kernel thread, zombie, sigscope itself, cannot start).
    public static func start(_ target: Target, configuration: Configuration = Configuration()) throws(SigscopeError)
        -> SignalTracer
    {
        guard active.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else {
            throw SigscopeError(.badInput, "a signal tracer is already running in this process")
        }
        let control = TracerControl()
        let (stream, continuation) = AsyncStream<[SignalEvent]>.makeStream(bufferingPolicy: .unbounded)
        let loop = TracerThread(target: target, configuration: configuration, continuation: continuation,
                                control: control)
        do throws(SigscopeError) {
            try startThread(loop)
        } catch {
            active.store(false, ordering: .releasing)
            throw error
        }
        _ = retryOnInterrupt { sem_wait(loop.started) }
        let result = loop.startResult.withLock { $0 }
        switch result {
        case .success(let pids):
            return SignalTracer(batches: stream, pids: pids, control: control)
        case .failure(let error):
            throw error
        case nil:
            throw SigscopeError(.systemCall, "the tracer thread ended before it started")
        }
    }

    /// Detaches from every process and ends the event stream; callable from any thread, any number of times.
    public func detach() { control.requestDetach() }

    /// Runs `loop.run()` on a new detached pthread. The corresponding C function is `pthread_create`.
    private static func startThread(_ loop: TracerThread) throws(SigscopeError) {
        let box = Unmanaged.passRetained(loop).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let loop = Unmanaged<TracerThread>.fromOpaque(argument!).takeRetainedValue()
            loop.run()
            SignalTracer.active.store(false, ordering: .releasing)
            return nil
        }, box)
        guard result == 0 else {
            Unmanaged<TracerThread>.fromOpaque(box).release()
            throw SigscopeError(.systemCall, "cannot start the tracer thread: \(SigscopeError.describe(errno: result))",
                                errno: result)
        }
        pthread_detach(thread)
    }
}

/// What other threads share with the tracer thread: the stop flag.
final class TracerControl: Sendable {
    let detachRequested = Atomic<Bool>(false)

    /// Asks the tracer thread to detach and end; safe from any thread.
    func requestDetach() {
        detachRequested.store(true, ordering: .releasing)
        cprocfs_tracer_kick()
    }
}

/// A tracer's events one by one: `SignalTracer.batches`, flattened.
public struct SignalEvents: AsyncSequence, Sendable {
    public typealias Element = SignalEvent
    let batches: AsyncStream<[SignalEvent]>

    /// Walks each batch, then waits for the next.
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncStream<[SignalEvent]>.AsyncIterator
        var batch: [SignalEvent] = []
        var index = 0

        /// The next event, waiting for the tracer's next batch when this one is used up; nil once it ended.
        public mutating func next() async -> SignalEvent? {
            while index >= batch.count {
                guard let next = await base.next() else { return nil }
                batch = next
                index = 0
            }
            index += 1
            return batch[index - 1]
        }
    }

    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(base: batches.makeAsyncIterator()) }
}
