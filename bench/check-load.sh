#!/usr/bin/env bash
# Benchmark for `sigscope check --load` (release build) against wrk. Rerun any time:
#   bench/check-load.sh [CONNECTIONS] [SECONDS]
#
# One loopback server (fixtures/go/server, GOMAXPROCS=1 so client and server share the 2 cores the same way for
# both tools), one run:
#   1. wrk -t1 -cN -dS --latency: N kept-alive connections, each sending its next request as soon as the last is
#      answered (closed loop);
#   2. sigscope check --pid SERVER --load max --keepalive N --load-lead-in S: the same closed loop on the same N
#      connections from sigscope's one epoll thread, for S seconds before the signal (then the check stops the
#      server: the bench ends with it).
# Printed: requests/s of each, sigscope/wrk, and the mean, p50 and p99 latency of each; the difference of the
# means is what sigscope's client adds per request. Goals: >= 5,000 requests/s and >= 0.5x wrk.
set -euo pipefail
cd "$(dirname "$0")/.."
CONNECTIONS=${1:-4}
SECONDS_RUN=${2:-5}
command -v wrk >/dev/null || scripts/install-deps
SIGSCOPE=${SIGSCOPE:-$(scripts/build-release)}
SERVER=$PWD/.build/fixtures/go-server
mkdir -p .build/fixtures
(cd fixtures/go/server && GOFLAGS=-mod=mod CGO_ENABLED=0 go build -o "$SERVER" .)
WORK=$(mktemp -d)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
GOMAXPROCS=1 "$SERVER" -addr "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
trap 'kill $SERVER_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do
  python3 -c "import socket; socket.create_connection(('127.0.0.1',$PORT),0.1)" 2>/dev/null && break
  sleep 0.05
done
URL="http://127.0.0.1:$PORT/"

echo "== $CONNECTIONS kept-alive connections, ${SECONDS_RUN} s each, against $URL (pid $SERVER_PID)"
wrk -t1 -c"$CONNECTIONS" -d"${SECONDS_RUN}s" --latency "$URL" > "$WORK/wrk.txt"
"$SIGSCOPE" check --format json --pid "$SERVER_PID" --grace 5s --load max --keepalive "$CONNECTIONS" \
  --load-url "$URL" --load-lead-in "${SECONDS_RUN}s" > "$WORK/sigscope.json" || true

python3 - "$WORK" <<'PY'
import json, re, sys
work = sys.argv[1]
wrk = open(f"{work}/wrk.txt").read()
def ms(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1e-3, "ms": 1, "s": 1e3}[unit]
wrk_rate = float(re.search(r"Requests/sec:\s+([\d.]+)", wrk).group(1))
wrk_mean = ms(re.search(r"Latency\s+(\S+)", wrk).group(1))
wrk_p50 = ms(re.search(r"50%\s+(\S+)", wrk).group(1))
wrk_p99 = ms(re.search(r"99%\s+(\S+)", wrk).group(1))
wrk_errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", wrk)
report = json.load(open(f"{work}/sigscope.json"))
load = report["load"]
before = next(p for p in load["phases"] if p["phase"] == "before_signal")
seconds = -load["load_start_seconds"]
rate = before["requests"] / seconds
lat = before["latency_seconds"]
print(f"{'':10} {'req/s':>9} {'mean ms':>8} {'p50 ms':>7} {'p99 ms':>7}  errors")
print(f"{'wrk':10} {wrk_rate:9.0f} {wrk_mean:8.3f} {wrk_p50:7.3f} {wrk_p99:7.3f}  "
      f"{wrk_errors.group(0) if wrk_errors else 0}")
print(f"{'sigscope':10} {rate:9.0f} {lat['mean']*1e3:8.3f} {lat['p50']*1e3:7.3f} {lat['p99']*1e3:7.3f}  "
      f"{before['requests'] - before['ok']} of {before['requests']} not ok")
print(f"sigscope/wrk: {rate / wrk_rate:.2f}x;  added latency per request (mean): "
      f"{(lat['mean'] * 1e3 - wrk_mean) * 1e3:+.0f} us")
ok = rate >= 5000 and rate >= 0.5 * wrk_rate
print(f"goal (>= 5,000 req/s and >= 0.5x wrk): {'met' if ok else 'NOT met'}")
PY
