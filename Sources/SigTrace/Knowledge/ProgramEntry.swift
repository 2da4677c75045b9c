/// What kind of program an entry describes; decides which of its facts matter.
public enum ProgramKind: String, Sendable, Hashable, CaseIterable {
    /// A network server or worker that a platform stops: nginx, PostgreSQL, gunicorn.
    case server
    /// A process supervisor that runs several programs: supervisord, s6-overlay.
    case supervisor
    /// A language runtime whose defaults decide what an app without its own handler does: Go, Node, the JVM.
    case runtime
    /// A command that starts the real program as its child: npm, yarn, `flask run`, `bundle exec`.
    case launcher
    /// A minimal init meant to be PID 1: tini, dumb-init, catatonit.
    case initProcess = "init"
    /// A POSIX shell: what it does with the last command of a script and with TERM.
    case shell
}

/// What a signal makes a program do.
public enum SignalEffect: String, Sendable, Hashable {
    /// Stops accepting new work, lets in-flight work finish, then exits.
    case gracefulStop = "graceful-stop"
    /// Exits promptly with its own cleanup, cutting open connections or sessions.
    case fastStop = "fast-stop"
    /// Exits at once without a clean shutdown (PostgreSQL's QUIT: recovery on the next start).
    case immediateStop = "immediate-stop"
    /// Restarts itself or its workers (uWSGI's TERM without --die-on-term): the process keeps running.
    case reload
    /// Re-reads its configuration and replaces workers without dropping work.
    case gracefulReload = "graceful-reload"
    /// Reopens its log files.
    case reopenLogs = "reopen-logs"
    /// Nothing installed a handler: the kernel's default action ends it (ignored when PID 1 of a namespace).
    case defaultAction = "default-action"
    /// Caught by the runtime, which cleans up and re-raises it, so the process still dies of it.
    case reraised
    /// Passed on to the child (inits, launchers).
    case forwarded
    /// Prints diagnostics (a thread or goroutine dump) and keeps running.
    case diagnostics
    /// Ignored or dropped.
    case ignored

    /// True when the program ends (one way or another) on this signal.
    public var stopsProgram: Bool {
        switch self {
        case .gracefulStop, .fastStop, .immediateStop, .defaultAction, .reraised: true
        case .reload, .gracefulReload, .reopenLogs, .forwarded, .diagnostics, .ignored: false
        }
    }
}

/// One signal's meaning for one program, with its source.
public struct SignalMeaning: Sendable, Hashable {
    public var signal: Signal
    public var effect: SignalEffect
    /// The program's own words or a short paraphrase: "smart shutdown: waits for every client to disconnect".
    public var summary: String
    public var source: FactSource

    public init(_ signal: Signal, _ effect: SignalEffect, _ summary: String, _ source: FactSource) {
        self.signal = signal
        self.effect = effect
        self.summary = summary
        self.source = source
    }
}

/// A setting of the program itself that changes how it stops (php-fpm `process_control_timeout`,
/// uWSGI `--die-on-term`, gunicorn `--graceful-timeout`).
public struct ProgramSetting: Sendable, Hashable {
    /// The setting as written: `process_control_timeout = 10s`, `--die-on-term`.
    public var setting: String
    /// What it changes at stop time.
    public var effect: String
    public var source: FactSource

    public init(_ setting: String, _ effect: String, _ source: FactSource) {
        self.setting = setting
        self.effect = effect
        self.source = source
    }
}

/// A command-line switch or environment variable that changes what a signal does to a program: uWSGI 2.0 reloads
/// on TERM unless started with `--die-on-term`.
public struct SignalOverride: Sendable, Hashable {
    /// What the signal does when the switch is on.
    public var meaning: SignalMeaning
    /// The switch as written on the command line: `--die-on-term` (also matched as `--die-on-term=...`).
    public var flags: [String]
    /// Environment variables that turn it on: `UWSGI_DIE_ON_TERM`.
    public var environment: [String]
    /// Options that load a configuration file which may turn it on unseen (`--ini`), and file suffixes the program
    /// loads when given as a bare argument (`.ini`): sigscope cannot then be sure.
    public var configOptions: [String]
    public var configSuffixes: [String]

    public init(_ meaning: SignalMeaning, flags: [String], environment: [String] = [], configOptions: [String] = [],
                configSuffixes: [String] = []) {
        self.meaning = meaning
        self.flags = flags
        self.environment = environment
        self.configOptions = configOptions
        self.configSuffixes = configSuffixes
    }
}

/// What a signal does to one running program, given how it was started.
public struct ResolvedMeaning: Sendable, Hashable {
    public var meaning: SignalMeaning
    /// The override's switch that is on (`--die-on-term`), nil when the entry's plain meaning applies.
    public var switchedBy: String?
    /// A configuration file that may change it unseen (`--ini app.ini`); nil when the command line says it all.
    public var configFile: String?
}

/// How a name in /proc or a command line is matched against an entry.
public struct ProgramName: Sendable, Hashable, ExpressibleByStringLiteral {
    public var name: String
    /// True when a version may follow the name: `php-fpm` matches `php-fpm8.2`, `python` matches `python3.11`.
    public var versioned: Bool

    public init(_ name: String, versioned: Bool = false) {
        self.name = name
        self.versioned = versioned
    }

    public init(stringLiteral value: String) {
        self.init(value)
    }

    /// True when `candidate` (a basename) is this name, or this name followed by a version.
    public func matches(_ candidate: String) -> Bool {
        if candidate == name { return true }
        guard versioned, candidate.hasPrefix(name) else { return false }
        let rest = candidate.dropFirst(name.count)
        return !rest.isEmpty && rest.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" }
    }
}

