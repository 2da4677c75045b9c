// Servers and supervisors: what each signal does to them at stop time, each fact with its source.
// Tests that measure a fact on the real program (Debian or PyPI) are named in `measured(...)`.

extension ProgramKnowledge {
    private static let nginxControl = doc("http://nginx.org/en/docs/control.html")
    private static let httpdStopping = doc("https://httpd.apache.org/docs/2.4/stopping.html")
    private static let haproxyManagement = doc("https://docs.haproxy.org/2.8/management.html#4")
    private static let phpFpmManual = doc("https://www.php.net/manual/en/install.fpm.configuration.php")
    private static let phpFpmSignals = doc(
        "https://github.com/php/php-src/blob/17baa87faddc2550def3ae7314236826bc1b1398/sapi/fpm/php-fpm.8.in#L163")
    private static let postgresShutdown = doc("https://www.postgresql.org/docs/current/server-shutdown.html")
    private static let mysqlSignals = doc("https://dev.mysql.com/doc/refman/8.0/en/unix-signal-response.html")
    private static let redisSignals = doc("https://redis.io/docs/latest/operate/oss_and_stack/reference/signals/")
    private static let gunicornSignals = doc("https://docs.gunicorn.org/en/stable/signals.html")
    private static let uwsgiManagement = doc("https://uwsgi-docs.readthedocs.io/en/latest/Management.html")
    private static let supervisordSignals = doc("http://supervisord.org/running.html#signals")
    private static let s6Overlay = doc("https://github.com/just-containers/s6-overlay#readme")

