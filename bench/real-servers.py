#!/usr/bin/python3
"""Measures real Debian/PyPI servers' stop behaviour WITHOUT sigscope, for docs/real-servers.md.

For each server: start it in a temp dir on a loopback port (its own session), wait until the port answers, let it
settle, read /proc/PID/status (SigCgt, SigIgn, every thread's SigBlk, sampled for a while), send one signal with
kill(2), and time the exit through a pidfd. A server still running after the grace period is SIGKILLed with its
whole session. Nothing is left running.

    bench/real-servers.py                 # every server, TERM and its graceful signal
    bench/real-servers.py nginx postgresql
    bench/real-servers.py --list

Needs root (servers drop to their own users), python3 3.9+ (pidfd_open), and the Debian packages
nginx-light apache2 haproxy php8.2-fpm postgresql redis-server memcached mosquitto lighttpd uwsgi
uwsgi-plugin-python3 gunicorn supervisor nodejs default-jre-headless.
"""
import json, os, pwd, select, shutil, signal, socket, subprocess, sys, tempfile, time

GRACE = 10.0
SIGSCOPE = None  # --sigscope PATH: also run `sigscope inspect PID` before the signal, and `sigscope check`


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def version(argv):
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=20)
        text = (out.stdout + out.stderr).strip().splitlines()
        return text[0] if text else "?"
    except Exception as e:  # noqa
        return "?"


def as_user(user):
    entry = pwd.getpwnam(user)
    return ["setpriv", f"--reuid={entry.pw_uid}", f"--regid={entry.pw_gid}", "--init-groups"]


# Each server: setup(dir, port) -> argv; graceful: the signal its docs name for a graceful stop.
def nginx(d, port):
    write(f"{d}/nginx.conf", f"""worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/error.log;
events {{ worker_connections 64; }}
http {{
  access_log off;
  client_body_temp_path {d}/body; proxy_temp_path {d}/proxy; fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi; scgi_temp_path {d}/scgi;
  server {{
    listen 127.0.0.1:{port}; root {d}/html;
    location / {{ return 200 "ok\\n"; }}
    location /big {{ limit_rate 200k; }}
  }}
}}
""")
    os.makedirs(f"{d}/html")
    write(f"{d}/html/big", "x" * 400_000)
    return ["nginx", "-p", d + "/", "-c", f"{d}/nginx.conf", "-g", "daemon off;"]


def apache2(d, port):
    os.makedirs(f"{d}/htdocs")
    write(f"{d}/htdocs/index.html", "ok\n")
    m = "/usr/lib/apache2/modules"
    write(f"{d}/httpd.conf", f"""ServerRoot "{d}"
DefaultRuntimeDir "{d}"
Listen 127.0.0.1:{port}
PidFile {d}/httpd.pid
ErrorLog {d}/error.log
LoadModule mpm_event_module {m}/mod_mpm_event.so
LoadModule authz_core_module {m}/mod_authz_core.so
User www-data
Group www-data
ServerName localhost
DocumentRoot "{d}/htdocs"
""")
    return ["apache2", "-d", d, "-f", f"{d}/httpd.conf", "-DFOREGROUND"]


def haproxy(d, port):
    write(f"{d}/haproxy.cfg", f"""global
  log stderr format raw local0
defaults
  mode http
  timeout connect 1s
  timeout client 30s
  timeout server 30s
frontend web
  bind 127.0.0.1:{port}
  http-request return status 200 content-type text/plain string ok
""")
    # The official image's command: master-worker, foreground.
    return ["haproxy", "-W", "-db", "-f", f"{d}/haproxy.cfg"]


def php_fpm(d, port):
    write(f"{d}/php-fpm.conf", f"""[global]
pid = {d}/php-fpm.pid
error_log = {d}/php-fpm.log
daemonize = no
[www]
user = www-data
group = www-data
listen = 127.0.0.1:{port}
pm = static
pm.max_children = 2
""")
    return ["php-fpm8.2", "-F", "-y", f"{d}/php-fpm.conf", "-p", d]


def postgres_bin():
    for v in ("17", "16", "15", "14", "13"):
        if os.path.exists(f"/usr/lib/postgresql/{v}/bin/postgres"):
            return f"/usr/lib/postgresql/{v}/bin"
    return None


