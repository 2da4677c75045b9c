#!/usr/bin/env bash
# Benchmark for `sigscope inspect`: starts N idle processes (default 2000), then times, in the same run,
#   sigscope inspect --all --format json   against   ps -eo pid,pending,blocked,ignored,caught
# and `sigscope inspect PID` of one process (wall time including start-up). Rerun any time:
#   bench/inspect.sh [N] [ROUNDS]
# The two commands are timed in alternating rounds (hyperfine, ROUNDS rounds of 10 runs each, default 6), so a
# slow patch of a shared machine hits both; the ratio is the median of the rounds' ratios of means.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
ROUNDS=${2:-6}
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

OUT=$(mktemp -d)
for round in $(seq "$ROUNDS"); do
  hyperfine -N --warmup 2 --runs 10 --export-json "$OUT/round-$round.json" \
    "$SIGSCOPE inspect --all --format json" \
    "ps -eo pid,pending,blocked,ignored,caught" >/dev/null 2>&1
done
hyperfine -N --warmup 3 --runs 30 --export-json "$OUT/one.json" "$SIGSCOPE inspect $(pgrep -n -g "$LEADER" sleep)" >/dev/null
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
runs = [json.load(open(f"{out}/round-{r}.json"))["results"] for r in range(1, rounds + 1)]
sig = [t for r in runs for t in r[0]["times"]]
ps = [t for r in runs for t in r[1]["times"]]
ratios = [r[0]["mean"] / r[1]["mean"] for r in runs]
ms = lambda x: x * 1000
print(f"sigscope inspect --all --format json: mean {ms(statistics.mean(sig)):6.1f} ms, median {ms(statistics.median(sig)):6.1f}, min {ms(min(sig)):6.1f} ({len(sig)} runs)")
print(f"ps -eo pid,pending,blocked,ignored,caught: mean {ms(statistics.mean(ps)):6.1f} ms, median {ms(statistics.median(ps)):6.1f}, min {ms(min(ps)):6.1f} ({len(ps)} runs)")
print("ratio per round: " + " ".join(f"{x:.2f}" for x in ratios))
print(f"ratio sigscope/ps: {statistics.median(ratios):.2f} (median of {rounds} rounds; of the minimums {min(sig)/min(ps):.2f}; goal: <= 1.00)")
one = json.load(open(f"{out}/one.json"))["results"][0]
print(f"sigscope inspect PID (one process, incl. start-up): {ms(one['mean']):6.1f} ms (goal: < 20 ms)")
PY
rm -rf "$OUT"
