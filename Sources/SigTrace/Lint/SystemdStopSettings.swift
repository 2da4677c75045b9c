/// What a service unit tells systemd to do when it is stopped, with systemd's defaults filled in
/// (systemd.kill(5), systemd.service(5)): the service type, how processes are killed and with which signals,
/// the stop timeout, the stop and start commands, and the restart policy. Each value keeps the assignment it
/// came from (nil for a default) so findings can point at the line; values systemd would reject are collected
/// in `invalid`.
public struct SystemdStopSettings: Sendable {
    /// `KillMode=`: which processes of the unit's cgroup get the stop signals.
    public enum KillMode: String, Sendable {
        /// Every remaining process of the cgroup gets KillSignal (the default).
        case controlGroup = "control-group"
        /// The main process gets KillSignal, the rest of the cgroup SIGKILL.
        case mixed
        /// Only the main process is signalled; the rest is left running.
        case process
        /// Nothing is signalled (deprecated).
        case none
    }

    /// A setting's value and the line that set it (nil when systemd's default applies).
    public struct Setting<Value: Sendable>: Sendable {
        public var value: Value
        public var assignment: SystemdUnit.Assignment?
    }

    /// `Type=`, lower case; `simple` by default (`oneshot` when there is no ExecStart=).
    public var type: Setting<String>
    public var killMode: Setting<KillMode>
    public var killSignal: Setting<Signal>
    /// `RestartKillSignal=`, defaulting to KillSignal.
    public var restartKillSignal: Setting<Signal>
    public var finalKillSignal: Setting<Signal>
    public var sendSIGKILL: Setting<Bool>
    public var sendSIGHUP: Setting<Bool>
    /// `TimeoutStopSec=` or `TimeoutSec=`, whichever came last; 90 s by default (`DefaultTimeoutStopSec=`).
    public var stopTimeout: Setting<DurationParser.TimeSpan>
    public var restart: Setting<String>
    public var pidFile: Setting<String>?
    public var guessMainPID: Setting<Bool>
    public var remainAfterExit: Setting<Bool>
    /// `SuccessExitStatus=` words (exit codes and signal names), every assignment since the last reset.
    public var successExitStatus: [String]
    public var execStart: [(command: SystemdCommand, assignment: SystemdUnit.Assignment)]
    public var execStop: [(command: SystemdCommand, assignment: SystemdUnit.Assignment)]
    public var execReload: [(command: SystemdCommand, assignment: SystemdUnit.Assignment)]
    /// Values systemd would reject: the assignment and why. systemd ignores such a line and keeps the default.
    public var invalid: [(assignment: SystemdUnit.Assignment, reason: String)] = []

    /// systemd's `DefaultTimeoutStopSec=` unless system.conf changes it.
    public static let defaultStopTimeout: Duration = .seconds(90)

    /// Reads the stop settings of a unit's `[Service]` section.
    public init(_ unit: SystemdUnit) {
        var invalid: [(SystemdUnit.Assignment, String)] = []
        func signal(_ key: String, default value: Signal) -> Setting<Signal> {
            // systemd ignores an invalid line and keeps the previous value: walk back to the last valid one.
            for assignment in unit.all(key).reversed() {
                if assignment.value.isEmpty { break }
                do {
                    return Setting(value: try Signal(parsing: assignment.value), assignment: assignment)
                } catch {
                    invalid.append((assignment, error.message))
                }
            }
            return Setting(value: value, assignment: nil)
        }
        func boolean(_ key: String, default value: Bool) -> Setting<Bool> {
            guard let assignment = unit.last(key) else { return Setting(value: value, assignment: nil) }
            guard let parsed = SystemdUnit.boolean(assignment.value) else {
                invalid.append((assignment, "not a boolean (use yes or no)"))
                return Setting(value: value, assignment: nil)
            }
            return Setting(value: parsed, assignment: assignment)
        }
        func commands(_ key: String) -> [(command: SystemdCommand, assignment: SystemdUnit.Assignment)] {
            unit.list(key).flatMap { assignment in SystemdCommand.parse(assignment.value).map { ($0, assignment) } }
        }
        execStart = commands("ExecStart")
        execStop = commands("ExecStop")
        execReload = commands("ExecReload")
        if let assignment = unit.last("Type") {
            type = Setting(value: assignment.value.lowercased(), assignment: assignment)
        } else {
            type = Setting(value: execStart.isEmpty ? "oneshot" : "simple", assignment: nil)
        }
        if let assignment = unit.last("KillMode") {
            if let mode = KillMode(rawValue: assignment.value) {
                killMode = Setting(value: mode, assignment: assignment)
            } else {
                invalid.append((assignment, "not a kill mode (control-group, mixed, process or none)"))
                killMode = Setting(value: .controlGroup, assignment: nil)
            }
        } else {
            killMode = Setting(value: .controlGroup, assignment: nil)
        }
        killSignal = signal("KillSignal", default: .term)
        restartKillSignal = signal("RestartKillSignal", default: killSignal.value)
        finalKillSignal = signal("FinalKillSignal", default: .kill)
        sendSIGKILL = boolean("SendSIGKILL", default: true)
        sendSIGHUP = boolean("SendSIGHUP", default: false)
        guessMainPID = boolean("GuessMainPID", default: true)
        remainAfterExit = boolean("RemainAfterExit", default: false)
        stopTimeout = Setting(value: .finite(Self.defaultStopTimeout), assignment: nil)
        // The last valid assignment of either key decides; an empty one resets to the default.
        let timeouts = unit.assignments.filter { $0.section == "Service" && ($0.key == "TimeoutStopSec"
            || $0.key == "TimeoutSec") }
        for assignment in timeouts.reversed() {
            if assignment.value.isEmpty { break }
            do {
                var span = try DurationParser.parseSystemdTimeSpan(assignment.value)
                if span == .finite(.zero) { span = .infinity }
                stopTimeout = Setting(value: span, assignment: assignment)
                break
            } catch {
                invalid.append((assignment, error.message))
            }
        }
        restart = unit.last("Restart").map { Setting(value: $0.value, assignment: $0) }
            ?? Setting(value: "no", assignment: nil)
        pidFile = unit.last("PIDFile").map { Setting(value: $0.value, assignment: $0) }
        var statuses: [String] = []
        for assignment in unit.all("SuccessExitStatus") {
            if assignment.value.isEmpty { statuses.removeAll() } else {
                statuses += assignment.value.split(separator: " ").map(String.init)
            }
        }
        successExitStatus = statuses
        self.invalid = invalid
    }

    /// True for types whose main process keeps running, so stopping the unit signals a live service.
    public var isLongRunning: Bool { type.value != "oneshot" }

    /// The stop timeout in seconds, nil for infinity.
    public var stopTimeoutSeconds: Double? {
        if case .finite(let duration) = stopTimeout.value { return duration.seconds }
        return nil
    }

    /// True when `SuccessExitStatus=` lists this exit code or signal.
    public func successListed(code: Int? = nil, signal: Signal? = nil) -> Bool {
        successExitStatus.contains { word in
            if let code, Int(word) == code { return true }
            if let signal, let parsed = try? Signal(parsing: word), Int32(word) == nil { return parsed == signal }
            return false
        }
    }
}
