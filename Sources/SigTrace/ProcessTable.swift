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
        let all = Lanes.map(pids) { pid in try? inspector.reader.snapshot(pid, depth: .table) }.compactMap { $0 }
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
        for index in snapshots.indices { snapshots[index].children = children[snapshots[index].pid] ?? [] }
        let reports = Lanes.map(snapshots) { snapshot in
            let report = Inspector.judge(snapshot)
            guard Inspector.looksTransient(report), var again = try? inspector.inspect(snapshot.pid, depth: .table)
            else { return report }
            again.snapshot.children = snapshot.children
            return Inspector.judge(again.snapshot, samples: again.samples)
        }
        return ProcessTable(reports: reports, skippedKernelThreads: kernelThreads, skippedZombies: zombies.count)
    }
}
