import Foundation

/// What an image says about how it starts and stops: the fields of `image inspect`'s `Config` that decide a
/// container's shutdown. Pure parsing of the engine's JSON, testable on captured text.
public struct ImageConfig: Sendable, Equatable {
    /// The name the user gave.
    public var image: String
    public var id: String
    public var entrypoint: [String]
    public var cmd: [String]
    /// `USER`, empty for root.
    public var user: String
    /// `STOPSIGNAL`, nil when the image sets none (the runtime then sends SIGTERM).
    public var stopSignal: Signal?
    /// The `STOPSIGNAL` text as written, for messages and for a value sigscope cannot parse.
    public var stopSignalText: String?
    public var workingDir: String
    public var env: [String]
    /// `EXPOSE`d ports as `8080/tcp`.
    public var exposedPorts: [String]

    /// The command the container's PID 1 runs: ENTRYPOINT followed by CMD.
    public var command: [String] { entrypoint + cmd }

    /// Parses the array `podman image inspect` / `docker image inspect` prints (its first element).
    public init(inspectJSON text: String, image: String) throws(SigscopeError) {
        self.init(inspectObject: try ContainerJSON.first(text, what: "image \(image)"), image: image)
    }

    /// Reads one image object of an inspect array.
    init(inspectObject object: [String: Any], image: String) {
        let config = object["Config"] as? [String: Any] ?? [:]
        self.image = image
        id = object["Id"] as? String ?? ""
        entrypoint = ContainerJSON.strings(config["Entrypoint"])
        cmd = ContainerJSON.strings(config["Cmd"])
        user = config["User"] as? String ?? ""
        stopSignalText = ContainerJSON.signalText(config["StopSignal"])
        stopSignal = stopSignalText.flatMap { try? Signal(parsing: $0) }
        workingDir = config["WorkingDir"] as? String ?? ""
        env = ContainerJSON.strings(config["Env"])
        exposedPorts = ((config["ExposedPorts"] as? [String: Any]) ?? [:]).keys.sorted()
    }

    /// The signal `stop` sends: STOPSIGNAL, else SIGTERM.
    public var effectiveStopSignal: Signal { stopSignal ?? .term }
}

/// A container as `container inspect` describes it: who its init is on the host and what the engine recorded.
public struct ContainerState: Sendable, Equatable {
    public var id: String
    /// The name without docker's leading slash.
    public var name: String
    public var image: String
    public var running: Bool
    /// The init process's PID on the host (0 when not running).
    public var pid: Int32
    /// The exit code the engine recorded (128+N for a death by signal N).
    public var exitCode: Int32
    /// When the engine saw the container start and exit (nil: not yet).
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The container's stop signal (the image's STOPSIGNAL unless `--stop-signal` overrode it).
    public var stopSignal: Signal?
    /// The container's stop timeout in seconds, when the engine records one.
    public var stopTimeout: Int?
    /// The command its init runs.
    public var command: [String]
    public var oomKilled: Bool
    /// podman's record of the init's PID (`PidFile`, in the engine's own directory for the container); nil for docker.
    public var pidFile: String?

    /// Parses the array `podman container inspect` / `docker container inspect` prints (its first element).
    public init(inspectJSON text: String, engine: ContainerEngine.Kind) throws(SigscopeError) {
        try self.init(inspectObject: ContainerJSON.first(text, what: "container"), engine: engine)
    }

    /// Reads one container object of an inspect array.
    init(inspectObject object: [String: Any], engine: ContainerEngine.Kind) throws(SigscopeError) {
        let state = object["State"] as? [String: Any] ?? [:]
        let config = object["Config"] as? [String: Any] ?? [:]
        id = object["Id"] as? String ?? ""
        var name = object["Name"] as? String ?? ""
        if name.hasPrefix("/") { name.removeFirst() }
        self.name = name
        image = config["Image"] as? String ?? object["ImageName"] as? String ?? ""
        running = state["Running"] as? Bool ?? false
        pid = Int32(truncatingIfNeeded: (state["Pid"] as? NSNumber)?.intValue ?? 0)
        exitCode = Int32(truncatingIfNeeded: (state["ExitCode"] as? NSNumber)?.intValue ?? 0)
        startedAt = ContainerJSON.date(state["StartedAt"])
        finishedAt = ContainerJSON.date(state["FinishedAt"])
        stopSignal = ContainerJSON.signalText(config["StopSignal"]).flatMap { try? Signal(parsing: $0) }
        stopTimeout = (config["StopTimeout"] as? NSNumber)?.intValue
        let path = object["Path"] as? String
        command = (path.map { [$0] } ?? []) + ContainerJSON.strings(object["Args"])
        oomKilled = state["OOMKilled"] as? Bool ?? false
        pidFile = (object["PidFile"] as? String).flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The exit as sigscope's model has it. Engines record a death by signal N as 128+N; only SIGKILL is read back
    /// as a signal, because a process may also exit(143) on purpose (the JVM does) and nothing else but a signal
    /// gives 137 from a container's init.
    public var exitStatus: ExitStatus {
        exitCode == 128 + Signal.kill.rawValue ? .signaled(.kill, coreDumped: false) : .exited(exitCode)
    }
}

