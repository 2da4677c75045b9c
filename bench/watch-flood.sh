#!/usr/bin/env bash
# Cost per signal of `sigscope watch -- CMD`: a process queues N signals to itself (SIGUSR1 and SIGRTMIN+1 with
# values) and reports microseconds per signal, untraced, under sigscope (text and JSON output), and under
# `strace -f --seccomp-bpf -e trace=none`, in the same run; median of R runs each. Every traced run must also
# deliver the same count and value sum as the untraced one. Goal: sigscope no slower per signal than strace.
# Usage: bench/watch-flood.sh [N, default 100000] [R, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
runs=${2:-5}
swift build -c release --product sigscope >&2
sigscope=.build/release/sigscope
mkdir -p .build/bench
cc -O2 -pthread -o .build/bench/watch-target fixtures/c/watch-target.c
target=.build/bench/watch-target

# Runs the command R times; prints the median µs per signal and checks the delivered count and sum.
median() {
    local label=$1
    shift
    local values=()
    for _ in $(seq "$runs"); do
        local line
        line=$("$@" "$target" flood "$count" 2>/dev/null | grep '^signals')
        local got sum expected
        got=$(awk '{print $2}' <<< "$line")
        sum=$(awk '{print $8}' <<< "$line")
        expected=$(awk '{print $10}' <<< "$line")
        if [ "$got" != "$count" ] || [ "$sum" != "$expected" ]; then
            echo "$label: lost signals or values: $line" >&2
            exit 1
        fi
        values+=("$(awk '{print $12}' <<< "$line")")
    done
    printf '%s\n' "${values[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

untraced=$(median untraced env)
text=$(median sigscope "$sigscope" watch --output /dev/null --)
json=$(median sigscope-json "$sigscope" watch --format json --output /dev/null --)
straced=$(median strace strace -f --seccomp-bpf -e trace=none -o /dev/null)

awk -v n="$count" -v r="$runs" -v u="$untraced" -v t="$text" -v j="$json" -v s="$straced" 'BEGIN {
    printf "microseconds per signal, %d signals, median of %d runs (same run, every signal and value checked)\n", n, r
    printf "  %-50s %8.2f\n", "untraced", u
    printf "  %-50s %8.2f\n", "sigscope watch -- CMD (release, text)", t
    printf "  %-50s %8.2f\n", "sigscope watch --format json -- CMD (release)", j
    printf "  %-50s %8.2f\n", "strace -f --seccomp-bpf -e trace=none CMD", s
    printf "sigscope costs %.2f us per signal over untraced; strace %.2f\n", t - u, s - u
}'
