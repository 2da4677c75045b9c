#if canImport(Glibc)
import Glibc
#endif

/// What one thread is doing, as far as signals are concerned.
public enum ThreadWait: Sendable, Equatable {
    /// Waiting in sigwait/sigwaitinfo/sigtimedwait for these signals (nil when the set could not be read).
    case sigwait(SignalSet?)
    /// Not waiting for signals.
    case none
}

/// One thread of a process as read from /proc/PID/task/TID.
public struct ThreadSnapshot: Sendable, Equatable {
    public var tid: Int32
    public var status: ProcStatus
    public var wait: ThreadWait

    /// The signals this thread takes through sigwait right now.
    public var sigwaitSet: SignalSet? {
        if case .sigwait(let set) = wait { return set ?? SignalSet() }
        return nil
    }
}

/// A signalfd descriptor and the signals it reads.
public struct SignalfdDescriptor: Sendable, Equatable {
    public var fd: Int32
    public var mask: SignalSet
}

/// A child process, as far as the parent's verdict needs it.
public struct ChildProcess: Sendable, Equatable {
    public var pid: Int32
    public var comm: String
    public var state: Character
    public var cmdline: [String]
}

/// Everything sigscope reads about one process at one moment.
public struct ProcessSnapshot: Sendable, Equatable {
    public var pid: Int32
    /// The process-level status (the thread-group leader's masks plus the shared fields).
    public var status: ProcStatus
    public var cmdline: [String]
    /// The executable's path, nil when unreadable.
    public var exe: String?
    /// Every thread, the leader first; only the leader when threads were not read.
    public var threads: [ThreadSnapshot]
    public var signalfds: [SignalfdDescriptor]
    /// True when the process has a listening TCP socket.
    public var listensOnTCP: Bool
    public var children: [ChildProcess]
    /// Shared objects mapped by the process (basenames), for runtime detection.
    public var libraries: [String]
    /// True when /proc/PID/maps shows the Go heap arena.
    public var goHeapMapped: Bool
    /// True when the descriptor table or a thread's system call could not be read for lack of permission: a
    /// signalfd or sigwait taking a signal would then go unseen.
    public var restricted = false
    /// What the executable's ELF sections say it was built with (Go or Swift), when it was read.
    public var executableRuntime: Runtime? = nil

    /// Signals blocked by every thread (sigwait threads count as blocking what they wait for, as the
    /// kernel restores that mask when the wait ends).
    public var blockedEverywhere: SignalSet {
        threads.reduce(SignalSet.catchable) { result, thread in
            result.intersection(thread.status.blocked.union(thread.sigwaitSet ?? SignalSet()))
        }
    }

    /// Signals blocked by at least one thread.
    public var blockedSomewhere: SignalSet {
        threads.reduce(SignalSet()) { $0.union($1.status.blocked.union($1.sigwaitSet ?? SignalSet())) }
    }

    /// Signals some thread is waiting for in sigwait.
    public var sigwaited: SignalSet {
        threads.reduce(SignalSet()) { $0.union($1.sigwaitSet ?? SignalSet()) }
    }

    /// Signals read by some signalfd.
    public var signalfdMask: SignalSet {
        signalfds.reduce(SignalSet()) { $0.union($1.mask) }
    }

    /// Signals pending for a single thread (any thread's SigPnd).
    public var pendingThread: SignalSet {
        threads.reduce(status.pendingThread) { $0.union($1.status.pendingThread) }
    }

    /// The command line joined for display, or the comm in brackets when it is empty (kernel threads,
    /// zombies).
    public var commandLine: String {
        cmdline.isEmpty ? "[\(status.name)]" : cmdline.joined(separator: " ")
    }

    /// Zombie children: exited, never reaped.
    public var zombieChildren: [ChildProcess] { children.filter { $0.state == "Z" } }
}
