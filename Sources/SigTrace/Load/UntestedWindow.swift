/// A deregistration window no traffic went through: `--platform` implies one (Kubernetes: 3 s), but without
/// `--load` nothing was sent in it, so a pass says nothing about the requests a rollout sends then. Said as
/// `deregistration-window-untested`: info, or a warning when `--probe` saw the listener refuse new connections
/// inside the window, which is the evidence that those requests would have failed. Pure.
public enum UntestedWindow {
    /// The finding for a check that ran without `--load` under a preset with a window of `window`; `preStop` is
    /// the pre-stop before the signal, `probe` what `--probe` saw, if it ran (it probes until the window ends or
    /// it is refused), `gone` the seconds from the signal to the exit, when it exited.
    public static func finding(window: Duration, platform: String?, signal: Signal, preStop: Duration,
                               probe: ProbeReport?, gone: Double? = nil) -> Finding?
    {
        guard window > .zero else { return nil }
        let d = ShutdownVerdict.format(window.seconds)
        let preset = platform.map { "--platform \($0)" } ?? "the platform"
        let fix = "add --load RATE (such as --load 200/s) to send requests through the window and count what "
            + "fails"
        // The probe's times count from the signal; the window from termination's start (the pre-stop's).
        if let closed = probe?.listenerClosedSeconds, preStop.seconds + closed < window.seconds {
            let intoWindow = ShutdownVerdict.precise(preStop.seconds + closed)
            let preStopText = preStop > .zero ? " (pre-stop \(ShutdownVerdict.format(preStop.seconds)) s)" : ""
            // Refused after the exit: nothing listened any more, which is the refusal the exit causes.
            let exited = gone.map { $0 <= closed ? " (the service had exited \(ShutdownVerdict.precise($0)) s after "
                + "\(signal.name))" : "" } ?? ""
            return Finding(
                .deregistrationWindowUntested, severity: .warning,
                message: "the listener refused new connections \(ShutdownVerdict.precise(closed)) s after "
                    + "\(signal.name)\(preStopText)\(exited), \(intoWindow) s into the \(d) s deregistration window of "
                    + "\(preset): requests still routed to it then would be refused; no --load measured how many",
                hint: (platform == "kubernetes" ? "add a preStop sleep of at least \(d) s, " : "")
                    + "keep accepting new connections for \(d) s after \(signal.name), and \(fix)")
        }
        return Finding(
            .deregistrationWindowUntested,
            message: "\(preset) keeps sending new requests for \(d) s after termination begins, but no --load "
                + "sent any: whether the service serves them was not tested"
                + (probe?.lastServedSeconds.map { preStop.seconds + $0 >= window.seconds } == true
                    ? " (--probe was still served after the window)" : ""),
            hint: fix)
    }

    /// The timeline's line at the start of termination.
    static func timelineText(window: Duration, platform: String?) -> String {
        "deregistration window (\(ShutdownVerdict.format(window.seconds)) s"
            + (platform.map { ", \($0)" } ?? "") + ") not tested: no --load sent requests through it"
    }
}