def postgresql(d, port):
    bin = postgres_bin()
    pg = pwd.getpwnam("postgres")
    os.chown(d, pg.pw_uid, pg.pw_gid)
    subprocess.run(as_user("postgres") + [f"{bin}/initdb", "-D", f"{d}/data", "-A", "trust", "-U", "postgres"],
                   check=True, capture_output=True)
    return as_user("postgres") + [f"{bin}/postgres", "-D", f"{d}/data", "-p", str(port), "-k", d,
                                  "-c", "listen_addresses=127.0.0.1"]


def redis(d, port):
    return ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", d]


def memcached(d, port):
    return ["memcached", "-l", "127.0.0.1", "-p", str(port), "-U", "0", "-u", "nobody"]


def mosquitto(d, port):
    write(f"{d}/mosquitto.conf", f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
          "log_dest stderr\n")
    return ["mosquitto", "-c", f"{d}/mosquitto.conf"]


def lighttpd(d, port):
    write(f"{d}/index.html", "ok\n")
    write(f"{d}/lighttpd.conf", f'server.document-root = "{d}"\nserver.port = {port}\n'
          f'server.bind = "127.0.0.1"\nserver.errorlog = "{d}/error.log"\n')
    return ["lighttpd", "-D", "-f", f"{d}/lighttpd.conf"]


APP = """def app(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'ok\\n']
application = app
"""


def gunicorn(d, port, exe="/usr/bin/gunicorn"):
    write(f"{d}/app.py", APP)
    return [exe, "--chdir", d, "-b", f"127.0.0.1:{port}", "-w", "2", "app:app"]


def gunicorn_pypi(d, port):
    exe = shutil.which("gunicorn", path=os.path.expanduser("~/.pyenv/versions/3.11.7/bin"))
    return gunicorn(d, port, exe or "/nonexistent/gunicorn")


def uwsgi(d, port, extra=()):
    write(f"{d}/app.py", APP)
    return ["uwsgi", "--plugin", "python3", "--http-socket", f"127.0.0.1:{port}", "--wsgi-file", f"{d}/app.py",
            "--master", "--processes", "2", *extra]


def uwsgi_die_on_term(d, port):
    return uwsgi(d, port, ["--die-on-term"])


def supervisord(d, port):
    write(f"{d}/supervisord.conf", f"""[supervisord]
nodaemon=true
logfile={d}/supervisord.log
pidfile={d}/supervisord.pid
user=root
[inet_http_server]
port=127.0.0.1:{port}
[program:sleeper]
command=sleep 1000
""")
    return ["supervisord", "-n", "-c", f"{d}/supervisord.conf"]


def node(d, port, handler=False):
    extra = ("process.on('SIGTERM', () => server.close(() => process.exit(0)));\n" if handler else "")
    write(f"{d}/server.js", "const http = require('http');\n"
          "const server = http.createServer((q, s) => s.end('ok\\n'));\n"
          f"server.listen({port}, '127.0.0.1');\n" + extra)
    return ["node", f"{d}/server.js"]


def node_handler(d, port):
    return node(d, port, handler=True)


def jvm(d, port):
    write(f"{d}/Server.java", """import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
public class Server {
    public static void main(String[] args) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[0])), 16);
        server.createContext("/", ex -> { byte[] b = "ok\\n".getBytes(); ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b); ex.close(); });
        server.start();
    }
}
""")
    return ["java", f"{d}/Server.java", str(port)]


SERVERS = {
    # name: (setup, version command, graceful signal per its docs or None)
    "nginx": (nginx, ["nginx", "-v"], signal.SIGQUIT),
    "apache2": (apache2, ["apache2", "-v"], signal.SIGWINCH),
    "haproxy": (haproxy, ["haproxy", "-v"], signal.SIGUSR1),
    "php-fpm": (php_fpm, ["php-fpm8.2", "-v"], signal.SIGQUIT),
    "postgresql": (postgresql, [f"{postgres_bin()}/postgres", "--version"], signal.SIGINT),
    "redis": (redis, ["redis-server", "--version"], None),
    "memcached": (memcached, ["memcached", "-V"], None),
    "mosquitto": (mosquitto, ["mosquitto", "-h"], None),
    "lighttpd": (lighttpd, ["lighttpd", "-v"], signal.SIGINT),
    "gunicorn": (gunicorn, ["/usr/bin/gunicorn", "--version"], None),
    "gunicorn-pypi": (gunicorn_pypi, [os.path.expanduser("~/.pyenv/versions/3.11.7/bin/gunicorn"), "--version"], None),
    "uwsgi": (uwsgi, ["uwsgi", "--version"], signal.SIGINT),
    "uwsgi-die-on-term": (uwsgi_die_on_term, ["uwsgi", "--version"], None),
    "supervisord": (supervisord, ["supervisord", "--version"], None),
    "node": (node, ["node", "--version"], None),
    "node-handler": (node_handler, ["node", "--version"], None),
    "jvm": (jvm, ["java", "-version"], None),
}


