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
        let read = Lanes.map(pids) { pid in try? inspector.reader.snapshot(pid, depth: .table) }
        // One pass over the table: who is judged, and every process's children (instead of reading
        // /proc/PID/task/*/children). The snapshots stay where the scan put them.
        var judged: [Int] = []
        judged.reserveCapacity(read.count)
        var kernelThreads = 0
        var zombies = 0
        var children: [Int32: [ChildProcess]] = [:]
        for (index, snapshot) in read.enumerated() {
            guard let status = snapshot?.status, let cmdline = snapshot?.cmdline else { continue }
            if status.isKernelThread {
                kernelThreads += 1
                continue
            }
            if status.isZombie { zombies += 1 } else { judged.append(index) }
            children[status.ppid, default: []].append(ChildProcess(
                pid: status.pid, comm: status.name, state: status.state, cmdline: cmdline))
        }
        let childrenOf = children
        let reports = Lanes.map(judged) { index in
            var snapshot = read[index]!
            snapshot.children = childrenOf[snapshot.pid] ?? []
            let report = Inspector.judge(snapshot)
            guard Inspector.looksTransient(report), var again = try? inspector.inspect(snapshot.pid, depth: .table)
            else { return report }
            again.snapshot.children = snapshot.children
            return Inspector.judge(again.snapshot, samples: again.samples)
        }
        return ProcessTable(reports: reports, skippedKernelThreads: kernelThreads, skippedZombies: zombies)
    }
}
