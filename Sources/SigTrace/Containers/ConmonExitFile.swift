import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// podman's record of a container's exit, read where podman itself reads it. conmon, the monitor podman starts
/// beside each container (the init's parent), writes the init's exit code to `EXIT_DIR/ID` (its `--exit-dir`) as
/// soon as it has reaped it; podman's next look at the container takes the state's ExitCode from that file's text,
/// FinishedAt from its ctime and OOMKilled from an `oom` file beside it (libpod's `handleExitFile`: the bundle's
/// `oom` in podman 4, `PERSIST_DIR/oom` in later versions that pass conmon `--persist-dir`).
///
/// Reading the file at the exit replaces an `inspect` there, which waits for podman's cleanup of the container
/// (the network's tear-down) before it answers: 100-570 ms measured on two cores, after which `rm` started. With
/// the record read in a millisecond, `rm` starts at the exit and overlaps that cleanup. Anything unexpected (no
/// conmon parent, another container's conmon, no such file once conmon is gone) leaves the `inspect` to answer.
struct ConmonExitFile: Sendable, Equatable {
    let containerID: String
    /// `EXIT_DIR/ID`.
    let exitFile: String
    /// Where conmon or the runtime leaves `oom` when the kernel's OOM killer ended the container.
    let oomFiles: [String]
    /// conmon's pid, to tell a file not written yet from one that never will be.
    let conmonPid: Int32

    /// The record's location from conmon's command line; nil when it is not conmon's for `containerID` or names
    /// no exit directory. Pure: testable on captured command lines.
    init?(conmonArguments arguments: [String], containerID: String, conmonPid: Int32) {
        guard let program = arguments.first, (program as NSString).lastPathComponent.hasPrefix("conmon") else {
            return nil
        }
        var values: [String: String] = [:]
        var index = 1
        while index < arguments.count {
            let word = arguments[index]
            index += 1
            guard word.hasPrefix("-") else { continue }
            if let equals = word.firstIndex(of: "=") {
                values[String(word[..<equals])] = String(word[word.index(after: equals)...])
            } else if index < arguments.count, Self.valued.contains(word) {
                values[word] = arguments[index]
                index += 1
            }
        }
        let id = values["-c"] ?? values["--cid"]
        guard !containerID.isEmpty, id == containerID,
              let exitDirectory = values["--exit-dir"], exitDirectory.hasPrefix("/") else { return nil }
        self.containerID = containerID
        exitFile = exitDirectory + "/" + containerID
        oomFiles = [values["-b"] ?? values["--bundle"], values["--persist-dir"]].compactMap { $0 }
            .filter { $0.hasPrefix("/") }.map { $0 + "/oom" }
        self.conmonPid = conmonPid
    }

    /// conmon's options that take a value, as podman passes them (`-c ID`, `--exit-dir DIR`); the others are flags
    /// or irrelevant here, and a value that looks like an option never follows one of these.
    private static let valued: Set<String> = [
        "-c", "--cid", "-u", "--cuuid", "-r", "--runtime", "-b", "--bundle", "-p", "--container-pidfile", "-n",
        "--name", "--exit-dir", "--persist-dir", "-l", "--log-path", "--log-level", "--runtime-arg",
        "--conmon-pidfile", "--exit-command", "--exit-command-arg", "--exit-delay", "--socket-dir-path",
        "--log-size-max", "--log-tag", "--syslog", "-i", "--stdin", "-t", "--terminal", "-s", "--systemd-cgroup",
    ]

    /// The record of the container whose init runs as `initPid`: from its parent, when that is the container's
    /// conmon. Read while the container runs (conmon exits soon after the init).
    static func of(initPid: Int32, containerID: String) -> ConmonExitFile? {
        let reader = ProcReader()
        guard initPid > 0, let parent = try? reader.snapshot(initPid, depth: .table).status.ppid, parent > 1
        else { return nil }
        return ConmonExitFile(conmonArguments: reader.readCmdline(parent), containerID: containerID,
                              conmonPid: parent)
    }

    /// `state` as podman records it once the init has exited, waiting up to `timeout` for conmon to write the
    /// file; nil when it does not (conmon gone without one, or the text is not a number).
    func recorded(_ state: ContainerState, timeout: Duration) -> ContainerState? {
        let deadline = Clocks.monotonicNanoseconds() + UInt64(timeout.seconds * 1e9)
        while true {
            // conmon writes the file before it exits: once it is gone, the file is there or never will be.
            let conmonGone = kill(conmonPid, 0) != 0 && errno == ESRCH
            if let (code, changed) = read() {
                var recorded = state
                recorded.running = false
                recorded.pid = 0
                recorded.exitCode = code
                recorded.finishedAt = changed
                recorded.oomKilled = oomFiles.contains { access($0, F_OK) == 0 }
                return recorded
            }
            if conmonGone || Clocks.monotonicNanoseconds() >= deadline { return nil }
            Clocks.sleep(for: .milliseconds(1))
        }
    }

    /// The exit code (the file's whole text, as podman's strconv.Atoi reads it) and the file's ctime.
    private func read() -> (Int32, Date)? {
        var status = stat()
        guard stat(exitFile, &status) == 0, status.st_size > 0,
              let text = try? String(contentsOfFile: exitFile, encoding: .utf8), let code = Int32(text) else {
            return nil
        }
        let changed = Date(timeIntervalSince1970: Double(status.st_ctim.tv_sec) + Double(status.st_ctim.tv_nsec) / 1e9)
        return (code, changed)
    }
}