def status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            fields[k] = v.strip()
    return fields


def thread_blocked(pid):
    """SigBlk of every thread."""
    masks = []
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            masks.append(int(status(f"{pid}/task/{tid}")["SigBlk"], 16))
        except (OSError, KeyError):
            pass
    return masks


def bit(mask, sig):
    return (mask >> (sig - 1)) & 1


def ready(port, deadline):
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def session_members(sid):
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            if int(fields[3]) == sid and fields[0] != "Z":
                pids.append(int(entry))
        except (OSError, IndexError):
            pass
    return pids


def hold_client(name, d, port):
    """An idle client connection kept open through the stop (PostgreSQL: a psql session)."""
    if name == "postgresql":
        bin = postgres_bin()
        p = subprocess.Popen(as_user("postgres") + [f"{bin}/psql" if os.path.exists(f"{bin}/psql") else "psql",
                                                    "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-q"],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(0.5)
        return p
    s = socket.create_connection(("127.0.0.1", port))
    return s


def start_server(name):
    """Starts server `name` in a fresh temporary directory on a free loopback port, in a session of its own,
    its output in output.log there: (directory, port, log file, process)."""
    setup, _, _ = SERVERS[name]
    d = tempfile.mkdtemp(prefix=f"realsrv-{name}-")
    os.chmod(d, 0o755)
    port = free_port()
    argv = setup(d, port)
    log = open(f"{d}/output.log", "w")
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True, cwd=d)
    return d, port, log, proc


def measure(name, sig, client=False):
    d, port, log, proc = start_server(name)
    pid = proc.pid
    result = {"server": name, "signal": signal.Signals(sig).name, "client": client}
    held = None
    try:
        if not ready(port, time.monotonic() + 30):
            result["error"] = "not ready: " + open(f"{d}/output.log").read()[-300:]
            return result
        time.sleep(1.0)  # handlers installed late (supervisord, uWSGI)
        st = status(pid)
        cgt, ign = int(st["SigCgt"], 16), int(st["SigIgn"], 16)
        # Sample every thread's SigBlk for 1 s: is the signal ever unblocked in some thread?
        samples, unblocked = 0, 0
        end = time.monotonic() + 1.0
        while time.monotonic() < end:
            masks = thread_blocked(pid)
            samples += 1
            if any(not bit(m, sig) for m in masks):
                unblocked += 1
            time.sleep(0.002)
        result.update(comm=st["Name"], threads=int(st["Threads"]), caught=bit(cgt, sig), ignored=bit(ign, sig),
                      unblocked_share=f"{unblocked}/{samples}")
        if SIGSCOPE:
            out = subprocess.run([SIGSCOPE, "inspect", str(pid), "--format", "json"], capture_output=True,
                                 text=True, timeout=60)
            try:
                report = json.loads(out.stdout)["processes"][0]
                result["inspect"] = report["sigterm"]
                result["inspect_findings"] = [f"{f['severity']}:{f['rule']}" for f in report["findings"]]
                if report.get("go_notify"):
                    result["go_notify_sigterm"] = report["go_notify"]["sigterm"]
            except (ValueError, KeyError, IndexError):
                result["inspect"] = "error: " + (out.stderr or out.stdout)[-200:]
        if client:
            held = hold_client(name, d, port)
        pidfd = os.pidfd_open(pid)
        start = time.monotonic()
        os.kill(pid, sig)
        poller = select.poll()
        poller.register(pidfd, select.POLLIN)
        if poller.poll(GRACE * 1000):
            elapsed = time.monotonic() - start
            _, raw = os.waitpid(pid, 0)
            if os.WIFSIGNALED(raw):
                result["outcome"] = f"killed by {signal.Signals(os.WTERMSIG(raw)).name}"
            else:
                result["outcome"] = f"exit {os.WEXITSTATUS(raw)}"
            result["seconds"] = round(elapsed, 3)
        else:
            result["outcome"] = f"still running after {GRACE:.0f} s"
        os.close(pidfd)
        left = [p for p in session_members(pid) if p != pid]
        result["left_running"] = len(left)
        return result
    finally:
        if held is not None:
            try:
                held.kill() if hasattr(held, "kill") else held.close()
            except Exception:
                pass
        for p in session_members(pid):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        try:
            proc.wait(timeout=5)
        except Exception:
            pass
        if held is not None and hasattr(held, "wait"):
            held.wait(timeout=5)
        log.close()
        shutil.rmtree(d, ignore_errors=True)


