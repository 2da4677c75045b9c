// Minimal inits meant to be PID 1, and the shells that `sh -c` and shell-form CMD run.

extension ProgramKnowledge {
    private static let tiniReadme = doc("https://github.com/krallin/tini#readme")
    private static let shellExecTest = measured("KnowledgeMeasuredTests/shellsExecTheirLastCommand")

    /// Inits: forward the stop signal to the program and reap zombies.
    static let inits: [ProgramEntry] = [
        ProgramEntry(
            id: "tini", name: "tini", kind: .initProcess, executables: ["tini", "tini-static"],
            signals: [SignalMeaning(.term, .forwarded, "forwards it to the child (to its group with -g), exits "
                                    + "with the child's status", tiniReadme)],
            settings: [
                ProgramSetting("-g", "forwards signals to the child's whole process group", tiniReadme),
                ProgramSetting("-s", "registers as a subreaper when it is not PID 1", tiniReadme),
            ],
            reapsChildren: Sourced(true, tiniReadme), handlesStopSignalAsPID1: Sourced(true, tiniReadme),
            forwardsStopSignal: Sourced(true, tiniReadme)),
        ProgramEntry(
            id: "docker-init", name: "docker-init", kind: .initProcess, executables: ["docker-init"],
            signals: [SignalMeaning(.term, .forwarded, "tini under another name: forwards it to the child",
                                    doc("https://docs.docker.com/reference/cli/docker/container/run/#init"))],
            reapsChildren: Sourced(true, doc("https://docs.docker.com/reference/cli/docker/container/run/#init")),
            handlesStopSignalAsPID1: Sourced(true, tiniReadme), forwardsStopSignal: Sourced(true, tiniReadme)),
        ProgramEntry(
            id: "dumb-init", name: "dumb-init", kind: .initProcess, executables: ["dumb-init"],
            signals: [SignalMeaning(.term, .forwarded, "forwards it to the child's process group (setsid mode)",
                                    doc("https://github.com/Yelp/dumb-init#readme"))],
            settings: [
                ProgramSetting("--rewrite 15:3", "turns the TERM it receives into QUIT for the child (nginx, php-fpm)",
                               doc("https://github.com/Yelp/dumb-init#signal-rewriting")),
            ],
            reapsChildren: Sourced(true, doc("https://github.com/Yelp/dumb-init#readme")),
            handlesStopSignalAsPID1: Sourced(true, doc("https://github.com/Yelp/dumb-init#readme")),
            forwardsStopSignal: Sourced(true, doc("https://github.com/Yelp/dumb-init#readme"))),
        ProgramEntry(
            id: "catatonit", name: "catatonit", kind: .initProcess, executables: ["catatonit"],
            signals: [SignalMeaning(.term, .forwarded, "forwards it to the child; podman --init runs it",
                                    doc("https://github.com/openSUSE/catatonit#readme"))],
            reapsChildren: Sourced(true, doc("https://github.com/openSUSE/catatonit#readme")),
            handlesStopSignalAsPID1: Sourced(true, doc("https://github.com/openSUSE/catatonit#readme")),
            forwardsStopSignal: Sourced(true, doc("https://github.com/openSUSE/catatonit#readme"))),
    ]

    /// Shells: whether `sh -c 'cmd'` becomes cmd (exec) or stays as its parent and forwards nothing.
    static let shells: [ProgramEntry] = [
        ProgramEntry(
            id: "dash", name: "dash", kind: .shell, executables: ["dash"],
            signals: [SignalMeaning(.term, .defaultAction, "no trap: as PID 1 it ignores TERM, and it never "
                                    + "forwards it to its child", shellExecTest)],
            handlesStopSignalAsPID1: Sourced(false, shellExecTest),
            execsLastCommand: Sourced(false, shellExecTest), forwardsStopSignal: Sourced(false, shellExecTest),
            fix: "end the script with exec \"$@\" (or exec the server), so the server replaces the shell"),
        execingShell(id: "bash", name: "bash", executables: ["bash"]),
        execingShell(id: "busybox-ash", name: "BusyBox ash", executables: ["ash", "busybox"]),
    ]

    /// A shell that execs the last simple command of `sh -c` (bash, BusyBox ash), measured alike.
    private static func execingShell(id: String, name: String, executables: [ProgramName]) -> ProgramEntry {
        ProgramEntry(
            id: id, name: name, kind: .shell, executables: executables,
            signals: [SignalMeaning(.term, .defaultAction, "no trap: dies of TERM, or as PID 1 ignores it; "
                                    + "forwards nothing to a child", shellExecTest)],
            handlesStopSignalAsPID1: Sourced(false, shellExecTest),
            execsLastCommand: Sourced(true, shellExecTest), forwardsStopSignal: Sourced(false, shellExecTest),
            fix: "exec the server as the script's last command",
            notes: [Sourced("only `sh -c` without a trap execs its last simple command; a script file never does",
                            shellExecTest)])
    }
}
