import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Tracing instances created before a check needs them. The directory costs little, but setting an instance's
/// clock makes the kernel reset its buffers and wait for an RCU grace period: 19-23 ms per instance measured on
/// this kind of machine, which `check` paid for two instances between readiness and the signal. A caller that
/// knows a trace is coming while it waits for something else (`check --image` while the engine starts the
/// container) prepares them then, on a thread of their own; `TraceInstance.create` hands a prepared one out, and
/// `setClock` skips a clock it already has. Those nobody took are removed when the process exits.
public enum TraceInstanceSpares {
    private static let spares = Mutex<[String: TraceInstance]>([:])
    private static let preparing = DispatchGroup()

    /// Starts creating, in the background, one instance per role (nil: the plain `sigscope-PID`) with its clock set
    /// to `clock`; does nothing where tracefs is not usable (not root, not mounted and not mountable).
    public static func prepare(roles: [String?], clock: String = "mono") {
        guard geteuid() == 0 else { return }
        registerExitCleanup
        preparing.enter()
        DispatchQueue.global().async {
            defer { preparing.leave() }
            guard let tracefs = try? TraceFS.locate(mount: true) else { return }
            for role in roles {
                guard let instance = try? TraceInstance.create(in: tracefs, role: role, spare: false) else { continue }
                guard (try? instance.setClock(clock)) != nil else {
                    instance.remove()
                    continue
                }
                spares.withLock { $0[key(role)] = instance }
            }
        }
    }

    /// The prepared instance for `role` in `tracefs`, once its preparation has ended; nil when none was prepared.
    static func take(role: String?, in tracefs: TraceFS) -> TraceInstance? {
        _ = preparing.wait(timeout: .now() + 2)
        return spares.withLock { spares in
            guard let instance = spares[key(role)], instance.tracefs.root == tracefs.root else { return nil }
            spares[key(role)] = nil
            return instance
        }
    }

    private static func key(_ role: String?) -> String { role ?? "" }

    /// Registers, once, the removal at exit of the instances nobody took.
    private static let registerExitCleanup: Void = {
        atexit {
            _ = TraceInstanceSpares.preparing.wait(timeout: .now() + 2)
            let left = TraceInstanceSpares.spares.withLock { spares in
                defer { spares.removeAll() }
                return Array(spares.values)
            }
            for instance in left { instance.remove() }
        }
    }()
}