# A slow request to have in flight at the signal: nginx sends /big (400 kB) at 200 kB/s, so TERM cuts it.
INFLIGHT = {"nginx": "/big"}


def check_pid_with_client(name, sig):
    """`sigscope check --pid` on a server started here, with an idle client connected (PostgreSQL: psql)."""
    d, port, log, proc = start_server(name)
    held = None
    try:
        if not ready(port, time.monotonic() + 30):
            return {"error": "not ready"}
        time.sleep(1.0)
        held = hold_client(name, d, port)
        out = subprocess.run([SIGSCOPE, "check", "--format", "json", "--grace", f"{GRACE:.0f}s", "--signal",
                              signal.Signals(sig).name, "--pid", str(proc.pid)], capture_output=True, text=True,
                             timeout=120)
        doc = json.loads(out.stdout)
        return {"signal": doc.get("signal"), "verdict": doc.get("verdict"),
                "shutdown_seconds": doc.get("shutdown_seconds"),
                "findings": [f"{f['severity']}:{f['rule']}" for f in doc.get("findings", [])],
                "messages": [f["message"] for f in doc.get("findings", []) if f["severity"] == "error"],
                "hints": sorted({f["hint"] for f in doc.get("findings", []) if f["severity"] != "info"})}
    finally:
        if held is not None:
            held.kill()
            held.wait(timeout=5)
        for p in session_members(proc.pid):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass
        proc.kill()
        proc.wait(timeout=5)
        log.close()
        shutil.rmtree(d, ignore_errors=True)


def check(name, sig, compare=False):
    """`sigscope check` on a fresh copy of the server: the verdict, the findings and the hints."""
    setup, _, _ = SERVERS[name]
    d = tempfile.mkdtemp(prefix=f"realsrv-{name}-")
    os.chmod(d, 0o755)
    port = free_port()
    try:
        argv = setup(d, port)
        cmd = [SIGSCOPE, "check", "--format", "json", "--grace", f"{GRACE:.0f}s", "--signal", signal.Signals(sig).name,
               "--ready", f"tcp:127.0.0.1:{port}"] + (["--compare-signals"] if compare else [])
        if name in INFLIGHT:
            cmd += ["--inflight", f"http://127.0.0.1:{port}{INFLIGHT[name]}"]
        cmd += ["--"] + argv
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=d)
        try:
            doc = json.loads(out.stdout)
        except ValueError:
            return {"error": (out.stderr or out.stdout)[-300:], "exit": out.returncode}
        runs = doc["runs"] if compare else [doc]
        results = []
        for run in runs:
            results.append({
                "signal": run.get("signal"), "verdict": run.get("verdict"),
                "shutdown_seconds": run.get("shutdown_seconds"), "exit": run.get("exit"),
                "findings": [f"{f['severity']}:{f['rule']}" for f in run.get("findings", [])],
                "hints": sorted({f["hint"] for f in run.get("findings", []) if f["severity"] != "info"}),
            })
        return results
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    global SIGSCOPE
    if "--sigscope" in sys.argv:
        i = sys.argv.index("--sigscope")
        SIGSCOPE = os.path.abspath(sys.argv[i + 1])
        del sys.argv[i:i + 2]
    names = [a for a in sys.argv[1:] if not a.startswith("-")] or list(SERVERS)
    if "--list" in sys.argv:
        print("\n".join(SERVERS))
        return
    for name in names:
        setup, vcmd, graceful = SERVERS[name]
        print(f"== {name}: {version(vcmd)}", flush=True)
        runs = [(signal.SIGTERM, False)]
        if graceful:
            runs.append((graceful, False))
        if name == "postgresql":
            runs += [(signal.SIGTERM, True), (signal.SIGINT, True)]
        if "--check-only" not in sys.argv:
            for sig, client in runs:
                r = measure(name, sig, client)
                print("   ", r, flush=True)
        if SIGSCOPE and "--no-check" not in sys.argv:
            print("    check:", check(name, signal.SIGTERM, compare="--compare" in sys.argv), flush=True)
            if name == "postgresql":
                for sig in (signal.SIGTERM, signal.SIGINT):
                    print(f"    check --pid with a client, {sig.name}:", check_pid_with_client(name, sig), flush=True)


if __name__ == "__main__":
    main()
