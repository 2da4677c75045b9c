// Language runtimes and the launchers that stand between PID 1 and the program.

extension ProgramKnowledge {
    private static let goSignal = doc("https://pkg.go.dev/os/signal")
    private static let nodeSignals = doc("https://nodejs.org/api/process.html#signal-events")
    private static let javaSignals = doc("https://docs.oracle.com/javase/8/docs/technotes/guides/troubleshoot/signals006.html")
    private static let pythonSignal = doc("https://docs.python.org/3/library/signal.html")
    private static let rubySignal = doc("https://docs.ruby-lang.org/en/master/Signal.html")
    private static let npmSignals = doc("https://github.com/npm/cli/issues/6547")

    /// Runtimes: what an app that installs no handler of its own does on each signal.
    static let runtimes: [ProgramEntry] = [
        ProgramEntry(
            id: "go", name: "Go", kind: .runtime, executables: [],
            signals: [
                SignalMeaning(.term, .reraised, "the runtime catches every signal; without signal.Notify it exits "
                              + "by TERM, running no defers", goSignal),
                SignalMeaning(.int, .reraised, "exits by INT unless signal.Notify asked for it", goSignal),
                SignalMeaning(.quit, .fastStop, "dumps every goroutine's stack and exits 2", goSignal),
                SignalMeaning(.hup, .reraised, "exits by HUP unless signal.Notify asked for it", goSignal),
            ],
            fix: "signal.NotifyContext(ctx, syscall.SIGTERM), then http.Server.Shutdown with a deadline below the "
                + "grace period",
            notes: [
                Sourced("as PID 1 without Notify it exits with status 2: the re-raised TERM is dropped by the kernel",
                        doc("https://github.com/coder/coder/issues/337")),
                Sourced("Shutdown waits for idle connections, not hijacked ones (WebSockets): use RegisterOnShutdown",
                        doc("https://pkg.go.dev/net/http#Server.Shutdown")),
            ]),
        ProgramEntry(
            id: "node", name: "Node.js", kind: .runtime, executables: ["node", "nodejs"],
            signals: [
                SignalMeaning(.term, .reraised, "Node's own handler resets the terminal and exits 128+15 unless the "
                              + "program listens with process.on('SIGTERM')", nodeSignals),
                SignalMeaning(.int, .reraised, "the same as TERM for INT", nodeSignals),
            ],
            handlesStopSignalAsPID1: Sourced(false, doc(
                "https://github.com/nodejs/docker-node/blob/main/docs/BestPractices.md#handling-kernel-signals")),
            fix: "process.on('SIGTERM', () => server.close(() => process.exit(0))); as PID 1 run it under "
                + "--init or tini",
            notes: [
                Sourced("server.close() waits for idle keep-alive sockets before Node 19; closeIdleConnections() "
                        + "since 18.2", doc("https://nodejs.org/api/http.html#servercloseidleconnections")),
            ]),
        ProgramEntry(
            id: "jvm", name: "JVM", kind: .runtime, executables: ["java"],
            signals: [
                SignalMeaning(.term, .fastStop, "runs shutdown hooks (Spring drains there), then exits 143",
                              javaSignals),
                SignalMeaning(.int, .fastStop, "runs shutdown hooks, then exits 130", javaSignals),
                SignalMeaning(.hup, .fastStop, "runs shutdown hooks, then exits 129", javaSignals),
                SignalMeaning(.quit, .diagnostics, "prints a thread dump and keeps running", javaSignals),
            ],
            settings: [
                ProgramSetting("-Xrs", "no shutdown hooks run on QUIT, TERM, INT or HUP", javaSignals),
                ProgramSetting("server.shutdown=graceful", "Spring Boot drains web requests on TERM "
                               + "(spring.lifecycle.timeout-per-shutdown-phase, 30 s)",
                               doc("https://docs.spring.io/spring-boot/reference/web/graceful-shutdown.html")),
            ],
            handlesStopSignalAsPID1: Sourced(true, javaSignals),
            fix: "drain in a shutdown hook (Spring Boot: server.shutdown=graceful) and accept exit code 143"),
        ProgramEntry(
            id: "python", name: "Python", kind: .runtime, executables: [ProgramName("python", versioned: true)],
            signals: [
                SignalMeaning(.term, .defaultAction, "no handler: dies of TERM with no cleanup", pythonSignal),
                SignalMeaning(.int, .fastStop, "raises KeyboardInterrupt in the main thread", pythonSignal),
                SignalMeaning(.pipe, .ignored, "ignored (writes fail with BrokenPipeError)", pythonSignal),
            ],
            handlesStopSignalAsPID1: Sourced(false, measured("KnowledgeMeasuredTests/pythonAsPID1IgnoresTerm")),
            fix: "signal.signal(signal.SIGTERM, handler) that stops the server and exits 0"),
        ProgramEntry(
            id: "dotnet", name: ".NET", kind: .runtime, executables: ["dotnet"],
            signals: [
                SignalMeaning(.term, .gracefulStop, "the Generic Host (ASP.NET Core) stops hosted services within "
                              + "HostOptions.ShutdownTimeout", doc(
                                "https://learn.microsoft.com/en-us/dotnet/api/microsoft.extensions.hosting.hostoptions.shutdowntimeout")),
            ],
            settings: [
                ProgramSetting("HostOptions.ShutdownTimeout", "the host's stop deadline: 30 s since .NET 8, 5 s before",
                               doc("https://github.com/EventStore/EventStore/pull/4110")),
            ],
            fix: "use the Generic Host and keep HostOptions.ShutdownTimeout below the grace period"),
        ProgramEntry(
            id: "ruby", name: "Ruby", kind: .runtime, executables: [ProgramName("ruby", versioned: true)],
            signals: [
                SignalMeaning(.term, .reraised, "raises SignalException: ensure blocks and at_exit run, then it "
                              + "dies of TERM", rubySignal),
                SignalMeaning(.int, .reraised, "raises Interrupt, then dies of INT", rubySignal),
            ],
            fix: "Signal.trap('TERM') { stop accepting and exit 0 }, or let the server (Puma) own the signal"),
    ]

