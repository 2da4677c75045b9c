#!/usr/bin/env bash
# Benchmark for `sigscope check --image`: the overhead it adds beyond what `podman run` + `podman stop` take for
# the same image, measured side by side in alternating rounds. Rerun any time:   bench/check-image.sh [ROUNDS] [SIGSCOPE]
#
# The image is FROM scratch with the C fixture (fixtures/c/check-service.c, exit-after 300, built -static): it
# exits 0 exactly 300 ms after SIGTERM. Each round times
#   podman:   podman run -d IMAGE; podman stop -t 10; podman rm      (the work a user would do by hand)
#   sigscope: sigscope check --image IMAGE --ready delay:0s          (run, stop, record, remove)
# and prints the medians and their difference (goal: under 100 ms). The tests' containers.conf (runc, ulimits
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
  t0=$(ms)
  name=sigscope-bench-$$-$i
  podman run -d --name "$name" "$IMAGE" >/dev/null
  podman stop -t 10 "$name" >/dev/null
  podman rm "$name" >/dev/null
  t1=$(ms)
  "$SIGSCOPE" check --image "$IMAGE" --ready delay:0s --format json > "$WORK/check-$i.json" || true
  t2=$(ms)
  echo "$(( (t1 - t0) / 1000000 )) $(( (t2 - t1) / 1000000 ))" >> "$WORK/times"
done
podman rmi "$IMAGE" >/dev/null || true
echo "sigscope: $SIGSCOPE; load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)" \
  "(2 cores: above 2 the figures are noise)"
/usr/bin/python3 - "$WORK/times" "$WORK" <<'PY'
import json, statistics, sys, glob
rows = [tuple(map(int, line.split())) for line in open(sys.argv[1])]
podman = statistics.median(r[0] for r in rows)
sigscope = statistics.median(r[1] for r in rows)
codes = {json.load(open(f))["container"]["recorded_exit_code"] for f in glob.glob(sys.argv[2] + "/check-*.json")}
print(f"rounds {len(rows)}; the service takes 300 ms to exit after SIGTERM in both")
print(f"podman run + stop + rm        median {podman:7.0f} ms")
print(f"sigscope check --image        median {sigscope:7.0f} ms")
print(f"overhead of check --image     {sigscope - podman:+7.0f} ms   (goal: under 100 ms)")
print(f"exit codes podman recorded under sigscope: {sorted(codes)}")
PY
