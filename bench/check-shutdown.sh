#!/usr/bin/env bash
# Benchmark for `sigscope check` (release build). Rerun any time:   bench/check-shutdown.sh [RUNS]
#
# 1. Accuracy and reporting latency. The fixture (fixtures/c/check-service.c, mode exit-after 1000) takes
#    SIGTERM with sigwaitinfo, sleeps to exactly 1.000 s after its receipt on CLOCK_MONOTONIC and records both
#    times before _exit: the truth. For each run:
#      error   = reported shutdown_seconds - (fixture exit - fixture SIGTERM receipt)   goal: |error| < 5 ms
#      latency = moment the report is complete on our pipe - fixture exit                 goal: < 10 ms
#    The reference is fixtures/check/reference-check.py (kill + os.waitpid around CLOCK_MONOTONIC), measured the
#    same way in the same run.
# 2. Overhead: wall time of a check of a fast-exiting service (exit-after 0) minus the readiness and shutdown
#    time it reports (goal: < 50 ms), beside the reference's wall time for the same service, both with hyperfine.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-10}
command -v hyperfine >/dev/null || { apt-get install -y -qq hyperfine >/dev/null; }
scripts/install-deps
SIGSCOPE=$(scripts/build-release)
FIXTURE=$PWD/.build/fixtures/check-service
mkdir -p .build/fixtures
cc -O2 -o "$FIXTURE" fixtures/c/check-service.c
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "== accuracy: fixture exits 1.000 s after SIGTERM ($RUNS runs each)"
for i in $(seq "$RUNS"); do
  fixtures/check/report-clock.py "$SIGSCOPE" check --format json --grace 5s --ready log:ready -- \
    "$FIXTURE" exit-after 1000 "$WORK/truth-s$i" > "$WORK/report-s$i" || true
  fixtures/check/report-clock.py fixtures/check/reference-check.py ready -- \
    "$FIXTURE" exit-after 1000 "$WORK/truth-r$i" > "$WORK/report-r$i" || true
done
python3 - "$WORK" "$RUNS" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
def collect(tag):
    errors, latencies = [], []
    for i in range(1, runs + 1):
        received, exited = map(int, open(f"{work}/truth-{tag}{i}").read().split())
        report = json.loads(open(f"{work}/report-{tag}{i}").read())
        measured = json.loads(report["stdout"])["shutdown_seconds"]
        errors.append((measured - (exited - received) / 1e9) * 1000)
        latencies.append((report["report_ns"] - exited) / 1e6)
    return errors, latencies
for tag, name in (("s", "sigscope check"), ("r", "reference (python kill+waitpid)")):
    e, l = collect(tag)
    print(f"{name:34} shutdown error: mean {statistics.mean(e):+.3f} ms, max |{max(map(abs, e)):.3f}| ms;"
          f"  report latency: mean {statistics.mean(l):.2f} ms, max {max(l):.2f} ms")
e, l = collect("s")
ok = max(map(abs, e)) < 5 and max(l) < 10
print(f"goal (|error| < 5 ms, latency < 10 ms): {'met' if ok else 'NOT met'}")
PY

echo "== overhead: a fast-exiting service (exit-after 0)"
for i in $(seq 10); do
  "$SIGSCOPE" check --format json --ready log:ready -- "$FIXTURE" exit-after 0 > "$WORK/one-$i.json" || true
done
hyperfine -N --warmup 3 --runs 30 --export-json "$WORK/overhead.json" \
  "$SIGSCOPE check --format json --ready log:ready -- $FIXTURE exit-after 0" \
  "$PWD/fixtures/check/reference-check.py ready -- $FIXTURE exit-after 0" >/dev/null 2>&1
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
r = json.load(open(f"{work}/overhead.json"))["results"]
runs = [json.load(open(f"{work}/one-{i}.json")) for i in range(1, 11)]
inner = sum((one["ready_seconds"] or 0) + (one["shutdown_seconds"] or 0) for one in runs) / len(runs)
print(f"sigscope check (wall):          {r[0]['mean']*1000:7.1f} ms (±{r[0]['stddev']*1000:.1f})")
print(f"  ready + shutdown (mean of 10):{inner*1000:7.1f} ms  -> overhead {r[0]['mean']*1000 - inner*1000:.1f} ms (goal < 50 ms)")
print(f"reference-check.py (wall):      {r[1]['mean']*1000:7.1f} ms (±{r[1]['stddev']*1000:.1f})")
PY