    /// Launchers: commands that start the program as their child, or replace themselves with it.
    static let launchers: [ProgramEntry] = [
        ProgramEntry(
            id: "npm", name: "npm", kind: .launcher, executables: ["npm", "npm-cli.js"], scripts: ["npm", "npm-cli.js"],
            signals: [SignalMeaning(.term, .forwarded, "npm 7+ forwards TERM to the script's process, except npm "
                                    + "9.6.7 to 10.2.x", npmSignals)],
            handlesStopSignalAsPID1: Sourced(false, doc("https://github.com/nodejs/docker-node/blob/main/docs/BestPractices.md")),
            fix: "run the program itself: CMD [\"node\", \"server.js\"], not npm start",
            notes: [
                Sourced("npm ≤ 6 never forwarded signals", doc("https://github.com/npm/npm/issues/4603")),
                Sourced("the forwarding regression of 9.6.7 was reverted in December 2023",
                        doc("https://github.com/npm/run-script/pull/188")),
                Sourced("a script with shell syntax runs under sh, which forwards nothing",
                        doc("https://github.com/npm/cli/issues/5776")),
            ]),
        ProgramEntry(
            id: "npx", name: "npx", kind: .launcher, executables: ["npx"], scripts: ["npx", "npx-cli.js"],
            signals: [SignalMeaning(.term, .forwarded, "npm exec: the same forwarding as npm", npmSignals)],
            fix: "install the tool in the image and run it directly, not through npx"),
        ProgramEntry(
            id: "yarn", name: "yarn", kind: .launcher, executables: ["yarn", "yarn.js"], scripts: ["yarn", "yarn.js"],
            signals: [SignalMeaning(.term, .forwarded, "yarn 1 forwards TERM but exits 1 at once without waiting "
                                    + "for the child", doc("https://github.com/yarnpkg/yarn/issues/4667"))],
            fix: "run the program itself: CMD [\"node\", \"server.js\"], not yarn start",
            notes: [Sourced("yarn 2+ forwards TERM since early 2021", doc("https://github.com/yarnpkg/berry/pull/2347"))]),
        ProgramEntry(
            id: "pnpm", name: "pnpm", kind: .launcher, executables: ["pnpm"], scripts: ["pnpm", "pnpm.cjs"],
            signals: [SignalMeaning(.term, .forwarded, "runs the script under a shell as its child",
                                    doc("https://pnpm.io/cli/run"))],
            fix: "run the program itself: CMD [\"node\", \"server.js\"], not pnpm start"),
        ProgramEntry(
            id: "flask-run", name: "flask run", kind: .launcher, executables: ["flask"], scripts: ["flask"],
            signals: [SignalMeaning(.term, .defaultAction, "the development server installs no TERM handler",
                                    doc("https://flask.palletsprojects.com/en/stable/deploying/"))],
            fix: "serve with a production server (gunicorn, whose TERM is graceful), not flask run",
            notes: [
                Sourced("with --reload (debug) a watcher process runs the server as its child",
                        doc("https://werkzeug.palletsprojects.com/en/stable/serving/")),
            ]),
        ProgramEntry(
            id: "opentelemetry-instrument", name: "opentelemetry-instrument", kind: .launcher,
            executables: ["opentelemetry-instrument"], scripts: ["opentelemetry-instrument"],
            signals: [SignalMeaning(.term, .forwarded, "execs the program in place, so the program gets TERM itself",
                                    doc("https://github.com/open-telemetry/opentelemetry-python-contrib/blob/main/opentelemetry-instrumentation/src/opentelemetry/instrumentation/auto_instrumentation/__init__.py"))],
            forwardsStopSignal: Sourced(true, doc("https://github.com/open-telemetry/opentelemetry-python-contrib/blob/main/opentelemetry-instrumentation/src/opentelemetry/instrumentation/auto_instrumentation/__init__.py")),
            fix: "nothing to change: it execs the program"),
        ProgramEntry(
            id: "bundle-exec", name: "bundle exec", kind: .launcher, executables: ["bundle", "bundler"],
            scripts: ["bundle", "bundler"],
            signals: [SignalMeaning(.term, .forwarded, "loads a Ruby script in its own process or execs the command",
                                    doc("https://bundler.io/man/bundle-exec.1.html"))],
            forwardsStopSignal: Sourced(true, doc("https://bundler.io/man/bundle-exec.1.html")),
            fix: "nothing to change: the program replaces bundle exec"),
    ]
}
