/// What inspect read beyond one /proc reading, and what the knowledge base says the process is.
public struct InspectEvidence: Sendable {
    /// A Go program's record of `signal.Notify`, from its memory.
    public var goSignals: GoSignalRecord?
    /// What was seen of a SIGTERM that is caught but blocked everywhere.
    public var deferredTerm: DeferredSignal?
    /// The knowledge base's entry for the program itself (nginx, uWSGI), or for its runtime.
    public var program: ProgramEntry?
    /// The process's environment (`NAME=value`), read only for programs whose signals a variable can change.
    public var environment: [String]

    public init(goSignals: GoSignalRecord? = nil, deferredTerm: DeferredSignal? = nil, program: ProgramEntry? = nil,
                environment: [String] = []) {
        self.goSignals = goSignals
        self.deferredTerm = deferredTerm
        self.program = program
        self.environment = environment
    }
}

/// The rules of `sigscope inspect`: findings drawn from one process's dispositions, runtime and children.
public enum InspectRules {
    /// SIGTERM outcomes a signalfd or sigwait sigscope could not see would change.
    static let uncertainWhenRestricted: Set<SignalOutcome> = [.terminates, .dumpsCore, .dropped, .staysPending,
                                                              .deferred]

    /// Judges a process whose SIGTERM disposition is `term`.
    public static func findings(snapshot: ProcessSnapshot, runtime: Runtime, term: SignalDisposition,
                                pipe: SignalDisposition, evidence: InspectEvidence = InspectEvidence()) -> [Finding] {
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
                message: "\(who) blocks SIGTERM \(inAllThreads(snapshot.threads.count)) with no signalfd or "
                    + "sigwait taking it: SIGTERM stays pending and the process is SIGKILLed at the end of the grace "
                    + "period",
                hint: "unblock SIGTERM, or read it with signalfd or sigwait in a dedicated thread"))
        case .terminates, .dumpsCore:
            if term.handledBy == .runtime, let record = evidence.goSignals {
                findings.append(Finding(
                    .sigtermNotCaught,
                    message: "\(who) is a Go program that never asked for SIGTERM: \(record.notifyLine(.term)) "
                        + "(the runtime's record, runtime.sig, read from its memory), so the runtime re-raises "
                        + "SIGTERM and the process dies of it at once, running no defers",
                    hint: ProgramKnowledge.program(id: "go")?.fix ?? "signal.NotifyContext(ctx, syscall.SIGTERM)"))
            } else {
                findings.append(Finding(
                    .sigtermNotCaught,
                    message: "\(who) does not catch SIGTERM: the default action terminates it at once, without "
                        + "draining requests or cleanup",
                    hint: "install a SIGTERM handler that stops accepting, drains and exits 0"))
            }
        case .deferred:
            findings.append(deferredFinding(who: who, threads: snapshot.threads.count, evidence.deferredTerm))
        case .runtimeDecides:
            break
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
            if let record = evidence.goSignals {
                if record.wanted.contains(.term) {
                    findings.append(Finding(
                        .runtimeCatchAll,
                        message: "\(who) is a Go program and asked for SIGTERM: \(record.notifyLine(.term)) (the "
                            + "runtime's record, runtime.sig, read from its memory), so SIGTERM reaches the "
                            + "program's channel instead of killing it",
                        hint: "sigscope check confirms that it drains and exits in time"))
                }
            } else {
                findings.append(Finding(
                    .runtimeCatchAll,
                    message: "\(who) is a Go program: the Go runtime installs a handler for every signal, so a caught "
                        + "SIGTERM is no proof of handling; without signal.Notify the runtime re-raises SIGTERM and "
                        + "the process dies of it (the binary has no symbol table, so the runtime's record of "
                        + "Notify cannot be read)",
                    hint: "run sigscope check to see what it really does, or sigscope lint on the binary"))
            }
        }
        if term.outcome == .runtimeDecides && runtime != .go {
            let entry = ProgramKnowledge.program(runtime: runtime)
            let meaning = entry?.meaning(of: .term)?.summary ?? "the runtime re-raises SIGTERM unless the program "
                + "asked for it"
            findings.append(Finding(
                .runtimeDecides,
                message: "\(who) runs \(entry?.name ?? runtime.rawValue), whose runtime catches SIGTERM itself: "
                    + "\(meaning); /proc cannot show whether the program listens, so a caught SIGTERM is no proof",
                hint: (entry?.fix.map { "if it does not listen: \($0); " } ?? "") + "confirm with sigscope check"))
        } else if [.python, .node, .ruby, .perl].contains(runtime) && term.outcome != .handled
                    && term.outcome != .deferred {
            findings.append(Finding(
                .runtimeDecides,
                message: "\(who) runs \(runtime.rawValue): the script decides whether SIGTERM is handled, and has not "
                    + "installed a handler now",
                hint: "handle SIGTERM in the script (signal module, process.on('SIGTERM')) and confirm with sigscope check"))
        }
        if [.handled, .deferred].contains(term.outcome), let program = evidence.program,
           let finding = stopSignalFinding(who: who, program: program, commandLine: snapshot.cmdline,
                                           environment: evidence.environment) {
            findings.append(finding)
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

    /// "in its only thread", "in all 4 threads".
    static func inAllThreads(_ count: Int) -> String {
        count == 1 ? "in its only thread" : "in all \(count) threads"
    }

    /// A caught SIGTERM blocked in every thread: info when sigscope saw the blocking end (a wait with a timeout, an
    /// unblocked moment), a warning that the forecast is uncertain when it saw neither.
    static func deferredFinding(who: String, threads: Int, _ deferred: DeferredSignal?) -> Finding {
        let blocked = "\(who) catches SIGTERM but blocks it \(inAllThreads(threads))"
        guard let deferred, deferred.bounded else {
            let seen = deferred.map { ": \($0.evidence)" } ?? ""
            return Finding(
                .sigtermDeferred, severity: .warning,
                message: blocked + seen + "; its handler runs only once the program unblocks it, so whether SIGTERM "
                    + "stops it in time is uncertain",
                hint: "confirm with sigscope check; if it never unblocks SIGTERM, read it with signalfd or sigwait")
        }
        let within = deferred.longestWaitMilliseconds.map { ", within about \($0) ms" } ?? ""
        return Finding(
            .sigtermDeferred,
            message: blocked + " only around its waits: \(deferred.evidence), so a pending SIGTERM runs its handler "
                + "when the wait returns\(within)",
            hint: "nothing to change; sigscope check confirms the shutdown")
    }

    /// What the knowledge base says `signal` does to a known server when it is not the program's clean stop:
    /// uWSGI's reload on TERM, PostgreSQL's smart shutdown, nginx's fast shutdown. Nil when `signal` is the
    /// program's own clean stop, or the knowledge base does not say. inspect judges TERM; check the signal it sent.
    public static func stopSignalFinding(who: String, program: ProgramEntry, signal: Signal = .term,
                                         commandLine: [String], environment: [String] = []) -> Finding? {
        guard program.kind == .server || program.kind == .supervisor,
              let resolved = program.meaning(of: signal, commandLine: commandLine, environment: environment)
        else { return nil }
        let meaning = resolved.meaning
        let advice = StopAdvice(program: program, sentSignal: signal)
        let sent = "\(signal.shortName) is \(program.name)'s \(meaning.summary) [\(meaning.source)]"
        if !meaning.effect.stopsProgram {
            if let config = resolved.configFile {
                return Finding(
                    .stopSignalMeaning, severity: .warning,
                    message: "\(who) is \(program.name): \(sent), unless its configuration (\(config)) turns "
                        + "that off: check it, or the process keeps running and is SIGKILLed at the end of the grace "
                        + "period",
                    hint: program.fix ?? advice.hint)
            }
            return Finding(
                .stopSignalMeaning, severity: .error,
                message: "\(who) is \(program.name): \(sent); it keeps running and is SIGKILLed at the end of "
                    + "the grace period",
                hint: program.fix ?? advice.hint)
        }
        let better = program.recommendedStopSignal
        guard resolved.switchedBy == nil, better != signal else { return nil }
        let betterIs = program.meaning(of: better).map { " (\(firstClause($0.summary)))" } ?? ""
        if meaning.effect == .gracefulStop {
            return Finding(
                .stopSignalMeaning, severity: .warning,
                message: "\(who) is \(program.name): \(sent); with a client connected it outlives any grace "
                    + "period; its maintainers stop it with \(better.name)\(betterIs)",
                hint: advice.hint)
        }
        return Finding(
            .stopSignalMeaning, severity: .info,
            message: "\(who) is \(program.name): \(sent); it stops gracefully on \(better.name)\(betterIs)",
            hint: advice.hint)
    }

    /// `graceful shutdown` of `graceful shutdown: stops listening, ...`.
    static func firstClause(_ text: String) -> String {
        String(text.split(separator: ":").first ?? Substring(text))
    }

    static func nspidText(_ snapshot: ProcessSnapshot) -> String {
        snapshot.status.nspid.map(String.init).joined(separator: " ")
    }
}
