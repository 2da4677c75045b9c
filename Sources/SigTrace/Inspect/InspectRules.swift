/// The rules of `sigscope inspect`: findings drawn from one process's dispositions, runtime and children.
public enum InspectRules {
    /// SIGTERM outcomes a signalfd or sigwait sigscope could not see would change.
    static let uncertainWhenRestricted: Set<SignalOutcome> = [.terminates, .dumpsCore, .dropped, .staysPending]

    /// Judges a process whose SIGTERM disposition is `term`.
    public static func findings(snapshot: ProcessSnapshot, runtime: Runtime, term: SignalDisposition,
                                pipe: SignalDisposition) -> [Finding] {
        var findings: [Finding] = []
        let pid = snapshot.pid
        let who = "pid \(pid) (\(snapshot.status.name))"
        let isInit = snapshot.status.isNamespaceInit
        let liveChildren = snapshot.children.filter { $0.state != "Z" }

        if snapshot.restricted && uncertainWhenRestricted.contains(term.outcome) {
            return [Finding(
                .noVerdict,
                message: "\(who) belongs to uid \(snapshot.status.uid) and sigscope may not read its descriptors or its "
                    + "threads' system calls: a signalfd or sigwait taking SIGTERM would go unseen",
                hint: ProcReader.readDeniedAdvice(processUid: snapshot.status.uid))]
        }
        switch term.outcome {
        case .dropped:
            findings.append(Finding(
                .pid1SigtermDropped,
                message: "\(who) is PID 1 of its PID namespace (NSpid \(nspidText(snapshot))) and has no SIGTERM "
                    + "handler: the kernel drops SIGTERM, so docker stop and the kubelet wait out the grace period "
                    + "and SIGKILL it",
                hint: "run under tini or dumb-init (docker run --init), or install a SIGTERM handler"))
        case .ignored:
            findings.append(Finding(
                .sigtermIgnored,
                message: "\(who) ignores SIGTERM (SigIgn): it will sit out the whole grace period and be SIGKILLed",
                hint: "stop ignoring SIGTERM (check for signal(SIGTERM, SIG_IGN), nohup or a parent that ignored it "
                    + "before exec) and handle it"))
        case .staysPending:
            findings.append(Finding(
                .sigtermBlocked,
                message: "\(who) blocks SIGTERM in all \(snapshot.threads.count) thread(s) with no signalfd or "
                    + "sigwait taking it: SIGTERM stays pending and the process is SIGKILLed at the end of the grace "
                    + "period",
                hint: "unblock SIGTERM, or read it with signalfd or sigwait in a dedicated thread"))
        case .terminates, .dumpsCore:
            findings.append(Finding(
                .sigtermNotCaught,
                message: "\(who) does not catch SIGTERM: the default action terminates it at once, without "
                    + "draining requests or cleanup",
                hint: "install a SIGTERM handler that stops accepting, drains and exits 0"))
        case .handled:
            switch term.handledBy {
            case .signalfd:
                let fds = snapshot.signalfds.filter { $0.mask.contains(.term) }.map { String($0.fd) }
                findings.append(Finding(
                    .sigtermViaSignalfd,
                    message: "\(who) takes SIGTERM through signalfd (fd \(fds.joined(separator: ", "))) with SIGTERM "
                        + "blocked; SigCgt does not show it, and that is fine",
                    hint: "nothing to change; sigscope check confirms the shutdown"))
            case .sigwait:
                let tids = snapshot.threads.filter { $0.sigwaitSet?.contains(.term) == true }.map { String($0.tid) }
                findings.append(Finding(
                    .sigtermViaSigwait,
                    message: "\(who) takes SIGTERM in sigwait (thread \(tids.joined(separator: ", ")))",
                    hint: "nothing to change; sigscope check confirms the shutdown"))
            default:
                break
            }
        case .stops, .continues:
            break
        }

        if runtime == .go && term.caught {
            findings.append(Finding(
                .runtimeCatchAll,
                message: "\(who) is a Go program: the Go runtime installs a handler for every signal, so a caught "
                    + "SIGTERM is no proof of handling; without signal.Notify the runtime re-raises SIGTERM and the "
                    + "process dies of it",
                hint: "run sigscope check to see what it really does, or sigscope lint on the binary"))
        }
        if [.python, .node, .ruby, .perl].contains(runtime) && term.outcome != .handled {
            findings.append(Finding(
                .runtimeDecides,
                message: "\(who) runs \(runtime.rawValue): the script decides whether SIGTERM is handled, and has not "
                    + "installed a handler now",
                hint: "handle SIGTERM in the script (signal module, process.on('SIGTERM')) and confirm with sigscope check"))
        }
        if isInit, runtime == .shell, !liveChildren.isEmpty {
            let child = liveChildren[0]
            let childText = child.cmdline.isEmpty ? child.comm : child.cmdline.joined(separator: " ")
            findings.append(Finding(
                .pid1ShellWrapper, severity: term.outcome == .handled ? .warning : .error,
                message: "PID 1 is the shell \(who) and the real program runs as its child (pid \(child.pid): "
                    + "\(childText)): the shell does not forward SIGTERM to it",
                hint: "exec the app from the shell (exec \(child.comm) ...), use exec-form CMD, or run under tini"))
        }
        let zombies = snapshot.zombieChildren
        if !zombies.isEmpty {
            let pids = zombies.prefix(5).map { String($0.pid) }.joined(separator: ", ")
            findings.append(Finding(
                .zombieChildren,
                message: "\(who) has \(zombies.count) zombie child(ren) it never reaped (\(pids)\(zombies.count > 5 ? ", ..." : ""))"
                    + (isInit ? "; as PID 1 it must reap every orphan in its namespace" : ""),
                hint: isInit ? "run under tini or dumb-init, which reap zombies" : "wait for children (waitpid) or "
                    + "set SIGCHLD to SIG_IGN"))
        }
        if snapshot.listensOnTCP && pipe.outcome == .terminates {
            findings.append(Finding(
                .sigpipeDefault,
                message: "\(who) listens on TCP and leaves SIGPIPE at its default: a write to a connection the "
                    + "client closed kills the process",
                hint: "ignore SIGPIPE (signal(SIGPIPE, SIG_IGN)) or send with MSG_NOSIGNAL"))
        }
        return findings
    }

    static func nspidText(_ snapshot: ProcessSnapshot) -> String {
        snapshot.status.nspid.map(String.init).joined(separator: " ")
    }
}
