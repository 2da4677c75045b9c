import ArgumentParser
import SigTrace

#if canImport(Glibc)
import Glibc
#endif

/// `watch --backend`.
enum WatchBackend: String, ExpressibleByArgument, CaseIterable {
    case kernel, ptrace
}

extension Watch {
    /// The backend asked for, or the kernel one when tracefs is usable and nothing needs ptrace; the banner says
    /// which and why.
    func chooseBackend() throws -> WatchBackend {
        if let backend { return backend }
        if followForks { return .ptrace }
        if let reason = KernelSignalTracer.unavailableReason() {
            if all || !comms.isEmpty { throw SigscopeError(.badInput, "--all and --comm need the kernel backend: \(reason)") }
            Output.error("kernel backend unavailable (\(reason)); using ptrace")
            return .ptrace
        }
        return .kernel
    }

    /// The watch on the kernel's tracepoints.
    func runKernel() async throws {
        var configuration = KernelSignalTracer.Configuration()
        configuration.signals = signals ?? straceFilter?.signals
        configuration.duration = duration
        configuration.comms = comms
        configuration.stopOnInterruption = true
        Interruption.install()
        signal(SIGPIPE, SIG_IGN)
        let numbers = pids.map(\.rawValue)
        let sink = try eventSink()
        var launch = SpawnedProcess.Options()
        launch.newProcessGroup = detachOnInterrupt
        let target: KernelSignalTracer.Target = all ? .all
            : numbers.isEmpty ? .launch(command, launch) : .attach(numbers)
        let tracer = try KernelSignalTracer.start(target, configuration: configuration)
        let what = all ? "every process" : tracer.pids.map(String.init).joined(separator: ", ")
        let mounted = tracer.tracefs.mountedBySigscope ? "mounted tracefs at " : "tracefs "
        Output.error("watching \(what) with the kernel backend (\(mounted)\(tracer.tracefs.root), instance "
                     + "\(tracer.instanceName)); nothing is stopped; "
                     + (all ? "Ctrl-C ends the watch" : interruptNote(attached: !numbers.isEmpty, backend: .kernel)))
        try await writeEvents(tracer.batches, to: sink, launched: numbers.isEmpty && !all ? tracer.pids.first : nil,
                              stop: tracer.stop, lostEvents: { tracer.statistics.lost })
    }
}