/// Everything sigscope knows about one program's stop behaviour, each fact with its source.
public struct ProgramEntry: Sendable, Hashable, Identifiable {
    /// A stable key: `nginx`, `postgresql`, `node`.
    public var id: String
    /// The name users know it by: `PostgreSQL`, `Apache httpd`.
    public var name: String
    public var kind: ProgramKind
    /// Executable basenames and comms it runs as (`postgres`, `php-fpm8.2`, `apache2`).
    public var executables: [ProgramName]
    /// For programs that are scripts run by an interpreter (gunicorn, supervisord): the script's basename or the
    /// module given to `python -m`.
    public var scripts: [ProgramName]
    /// What each signal that matters at stop time does to it.
    public var signals: [SignalMeaning]
    /// Its own settings that change its stop.
    public var settings: [ProgramSetting]
    /// True when it waits for (reaps) children that are not its own workers: what PID 1 must do.
    public var reapsChildren: Sourced<Bool>?
    /// True when, as PID 1 of a PID namespace (a container's main process), it handles its stop signal; false when
    /// the kernel drops that signal because no handler is installed.
    public var handlesStopSignalAsPID1: Sourced<Bool>?
    /// For shells: true when `sh -c 'a; b'` replaces itself with the last simple command (exec), so the command
    /// becomes PID 1 and receives the stop signal directly.
    public var execsLastCommand: Sourced<Bool>?
    /// For launchers and inits: true when the stop signal it receives reaches the real program.
    public var forwardsStopSignal: Sourced<Bool>?
    /// The signal a platform should stop it with (STOPSIGNAL, `lifecycle.stopSignal`, `KillSignal=`), when that is
    /// not simply its graceful one: PostgreSQL's TERM waits for every client, so its images stop it with INT.
    public var platformStopSignal: Sourced<Signal>?
    /// The one thing to change so it stops cleanly, in the program's own terms.
    public var fix: String?
    /// Further facts worth saying about its stop.
    public var notes: [Sourced<String>]
    /// Switches that change what a signal does (uWSGI's `--die-on-term`).
    public var overrides: [SignalOverride] = []

    public init(id: String, name: String, kind: ProgramKind, executables: [ProgramName], scripts: [ProgramName] = [],
                signals: [SignalMeaning], settings: [ProgramSetting] = [], reapsChildren: Sourced<Bool>? = nil,
                handlesStopSignalAsPID1: Sourced<Bool>? = nil, execsLastCommand: Sourced<Bool>? = nil,
                forwardsStopSignal: Sourced<Bool>? = nil, platformStopSignal: Sourced<Signal>? = nil,
                fix: String? = nil, notes: [Sourced<String>] = [], overrides: [SignalOverride] = []) {
        self.id = id
        self.name = name
        self.kind = kind
        self.executables = executables
        self.scripts = scripts
        self.signals = signals
        self.settings = settings
        self.reapsChildren = reapsChildren
        self.handlesStopSignalAsPID1 = handlesStopSignalAsPID1
        self.execsLastCommand = execsLastCommand
        self.forwardsStopSignal = forwardsStopSignal
        self.platformStopSignal = platformStopSignal
        self.fix = fix
        self.notes = notes
        self.overrides = overrides
    }

    /// What `signal` does to it, when known.
    public func meaning(of signal: Signal) -> SignalMeaning? {
        signals.first { $0.signal == signal }
    }

    /// What `signal` does to it when started with `commandLine` and `environment` (`NAME=value` strings): an
    /// override whose switch is on wins; a configuration file that could turn one on is named in `configFile`.
    public func meaning(of signal: Signal, commandLine: [String], environment: [String] = []) -> ResolvedMeaning? {
        for override in overrides where override.meaning.signal == signal {
            let flag = commandLine.first { argument in
                override.flags.contains { argument == $0 || argument.hasPrefix($0 + "=") }
            }
            let variable = environment.first { entry in
                override.environment.contains { entry.hasPrefix($0 + "=") && !entry.hasSuffix("=") }
            }
            if let on = flag ?? variable.map({ String($0.prefix { $0 != "=" }) }) {
                return ResolvedMeaning(meaning: override.meaning, switchedBy: on, configFile: nil)
            }
        }
        guard let plain = meaning(of: signal) else { return nil }
        var configFile: String?
        for override in overrides where override.meaning.signal == signal {
            for (index, argument) in commandLine.enumerated().dropFirst() where configFile == nil {
                if override.configOptions.contains(argument) {
                    configFile = argument + (index + 1 < commandLine.count ? " " + commandLine[index + 1] : "")
                } else if let option = override.configOptions.first(where: { argument.hasPrefix($0 + "=") }) {
                    configFile = option + " " + argument.dropFirst(option.count + 1)
                } else if !argument.hasPrefix("-"), override.configSuffixes.contains(where: argument.hasSuffix) {
                    configFile = argument
                }
            }
        }
        return ResolvedMeaning(meaning: plain, switchedBy: nil, configFile: configFile)
    }

    /// The signal that stops it gracefully (drains in-flight work), when it has one.
    public var gracefulStop: SignalMeaning? { signals.first { $0.effect == .gracefulStop } }

    /// The signal that stops it promptly with its own cleanup, when it has one.
    public var fastStop: SignalMeaning? { signals.first { $0.effect == .fastStop } }

    /// The signal a platform should send to stop it: the one its maintainers or official image chose, else its
    /// graceful one, else its fast one, else TERM.
    public var recommendedStopSignal: Signal {
        platformStopSignal?.value ?? gracefulStop?.signal ?? fastStop?.signal ?? .term
    }

    /// True when TERM, every platform's default, is not the signal it should be stopped with.
    public var needsStopSignalChange: Bool { recommendedStopSignal != .term }
}
