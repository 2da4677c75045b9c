import ArgumentParser
import SigTrace

#if canImport(Glibc)
import Glibc
#endif

@main
struct Sigscope: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sigscope",
        abstract: "Will this process shut down cleanly when it is told to?",
        discussion: """
            sigscope decodes signal dispositions from /proc, traces signal delivery with ptrace, tests a \
            service's shutdown under SIGTERM with requests in flight, and lints binaries, Dockerfiles and \
            Kubernetes manifests for signal handling.

            EXIT CODES
              0  success; no finding reached --fail-on; check verdict pass
              1  a finding reached --fail-on; check verdict fail
              2  bad input or a start-up error (no such process, permission denied,
                 bad duration, ...)
            """,
        version: sigscopeVersion,
        subcommands: commandList
    )

    static func main() async {
        // SIGINT, SIGTERM or SIGHUP is recorded, never death by default action, from before the Swift runtime
        // started (CProcfs's preinit entry; installing again here is harmless). check and watch stop on it
        // (cleaning up, detaching); any other command ends with one line and exit 2.
        Interruption.install()
        // watch documents these signals as its normal end (exit 0, or the command's code).
        var endsOnSignals = false
        do {
            var command = try parseAsRoot()
            endsOnSignals = command is Watch
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            if let signal = Interruption.requested, !endsOnSignals {
                throw SigscopeError(.interrupted, "interrupted by \(signal.name)")
            }
        } catch {
            if let signal = Interruption.requested, !endsOnSignals, (error as? SigscopeError)?.code != .interrupted {
                exit(with: SigscopeError(.interrupted, "interrupted by \(signal.name)"))
            }
            exit(with: error)
        }
    }

    /// Turns any error into sigscope's exit convention: help and version on stdout with 0, a one-line error on
    /// stderr with 2, an explicit `ExitCode` as it is.
    static func exit(with error: any Error) -> Never {
        if let error = error as? SigscopeError {
            Output.error(error.message)
            Glibc.exit(2)
        }
        if let code = error as? ExitCode {
            Glibc.exit(code.rawValue)
        }
        let code = exitCode(for: error)
        if code == .success {
            Output.write(fullMessage(for: error) + "\n")
            Glibc.exit(0)
        }
        let line = message(for: error).split(separator: "\n").first.map(String.init) ?? "bad arguments"
        Output.error(ArgumentValues.explain(line))
        Glibc.exit(2)
    }
}
