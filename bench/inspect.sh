#!/usr/bin/env bash
# Benchmark for `sigscope inspect`: starts N idle processes (default 2000), then times, in the same run,
#   sigscope inspect --all --format json   against   ps -eo pid,pending,blocked,ignored,caught
# and `sigscope inspect PID` of one process (wall time including start-up). Rerun any time:
#   bench/inspect.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
command -v hyperfine >/dev/null || { apt-get install -y -qq hyperfine >/dev/null; }
scripts/install-deps
SIGSCOPE=$(scripts/build-release)

# N sleepers in one process group, removed on exit whatever happens.
setsid bash -c "for i in \$(seq $N); do sleep 600 & done; wait" &
LEADER=$!
trap 'kill -- -$LEADER 2>/dev/null || true' EXIT
while [ "$(pgrep -c -g "$LEADER" sleep || true)" -lt "$N" ]; do sleep 0.2; done
TOTAL=$(ls /proc | grep -c '^[0-9]')
echo "processes on the host: $TOTAL"

hyperfine -N --warmup 3 --runs 30 --export-json /tmp/sigscope-bench-inspect.json \
  "$SIGSCOPE inspect --all --format json" \
  "ps -eo pid,pending,blocked,ignored,caught" \
  "$SIGSCOPE inspect $(pgrep -n -g "$LEADER" sleep)" >/dev/null
python3 - <<'PY'
import json
r = json.load(open("/tmp/sigscope-bench-inspect.json"))["results"]
ms = lambda x: x["mean"] * 1000
sig_all, ps, one = r[0], r[1], r[2]
print(f"sigscope inspect --all --format json: {ms(sig_all):8.1f} ms (±{sig_all['stddev']*1000:.1f})")
print(f"ps -eo pid,pending,blocked,ignored,caught: {ms(ps):8.1f} ms (±{ps['stddev']*1000:.1f})")
print(f"ratio sigscope/ps: {sig_all['mean']/ps['mean']:.2f} (goal: <= 1.00)")
print(f"sigscope inspect PID (one process, incl. start-up): {ms(one):6.1f} ms (goal: < 20 ms)")
PY