/// Reading the engines' inspect JSON, which both print as an array of objects.
enum ContainerJSON {
    static func first(_ text: String, what: String) throws(SigscopeError) -> [String: Any] {
        try objects(text, what: what)[0]
    }

    /// Every object of the array, at least one.
    static func objects(_ text: String, what: String) throws(SigscopeError) -> [[String: Any]] {
        guard let data = text.data(using: .utf8),
              let array = try? JSONSerialization.jsonObject(with: data) as? [Any],
              case let objects = array.compactMap({ $0 as? [String: Any] }), !objects.isEmpty
        else { throw SigscopeError(.badInput, "\(what): the engine's inspect output is not the JSON array expected") }
        return objects
    }

    /// A string array, or a string (podman prints a one-word Entrypoint as a string in some versions).
    static func strings(_ value: Any?) -> [String] {
        if let array = value as? [String] { return array }
        if let text = value as? String, !text.isEmpty { return [text] }
        return []
    }

    /// A stop signal written as a name ("SIGTERM") or a number (podman's container inspect says 15).
    static func signalText(_ value: Any?) -> String? {
        if let text = value as? String { return text.isEmpty ? nil : text }
        if let number = value as? NSNumber, number.intValue > 0 { return String(number.intValue) }
        return nil
    }

    /// RFC 3339 with nanoseconds, as both engines write (`2026-11-29T22:50:01.054880051Z`, or an offset such as
    /// `+01:00`); Go's zero time means "never". Parsed by hand: a Foundation date formatter loads the time zone
    /// database first, some 10 ms before the signal.
    static func date(_ value: Any?) -> Date? {
        guard let text = value as? String, !text.hasPrefix("0001-") else { return nil }
        let bytes = Array(text.utf8)
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<from + count] {
                guard byte >= 48 && byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            return value
        }
        guard bytes.count >= 20, bytes[4] == 45, bytes[7] == 45, bytes[10] == 84 || bytes[10] == 116,
              bytes[13] == 58, bytes[16] == 58,
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2), (1...12).contains(month),
              (1...31).contains(day), let hour = number(11, 2), let minute = number(14, 2),
              let second = number(17, 2), hour < 24, minute < 60, second < 61 else { return nil }
        var index = 19
        var fraction = 0.0
        if bytes[index] == 46 {
            var scale = 0.1
            index += 1
            while index < bytes.count, bytes[index] >= 48 && bytes[index] <= 57 {
                fraction += Double(bytes[index] - 48) * scale
                scale /= 10
                index += 1
            }
        }
        var offset = 0
        guard index < bytes.count else { return nil }
        if bytes[index] == 90 || bytes[index] == 122 {
            guard index + 1 == bytes.count else { return nil }
        } else if bytes[index] == 43 || bytes[index] == 45, index + 6 == bytes.count, bytes[index + 3] == 58,
                  let hours = number(index + 1, 2), let minutes = number(index + 4, 2) {
            offset = (hours * 60 + minutes) * 60 * (bytes[index] == 43 ? 1 : -1)
        } else {
            return nil
        }
        // Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146097 + dayOfEra - 719468
        let seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }
}
