#!/usr/bin/env bash
# Cost per system call of `sigscope watch --pid`: the rate of a tight getppid loop untraced, under sigscope's
# ptrace backend and (as root) its kernel backend, and under `strace -e trace=none -p`, measured in the same run.
# Goal: both backends within 2% of untraced (>= 0.98) and at least 30 times strace's rate.
# Usage: bench/watch-getppid.sh [SECONDS per phase, default 4]
set -euo pipefail
cd "$(dirname "$0")/.."
samples=${1:-4}
sigscope=$(scripts/build-release)
mkdir -p .build/bench
cc -O2 -pthread -o .build/bench/watch-target fixtures/c/watch-target.c
out=.build/bench/watch-getppid.out

.build/bench/watch-target getppid > "$out" &
target=$!
tracer=
cleanup() {
    [ -n "$tracer" ] && kill -INT "$tracer" 2>/dev/null
    kill "$target" 2>/dev/null || true
}
trap cleanup EXIT

# The mean of the next $samples one-second rates, skipping the first (it straddles the change of phase).
measure() {
    local before
    before=$(wc -l < "$out")
    sleep $((samples + 2))
    tail -n +$((before + 2)) "$out" | head -n "$samples" | awk '{ s += $2; n++ } END { printf "%.0f", s / n }'
}

# Untraced and sigscope phases alternate three times (the machine's speed drifts by a few percent from one
# second to the next, so a single pair can mislead), then strace once, then untraced again.
sleep 1
untraced_sum=0
traced_sum=0
kernel_sum=0
kernel=0
[ "$(id -u)" -eq 0 ] && kernel=1
for _ in 1 2 3; do
    untraced_sum=$((untraced_sum + $(measure)))
    "$sigscope" watch --backend ptrace --pid "$target" --output /dev/null 2>/dev/null &
    tracer=$!
    sleep 0.5
    grep -q "^TracerPid:[[:space:]]*[1-9]" /proc/$target/status || { echo "sigscope did not attach" >&2; exit 1; }
    traced_sum=$((traced_sum + $(measure)))
    kill -INT "$tracer"; wait "$tracer" || true; tracer=
    grep -q "^TracerPid:[[:space:]]*0" /proc/$target/status || { echo "sigscope did not detach" >&2; exit 1; }
    if [ "$kernel" = 1 ]; then
        "$sigscope" watch --backend kernel --pid "$target" --output /dev/null 2>/dev/null &
        tracer=$!
        sleep 0.5
        [ -d "/sys/kernel/tracing/instances/sigscope-$tracer" ] || { echo "no kernel backend instance" >&2; exit 1; }
        kernel_sum=$((kernel_sum + $(measure)))
        kill -INT "$tracer"; wait "$tracer" || true
        [ ! -d "/sys/kernel/tracing/instances/sigscope-$tracer" ] || { echo "instance left behind" >&2; exit 1; }
        tracer=
    fi
done

strace -e trace=none -o /dev/null -p "$target" 2>/dev/null &
tracer=$!
sleep 0.5
straced=$(measure)
kill -INT "$tracer"; wait "$tracer" || true; tracer=

untraced_after=$(measure)

awk -v u="$((untraced_sum / 3))" -v t="$((traced_sum / 3))" -v k="$((kernel_sum / 3))" -v s="$straced" -v a="$untraced_after" -v n="$samples" 'BEGIN {
    printf "getppid calls per second, mean of %d one-second samples per phase, same run\n", n
    printf "  %-44s %14.0f\n", "untraced (3 phases)", u
    printf "  %-44s %14.0f   %.1f%% of untraced\n", "sigscope watch --backend ptrace (3 phases)", t, 100 * t / u
    if (k > 0) printf "  %-44s %14.0f   %.1f%% of untraced\n", "sigscope watch --backend kernel (3 phases)", k, 100 * k / u
    printf "  %-44s %14.0f   %.2f%% of untraced\n", "strace -e trace=none -p", s, 100 * s / u
    printf "  %-44s %14.0f\n", "untraced again, after strace detached", a
    printf "sigscope runs the loop at %.0fx strace'\''s rate\n", t / s
}'