    /// Network servers, databases and workers.
    static let servers: [ProgramEntry] = [
        ProgramEntry(
            id: "nginx", name: "nginx", kind: .server, executables: ["nginx"],
            signals: [
                SignalMeaning(.term, .fastStop, "fast shutdown: open connections are closed", nginxControl),
                SignalMeaning(.int, .fastStop, "fast shutdown", nginxControl),
                SignalMeaning(.quit, .gracefulStop, "graceful shutdown: stops listening, finishes open requests",
                              nginxControl),
                SignalMeaning(.hup, .gracefulReload, "reloads its configuration, replaces workers gracefully",
                              nginxControl),
                SignalMeaning(.usr1, .reopenLogs, "reopens log files", nginxControl),
            ],
            settings: [
                ProgramSetting("worker_shutdown_timeout 25s;", "caps how long QUIT's graceful shutdown waits for "
                               + "open connections", doc("http://nginx.org/en/docs/ngx_core_module.html#worker_shutdown_timeout")),
            ],
            reapsChildren: Sourced(true, doc("https://github.com/nginx/nginx/blob/master/src/os/unix/ngx_process.c")),
            handlesStopSignalAsPID1: Sourced(true, nginxControl),
            platformStopSignal: Sourced(.quit, doc("https://github.com/nginx/docker-nginx/pull/457")),
            fix: "stop it with SIGQUIT (graceful shutdown); TERM is nginx's fast shutdown",
            notes: [
                Sourced("the official image stops with SIGQUIT only since 2020-11-24 (nginx 1.19.5); older tags "
                        + "stop with TERM", doc("https://github.com/nginx/docker-nginx/issues/377")),
            ]),
        ProgramEntry(
            id: "apache-httpd", name: "Apache httpd", kind: .server, executables: ["httpd", "apache2"],
            signals: [
                SignalMeaning(.term, .fastStop, "stop now: children are killed, requests in progress are aborted",
                              httpdStopping),
                SignalMeaning(.winch, .gracefulStop, "graceful-stop: stops listening, lets requests finish",
                              httpdStopping),
                SignalMeaning(.hup, .reload, "restart now: children are killed, configuration re-read",
                              httpdStopping),
                SignalMeaning(.usr1, .gracefulReload, "graceful restart", httpdStopping),
            ],
            settings: [
                ProgramSetting("GracefulShutdownTimeout 25", "caps graceful-stop; the default 0 waits for every "
                               + "request however long", doc("https://httpd.apache.org/docs/2.4/mod/mpm_common.html#gracefulshutdowntimeout")),
            ],
            handlesStopSignalAsPID1: Sourced(true, httpdStopping),
            platformStopSignal: Sourced(.winch, doc("https://github.com/docker-library/httpd/issues/145")),
            fix: "stop it with SIGWINCH (graceful-stop) and set GracefulShutdownTimeout below the grace period; "
                + "TERM aborts requests in progress",
            notes: [
                Sourced("the official httpd image stops with SIGWINCH since 2019-08-21 (httpd 2.4.41)",
                        doc("https://github.com/docker-library/official-images/pull/6512")),
                Sourced("SIGWINCH is also what a terminal sends on resize: `docker run -it httpd` stops when the "
                        + "window is resized", doc("https://github.com/docker-library/httpd/issues/9")),
            ]),
        ProgramEntry(
            id: "haproxy", name: "HAProxy", kind: .server, executables: ["haproxy"],
            signals: [
                SignalMeaning(.term, .fastStop, "hard stop: quits at once, established connections are closed",
                              haproxyManagement),
                SignalMeaning(.int, .fastStop, "hard stop", haproxyManagement),
                SignalMeaning(.usr1, .gracefulStop, "soft-stop: stops listening, waits for connections to end",
                              haproxyManagement),
                SignalMeaning(.usr2, .gracefulReload, "reload in master-worker mode", haproxyManagement),
                SignalMeaning(.hup, .gracefulReload, "reload in master-worker mode", haproxyManagement),
            ],
            settings: [
                ProgramSetting("hard-stop-after 25s", "ends a soft-stop that would outlast the grace period",
                               doc("https://docs.haproxy.org/2.8/configuration.html#3.1-hard-stop-after")),
            ],
            handlesStopSignalAsPID1: Sourced(true, haproxyManagement),
            platformStopSignal: Sourced(.usr1, doc("https://github.com/docker-library/haproxy/pull/72")),
            fix: "stop it with SIGUSR1 (soft-stop) and set hard-stop-after below the grace period; TERM closes "
                + "every connection at once",
            notes: [
                Sourced("the official image stops with SIGUSR1 since 2018-08",
                        doc("https://github.com/docker-library/official-images/pull/4781")),
            ]),
        ProgramEntry(
            id: "php-fpm", name: "php-fpm", kind: .server, executables: [ProgramName("php-fpm", versioned: true)],
            signals: [
                SignalMeaning(.term, .fastStop, "immediate termination: requests in progress are cut", phpFpmSignals),
                SignalMeaning(.int, .fastStop, "immediate termination", phpFpmSignals),
                SignalMeaning(.quit, .gracefulStop, "graceful stop", phpFpmSignals),
                SignalMeaning(.usr1, .reopenLogs, "reopens log files", phpFpmSignals),
                SignalMeaning(.usr2, .gracefulReload, "graceful reload of workers and configuration", phpFpmSignals),
            ],
            settings: [
                ProgramSetting("process_control_timeout = 25s", "how long workers get to finish on QUIT; the "
                               + "default 0 does not wait", phpFpmManual),
            ],
            handlesStopSignalAsPID1: Sourced(true, phpFpmSignals),
            platformStopSignal: Sourced(.quit, doc("https://github.com/docker-library/php/pull/816")),
            fix: "stop it with SIGQUIT (graceful stop) and set process_control_timeout in php-fpm.conf [global]; "
                + "TERM cuts requests in progress",
            notes: [
                Sourced("graceful stop needs process_control_timeout > 0",
                        doc("https://github.com/uselagoon/lagoon-images/issues/444")),
                Sourced("under s6-overlay the image's SIGQUIT is wrong: s6 wants TERM",
                        doc("https://github.com/serversideup/docker-php/issues/529")),
            ]),
        ProgramEntry(
            id: "postgresql", name: "PostgreSQL", kind: .server, executables: ["postgres", "postmaster"],
            signals: [
                SignalMeaning(.term, .gracefulStop, "smart shutdown: refuses new connections, waits for every "
                              + "session to end", postgresShutdown),
                SignalMeaning(.int, .fastStop, "fast shutdown: rolls back transactions, disconnects clients, "
                              + "writes a checkpoint", postgresShutdown),
                SignalMeaning(.quit, .immediateStop, "immediate shutdown: no checkpoint, recovery on next start",
                              postgresShutdown),
                SignalMeaning(.hup, .gracefulReload, "reloads its configuration files",
                              doc("https://www.postgresql.org/docs/current/app-postgres.html")),
            ],
            reapsChildren: Sourced(true, doc(
                "https://github.com/postgres/postgres/blob/master/src/backend/postmaster/postmaster.c")),
            handlesStopSignalAsPID1: Sourced(true, postgresShutdown),
            platformStopSignal: Sourced(.int, doc("https://github.com/docker-library/postgres/pull/763")),
            fix: "stop it with SIGINT (fast shutdown: clean, does not wait for clients); TERM is smart shutdown, "
                + "which waits for every client and is SIGKILLed at the end of the grace period",
            notes: [
                Sourced("the official image stops with SIGINT since 2020-09-24",
                        doc("https://github.com/docker-library/official-images/pull/8770")),
                Sourced("smart shutdown under docker stop ends in SIGKILL and crash recovery when a client stays "
                        + "connected", doc("https://github.com/docker-library/postgres/issues/714")),
            ]),
        ProgramEntry(
            id: "mysql", name: "MySQL/MariaDB", kind: .server, executables: ["mysqld", "mariadbd"],
            signals: [
                SignalMeaning(.term, .fastStop, "normal shutdown: refuses connections, ends client threads, "
                              + "flushes, exits", mysqlSignals),
                SignalMeaning(.hup, .gracefulReload, "reloads grant tables, flushes tables and logs", mysqlSignals),
                SignalMeaning(.usr1, .reopenLogs, "flushes the error, general and slow query logs", mysqlSignals),
                SignalMeaning(.int, .ignored, "ignored unless started with --gdb", mysqlSignals),
            ],
            settings: [
                ProgramSetting("innodb_fast_shutdown", "how much InnoDB flushes at shutdown; a large buffer pool can "
                               + "take longer than the grace period",
                               doc("https://dev.mysql.com/doc/refman/8.0/en/innodb-parameters.html#sysvar_innodb_fast_shutdown")),
            ],
            handlesStopSignalAsPID1: Sourced(true, mysqlSignals),
            fix: "TERM is its clean shutdown: give it a grace period longer than its buffer-pool flush",
            notes: [Sourced("MariaDB: the same signals", doc("https://mariadb.com/kb/en/shutdown/"))]),
        ProgramEntry(
            id: "redis", name: "Redis", kind: .server, executables: ["redis-server"],
            signals: [
                SignalMeaning(.term, .gracefulStop, "shuts down: saves an RDB snapshot if persistence is on, exits 0",
                              redisSignals),
                SignalMeaning(.int, .gracefulStop, "the same as TERM", redisSignals),
            ],
            settings: [
                ProgramSetting("shutdown-on-sigterm", "what TERM does (default, save, nosave, now, force; Redis 7)",
                               doc("https://raw.githubusercontent.com/redis/redis/7.0/redis.conf")),
                ProgramSetting("shutdown-timeout 10", "how long shutdown waits for replicas to catch up (Redis 7)",
                               doc("https://raw.githubusercontent.com/redis/redis/7.0/redis.conf")),
            ],
            reapsChildren: Sourced(true, doc("https://github.com/redis/redis/blob/unstable/src/server.c")),
            handlesStopSignalAsPID1: Sourced(true, redisSignals),
            fix: "TERM is its clean shutdown; a big dataset's final save must fit in the grace period"),
        ProgramEntry(
            id: "memcached", name: "memcached", kind: .server, executables: ["memcached"],
            signals: [
                SignalMeaning(.term, .fastStop, "exits at once; the cache is lost",
                              doc("https://github.com/memcached/memcached/blob/master/memcached.c")),
                SignalMeaning(.int, .fastStop, "exits at once",
                              doc("https://github.com/memcached/memcached/blob/master/memcached.c")),
            ],
            handlesStopSignalAsPID1: Sourced(true, doc("https://github.com/memcached/memcached/blob/master/memcached.c")),
            fix: "TERM is fine: a cache has nothing to drain",
            notes: [
                Sourced("with a memory file (-e) SIGUSR1 stops it keeping the cache for a warm restart",
                        doc("https://github.com/memcached/memcached/wiki/WarmRestart")),
            ]),
        ProgramEntry(
            id: "mongodb", name: "MongoDB", kind: .server, executables: ["mongod", "mongos"],
            signals: [
                SignalMeaning(.term, .gracefulStop, "clean shutdown: a primary steps down first, then data is flushed",
                              doc("https://www.mongodb.com/docs/manual/tutorial/manage-mongodb-processes/")),
                SignalMeaning(.int, .gracefulStop, "the same as TERM",
                              doc("https://www.mongodb.com/docs/manual/tutorial/manage-mongodb-processes/")),
            ],
            settings: [
                ProgramSetting("shutdownTimeoutMillisForSignaledShutdown", "how long a primary waits for a "
                               + "secondary to catch up before stepping down on TERM (default 15 s)",
                               doc("https://www.mongodb.com/docs/manual/reference/parameters/")),
            ],
            handlesStopSignalAsPID1: Sourced(true, doc("https://www.mongodb.com/docs/manual/tutorial/manage-mongodb-processes/")),
            fix: "TERM is its clean shutdown; never SIGKILL it: give it a grace period above its step-down time"),
        ProgramEntry(
            id: "lighttpd", name: "lighttpd", kind: .server, executables: ["lighttpd"],
            signals: [
                SignalMeaning(.term, .fastStop, "immediate shutdown",
                              doc("https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_graceful-shutdown-timeoutDetails")),
                SignalMeaning(.int, .gracefulStop, "graceful shutdown: stops listening, finishes requests",
                              doc("https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_graceful-shutdown-timeoutDetails")),
                SignalMeaning(.usr1, .gracefulReload, "graceful restart",
                              doc("https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_graceful-shutdown-timeoutDetails")),
                SignalMeaning(.hup, .reopenLogs, "reopens log files",
                              doc("https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_graceful-shutdown-timeoutDetails")),
            ],
            settings: [
                ProgramSetting("server.graceful-shutdown-timeout = 25", "caps INT's graceful shutdown",
                               doc("https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_graceful-shutdown-timeoutDetails")),
            ],
            handlesStopSignalAsPID1: Sourced(true, doc("https://redmine.lighttpd.net/projects/lighttpd/wiki/Server_graceful-shutdown-timeoutDetails")),
            fix: "stop it with SIGINT (graceful shutdown) and set server.graceful-shutdown-timeout; TERM is "
                + "immediate"),
        ProgramEntry(
            id: "gunicorn", name: "gunicorn", kind: .server, executables: ["gunicorn"], scripts: ["gunicorn"],
            signals: [
                SignalMeaning(.term, .gracefulStop, "graceful shutdown: waits for workers to finish their requests "
                              + "up to graceful_timeout", gunicornSignals),
                SignalMeaning(.int, .fastStop, "quick shutdown", gunicornSignals),
                SignalMeaning(.quit, .fastStop, "quick shutdown", gunicornSignals),
                SignalMeaning(.hup, .gracefulReload, "reloads configuration, replaces workers gracefully",
                              gunicornSignals),
                SignalMeaning(.usr1, .reopenLogs, "reopens log files", gunicornSignals),
            ],
            settings: [
                ProgramSetting("--graceful-timeout 25", "how long TERM waits for workers (default 30 s, the same "
                               + "as Kubernetes' whole grace period)",
                               doc("https://docs.gunicorn.org/en/stable/settings.html#graceful-timeout")),
            ],
            handlesStopSignalAsPID1: Sourced(true, gunicornSignals),
            fix: "TERM is its graceful shutdown; keep --graceful-timeout below the grace period"),
        ProgramEntry(
            id: "uwsgi", name: "uWSGI", kind: .server, executables: ["uwsgi", "uwsgi-core"], scripts: ["uwsgi"],
            signals: [
                SignalMeaning(.term, .reload, "uWSGI 2.0: brutally reloads all workers and the master unless "
                              + "--die-on-term", uwsgiManagement),
                SignalMeaning(.int, .fastStop, "kills the whole uWSGI stack at once", uwsgiManagement),
                SignalMeaning(.quit, .fastStop, "kills the whole uWSGI stack at once", uwsgiManagement),
                SignalMeaning(.hup, .gracefulReload, "graceful reload", uwsgiManagement),
            ],
            settings: [
                ProgramSetting("--die-on-term", "TERM shuts uWSGI down instead of reloading it", uwsgiManagement),
                ProgramSetting("--hook-master-start \"unix_signal:15 gracefully_kill_them_all\"",
                               "TERM becomes a graceful shutdown that lets workers finish", uwsgiManagement),
            ],
            handlesStopSignalAsPID1: Sourced(true, uwsgiManagement),
            fix: "start it with --die-on-term (or die-on-term = true in its ini): uWSGI 2.0 reloads on TERM",
            notes: [
                Sourced("SIGTERM doesn't stop it: \"brutally killing workers... binary reloading\"",
                        doc("https://github.com/getsentry/sentry/issues/2845")),
                Sourced("uWSGI 2.0.21 without --die-on-term was still running 10 s after TERM (its workers "
                        + "respawned); with it, TERM ended it in about 1 s", measured("RealRuntimeServerTests/uwsgiTerm")),
            ],
            overrides: [
                SignalOverride(
                    SignalMeaning(.term, .fastStop, "shuts uWSGI down (--die-on-term)", uwsgiManagement),
                    flags: ["--die-on-term"], environment: ["UWSGI_DIE_ON_TERM"],
                    configOptions: ["--ini", "--yaml", "--yml", "--json", "--js", "--xml", "--include",
                                    "--config", "--sqlite3", "--ldap"],
                    configSuffixes: [".ini", ".yaml", ".yml", ".json", ".js", ".xml"]),
            ]),
        ProgramEntry(
            id: "uvicorn", name: "uvicorn", kind: .server, executables: ["uvicorn"], scripts: ["uvicorn"],
            signals: [
                SignalMeaning(.term, .gracefulStop, "graceful shutdown: stops accepting, waits for requests and "
                              + "lifespan shutdown", doc("https://www.uvicorn.org/server-behavior/")),
                SignalMeaning(.int, .gracefulStop, "the same as TERM; a second one forces exit",
                              doc("https://www.uvicorn.org/server-behavior/")),
            ],
            settings: [
                ProgramSetting("--timeout-graceful-shutdown 25", "caps the wait for open requests and connections",
                               doc("https://www.uvicorn.org/settings/")),
            ],
            handlesStopSignalAsPID1: Sourced(true, doc("https://www.uvicorn.org/server-behavior/")),
            fix: "TERM is its graceful shutdown; set --timeout-graceful-shutdown below the grace period",
            notes: [
                Sourced("it installs its own INT and TERM handlers over the app's",
                        doc("https://docs.vllm.ai/en/latest/api/vllm/entrypoints/launchers/launcher/")),
                Sourced("TLS keep-alive connections can hold shutdown for about 30 s",
                        doc("https://github.com/encode/uvicorn/discussions/2327")),
            ]),
        ProgramEntry(
            id: "puma", name: "Puma", kind: .server, executables: ["puma"], scripts: ["puma"],
            signals: [
                SignalMeaning(.term, .gracefulStop, "workers finish their requests, then exit",
                              doc("https://github.com/puma/puma/blob/master/docs/signals.md")),
                SignalMeaning(.int, .gracefulStop, "like Ctrl-C: finish, then exit",
                              doc("https://github.com/puma/puma/blob/master/docs/signals.md")),
                SignalMeaning(.usr2, .reload, "restarts the workers", doc("https://github.com/puma/puma/blob/master/docs/signals.md")),
                SignalMeaning(.usr1, .gracefulReload, "phased restart",
                              doc("https://github.com/puma/puma/blob/master/docs/signals.md")),
            ],
            settings: [
                ProgramSetting("worker_shutdown_timeout 25", "how long workers get after TERM (default 30 s)",
                               doc("https://github.com/puma/puma/blob/master/lib/puma/dsl.rb")),
            ],
            handlesStopSignalAsPID1: Sourced(true, doc("https://github.com/puma/puma/blob/master/docs/signals.md")),
            fix: "TERM is its graceful shutdown; keep worker_shutdown_timeout below the grace period",
            notes: [
                Sourced("Puma does not handle QUIT", doc("https://gitlab.com/gitlab-org/gitlab/-/merge_requests/54446")),
            ]),
        ProgramEntry(
            id: "celery", name: "Celery worker", kind: .server, executables: ["celery"], scripts: ["celery"],
            signals: [
                SignalMeaning(.term, .gracefulStop, "warm shutdown: finishes the tasks it is running, then exits",
                              doc("https://docs.celeryq.dev/en/stable/userguide/workers.html#stopping-the-worker")),
                SignalMeaning(.int, .gracefulStop, "warm shutdown",
                              doc("https://docs.celeryq.dev/en/stable/userguide/workers.html#stopping-the-worker")),
                SignalMeaning(.quit, .fastStop, "cold shutdown: ends running tasks at once",
                              doc("https://docs.celeryq.dev/en/stable/userguide/workers.html#stopping-the-worker")),
            ],
            handlesStopSignalAsPID1: Sourced(true, doc("https://docs.celeryq.dev/en/stable/userguide/workers.html#stopping-the-worker")),
            fix: "TERM is its warm shutdown: tasks longer than the grace period are lost unless acks_late "
                + "requeues them"),
        ProgramEntry(
            id: "caddy", name: "Caddy", kind: .server, executables: ["caddy"],
            signals: [
                SignalMeaning(.term, .gracefulStop, "graceful exit", doc("https://caddyserver.com/docs/command-line")),
                SignalMeaning(.int, .gracefulStop, "graceful exit; a second INT forces it",
                              doc("https://caddyserver.com/docs/command-line")),
                SignalMeaning(.quit, .fastStop, "quits at once, cleaning up storage locks",
                              doc("https://caddyserver.com/docs/command-line")),
            ],
            handlesStopSignalAsPID1: Sourced(true, doc("https://caddyserver.com/docs/command-line")),
            fix: "TERM is its graceful exit; `grace_period` in the global options caps it"),
        ProgramEntry(
            id: "envoy", name: "Envoy", kind: .server, executables: ["envoy"],
            signals: [
                SignalMeaning(.term, .fastStop, "shuts down without draining listeners",
                              doc("https://www.envoyproxy.io/docs/envoy/latest/operations/cli")),
                SignalMeaning(.int, .fastStop, "the same as TERM",
                              doc("https://www.envoyproxy.io/docs/envoy/latest/operations/cli")),
            ],
            handlesStopSignalAsPID1: Sourced(true, doc("https://www.envoyproxy.io/docs/envoy/latest/operations/cli")),
            fix: "drain before TERM: a preStop that POSTs /drain_listeners?graceful to the admin port and waits "
                + "(Envoy Gateway's shutdown manager does this)",
            notes: [
                Sourced("Envoy Gateway drains, polls server.total_connections, exits at zero or after drainTimeout",
                        doc("https://gateway.envoyproxy.io/v1.10/tasks/operations/graceful-shutdown/")),
                Sourced("in Istio, pilot-agent kills Envoy terminationDrainDuration (5 s) after TERM",
                        doc("https://github.com/istio/istio/issues/34855")),
            ]),
        ProgramEntry(
            id: "mosquitto", name: "Mosquitto", kind: .server, executables: ["mosquitto"],
            signals: [
                SignalMeaning(.term, .fastStop, "exits: saves persistence (if on), disconnects clients",
                              doc("https://mosquitto.org/man/mosquitto-8.html")),
                SignalMeaning(.int, .fastStop, "the same as TERM", doc("https://mosquitto.org/man/mosquitto-8.html")),
                SignalMeaning(.hup, .gracefulReload, "reloads its configuration",
                              doc("https://mosquitto.org/man/mosquitto-8.html")),
            ],
            handlesStopSignalAsPID1: Sourced(true, doc("https://mosquitto.org/man/mosquitto-8.html")),
            fix: "TERM is its clean exit"),
        ProgramEntry(
            id: "supervisord", name: "supervisord", kind: .supervisor, executables: ["supervisord"],
            scripts: ["supervisord"],
            signals: [
                SignalMeaning(.term, .gracefulStop, "stops every program with its stopsignal, waits up to "
                              + "stopwaitsecs each, then exits", supervisordSignals),
                SignalMeaning(.int, .gracefulStop, "the same as TERM", supervisordSignals),
                SignalMeaning(.quit, .gracefulStop, "the same as TERM", supervisordSignals),
                SignalMeaning(.hup, .gracefulReload, "stops all programs, reloads configuration, restarts them",
                              supervisordSignals),
                SignalMeaning(.usr2, .reopenLogs, "reopens its logs", supervisordSignals),
            ],
            settings: [
                ProgramSetting("stopsignal=QUIT", "the signal each [program:x] gets (nginx: QUIT, php-fpm: QUIT)",
                               doc("http://supervisord.org/configuration.html#program-x-section-settings")),
                ProgramSetting("stopwaitsecs=25", "how long it waits for each program before SIGKILL (default 10)",
                               doc("http://supervisord.org/configuration.html#program-x-section-settings")),
                ProgramSetting("stopasgroup=true", "sends the stop signal to the program's whole process group",
                               doc("http://supervisord.org/configuration.html#program-x-section-settings")),
            ],
            reapsChildren: Sourced(true, doc("https://github.com/Supervisor/supervisor/blob/main/supervisor/supervisord.py")),
            handlesStopSignalAsPID1: Sourced(true, supervisordSignals),
            fix: "TERM is right for supervisord; give each [program:x] its own stopsignal and a stopwaitsecs that "
                + "fits the grace period"),
        ProgramEntry(
            id: "s6-overlay", name: "s6-overlay", kind: .supervisor, executables: ["s6-svscan"],
            signals: [
                SignalMeaning(.term, .gracefulStop, "brings services down (each with its own down-signal), runs "
                              + "finish scripts, then exits", s6Overlay),
            ],
            settings: [
                ProgramSetting("S6_KILL_GRACETIME=3000", "ms services get after their TERM before SIGKILL", s6Overlay),
                ProgramSetting("S6_SERVICES_GRACETIME=3000", "ms to wait for services to go down", s6Overlay),
            ],
            reapsChildren: Sourced(true, s6Overlay),
            handlesStopSignalAsPID1: Sourced(true, s6Overlay),
            fix: "stop the container with TERM; put each service's own stop signal in its down-signal file",
            notes: [
                Sourced("php-fpm images' STOPSIGNAL SIGQUIT breaks s6-overlay's stop: use TERM",
                        doc("https://github.com/just-containers/s6-overlay/issues/586")),
            ]),
    ]
}
