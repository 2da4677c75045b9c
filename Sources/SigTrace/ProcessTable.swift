import Dispatch
import Synchronization

/// `inspect --all`: every user-space process on the host, read in one pass and judged like a single one.
public struct ProcessTable: Sendable {
    public var reports: [ProcessReport]
    /// Kernel threads and zombies, which get no verdict.
    public var skippedKernelThreads: Int
    public var skippedZombies: Int

    /// Reads every process in /proc. Processes that exit mid-scan are left out.
    public static func scan(inspector: Inspector = Inspector()) throws(SigscopeError) -> ProcessTable {
        let files = inspector.reader.files
        let pids: [Int32]
        do {
            pids = try files.listNumbers(files.root)
        } catch {
            throw SigscopeError(.systemCall, "cannot list \(files.root)")
        }
        // /proc reads are system calls that do not contend: spread them over the cores.
        let lanes = max(1, min(4, System.processorCount))
        let results = Mutex<[[ProcessSnapshot]]>(Array(repeating: [], count: lanes))
        DispatchQueue.concurrentPerform(iterations: lanes) { lane in
            var mine: [ProcessSnapshot] = []
            mine.reserveCapacity(pids.count / lanes + 1)
            for index in stride(from: lane, to: pids.count, by: lanes) {
                if let snapshot = try? inspector.reader.snapshot(pids[index], depth: .table) { mine.append(snapshot) }
            }
            results.withLock { $0[lane] = mine }
        }
        let all = results.withLock { $0 }.joined().sorted { $0.pid < $1.pid }
        var snapshots: [ProcessSnapshot] = []
        snapshots.reserveCapacity(all.count)
        var kernelThreads = 0
        var zombies: [ProcessSnapshot] = []
        for snapshot in all {
            if snapshot.status.isKernelThread {
                kernelThreads += 1
            } else if snapshot.status.isZombie {
                zombies.append(snapshot)
            } else {
                snapshots.append(snapshot)
            }
        }
        // Children come from the table itself rather than from /proc/PID/task/*/children.
        var children: [Int32: [ChildProcess]] = [:]
        for snapshot in snapshots + zombies {
            children[snapshot.status.ppid, default: []].append(ChildProcess(
                pid: snapshot.pid, comm: snapshot.status.name, state: snapshot.status.state,
                cmdline: snapshot.cmdline))
        }
        var reports: [ProcessReport] = []
        reports.reserveCapacity(snapshots.count)
        for var snapshot in snapshots {
            snapshot.children = children[snapshot.pid] ?? []
            var report = Inspector.judge(snapshot)
            if Inspector.looksTransient(report), var again = try? inspector.inspect(snapshot.pid, depth: .table) {
                again.snapshot.children = snapshot.children
                report = Inspector.judge(again.snapshot, samples: again.samples)
            }
            reports.append(report)
        }
        return ProcessTable(reports: reports, skippedKernelThreads: kernelThreads, skippedZombies: zombies.count)
    }
}
