#!/usr/bin/env bash
# Cost per signal of `sigscope watch -- CMD`: a process queues N signals to itself (SIGUSR1 and SIGRTMIN+1 with
# values) and reports microseconds per signal, untraced, under sigscope (text and JSON output), and under
# `strace -f --seccomp-bpf -e trace=none`, all in the same run, interleaved, median of R runs each. Every run must
# deliver the same count and value sum as the untraced one. Two placements: as the scheduler likes (tracer and
# tracee may sit on different CPUs, where each stop costs a cross-CPU wake-up) and all on CPU 0 (pure CPU cost).
# Goal: sigscope no slower per signal than strace.
# Usage: bench/watch-flood.sh [N, default 100000] [R, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
runs=${2:-5}
sigscope=$(scripts/build-release)
mkdir -p .build/bench
cc -O2 -pthread -o .build/bench/watch-target fixtures/c/watch-target.c
target=$PWD/.build/bench/watch-target
results=$(mktemp)
trap 'rm -f "$results"' EXIT

variant() {
    case $1 in
        untraced) "$target" flood "$count" ;;
        sigscope-text) "$sigscope" watch --output /dev/null -- "$target" flood "$count" 2>/dev/null ;;
        sigscope-json) "$sigscope" watch --format json --output /dev/null -- "$target" flood "$count" 2>/dev/null ;;
        strace) strace -f --seccomp-bpf -e trace=none -o /dev/null "$target" flood "$count" ;;
    esac
}

for _ in $(seq "$runs"); do
    for placement in free cpu0; do
        for name in untraced sigscope-text sigscope-json strace; do
            if [ "$placement" = cpu0 ]; then
                line=$(taskset -c 0 bash -c "$(declare -f variant); target=$target sigscope=$sigscope count=$count variant $name" | grep '^signals')
            else
                line=$(variant "$name" | grep '^signals')
            fi
            read -r _ got _ _ _ _ _ sum _ expected _ micros <<< "$line"
            if [ "$got" != "$count" ] || [ "$sum" != "$expected" ]; then
                echo "$name: lost signals or values: $line" >&2
                exit 1
            fi
            echo "$placement $name $micros" >> "$results"
        done
    done
done

echo "microseconds per signal, $count signals, median of $runs interleaved runs (every signal and value checked)"
printf '  %-16s %12s %12s\n' "" "free" "all on CPU 0"
for name in untraced sigscope-text sigscope-json strace; do
    free=$(awk -v n="$name" '$1 == "free" && $2 == n { print $3 }' "$results" | sort -n |
        awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    pinned=$(awk -v n="$name" '$1 == "cpu0" && $2 == n { print $3 }' "$results" | sort -n |
        awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
    printf '  %-16s %12s %12s\n' "$name" "$free" "$pinned"
done
echo "(sigscope-*: sigscope watch [--format json] --output /dev/null -- CMD, release build;"
echo " strace: strace -f --seccomp-bpf -e trace=none -o /dev/null CMD, $(strace -V | head -1))"
