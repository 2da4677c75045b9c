#!/usr/bin/env bash
# Benchmark for `sigscope check --image`: the overhead it adds beyond what `podman run` + `podman stop` take for
# the same image, measured side by side in alternating rounds. Rerun any time:   bench/check-image.sh [ROUNDS] [SIGSCOPE]
#
# The image is FROM scratch with the C fixture (fixtures/c/check-service.c, exit-after 300, built -static): it
# exits 0 exactly 300 ms after SIGTERM. Each round times
#   podman:   podman run -d IMAGE; podman stop -t 10; podman rm      (the work a user would do by hand)
#   sigscope: sigscope check --image IMAGE --ready delay:0s          (run, stop, record, remove)
# and prints the medians and spread of both and of their per-round difference (goal: under 100 ms), then each
# podman call's time and, from the moments sigscope writes with SIGSCOPE_TIMING set, where check's time goes. The tests' containers.conf (runc, ulimits
# under this machine's hard limits) is used when CONTAINERS_CONF is not set.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
# The release build (scripts/build-release) when there is one: a debug build's start-up and /proc parsing add
# tens of milliseconds of sigscope's own CPU time to every round.
DEFAULT=.build/debug/sigscope
[ -x .build-release/release/sigscope ] && DEFAULT=.build-release/release/sigscope
SIGSCOPE=${2:-$DEFAULT}
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
scripts/install-deps
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
if [ -z "${CONTAINERS_CONF:-}" ]; then
  printf '[containers]\ndefault_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]\n[engine]\nruntime = "runc"\n' \
    > "$WORK/containers.conf"
  export CONTAINERS_CONF=$WORK/containers.conf
fi
cc -O1 -static -o "$WORK/check-service" fixtures/c/check-service.c
printf 'FROM scratch\nCOPY check-service /check-service\nENTRYPOINT ["/check-service", "exit-after", "300"]\n' \
  > "$WORK/Containerfile"
IMAGE=localhost/sigscope-bench-exit-after:latest
podman build -q -t "$IMAGE" -f "$WORK/Containerfile" "$WORK" >/dev/null

ms() { date +%s%N; }
for i in $(seq "$ROUNDS"); do
  name=sigscope-bench-$$-$i
  t0=$(ms)
  podman run -d --name "$name" "$IMAGE" >/dev/null
  ta=$(ms)
  podman stop -t 10 "$name" >/dev/null
  tb=$(ms)
  podman rm "$name" >/dev/null
  t1=$(ms)
  SIGSCOPE_TIMING=1 "$SIGSCOPE" check --image "$IMAGE" --ready delay:0s --format json > "$WORK/check-$i.json" \
    2> "$WORK/marks-$i" || true
  t2=$(ms)
  echo "$t0 $ta $tb $t1 $t2" >> "$WORK/times"
done
podman rmi "$IMAGE" >/dev/null || true
echo "sigscope: $SIGSCOPE; load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)" \
  "(2 cores: above 2 the figures are noise)"
/usr/bin/python3 - "$WORK" <<'PY'
import json, statistics, sys, glob
work = sys.argv[1]
rows = [list(map(int, line.split())) for line in open(work + "/times")]
ms = lambda a, b: (b - a) / 1e6
def summary(values):
    values = sorted(values)
    return f"median {statistics.median(values):6.0f} ms  (min {values[0]:5.0f}, max {values[-1]:5.0f})"
podman = [ms(r[0], r[3]) for r in rows]
sigscope = [ms(r[3], r[4]) for r in rows]
overhead = [s - p for s, p in zip(sigscope, podman)]
# sigscope's moments (SIGSCOPE_TIMING): where its time goes, beside podman's own calls.
phases = {}
for i, r in enumerate(rows, 1):
    marks = {}
    for line in open(f"{work}/marks-{i}"):
        parts = line.split()
        if len(parts) == 3 and parts[0] == "sigscope-timing":
            marks.setdefault(parts[1], int(parts[2]))
    steps = [("start-up until podman run", r[3], marks.get("run-spawned")),
             ("podman run", marks.get("run-spawned"), marks.get("run-returned")),
             ("run returned -> signal", marks.get("run-returned"), marks.get("signal")),
             ("signal -> exit seen", marks.get("signal"), marks.get("exit-seen")),
             ("exit seen -> exit recorded", marks.get("exit-seen"), marks.get("exit-recorded")),
             ("exit recorded -> rm started", marks.get("exit-recorded"), marks.get("rm-start")),
             ("podman rm -f", marks.get("rm-start"), marks.get("rm-done")),
             ("rm done -> sigscope exited", marks.get("rm-done"), r[4])]
    for label, a, b in steps:
        if a is not None and b is not None:
            phases.setdefault(label, []).append(ms(a, b))
codes = {json.load(open(f))["container"]["recorded_exit_code"] for f in glob.glob(work + "/check-*.json")}
print(f"rounds {len(rows)}; the service takes 300 ms to exit after SIGTERM in both")
print(f"podman run + stop + rm        {summary(podman)}")
print(f"sigscope check --image        {summary(sigscope)}")
print(f"overhead of check --image     median {statistics.median(overhead):+6.0f} ms  "
      f"(min {min(overhead):+5.0f}, max {max(overhead):+5.0f}; goal: under 100 ms)")
print(f"  (difference of medians {statistics.median(sigscope) - statistics.median(podman):+.0f} ms)")
print("podman by hand, per call:")
for label, a, b in [("podman run -d", 0, 1), ("podman stop -t 10", 1, 2), ("podman rm", 2, 3)]:
    print(f"  {label:29s} {summary([ms(r[a], r[b]) for r in rows])}")
print("sigscope check --image, per phase:")
for label, values in phases.items():
    print(f"  {label:29s} {summary(values)}")
print(f"exit codes podman recorded under sigscope: {sorted(codes)}")
PY
