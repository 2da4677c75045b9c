#!/usr/bin/env bash
# Cost per signal to the traced program: a process queues N signals to itself (SIGUSR1 and SIGRTMIN+1 with values) and
# reports microseconds per signal, untraced, with the two signal tracepoints recorded into an instance configured as
# sigscope configures its own (mono clock, buffer_percent, record-tgid, OOM victim event, the pid filters) that nobody
# reads (the floor: the kernel's own cost, paid by every tracepoint tool), under sigscope's kernel backend
# (tracepoints) and ptrace backend (text and JSON output), under `strace -f --seccomp-bpf -e trace=none`, and under
# bpftrace counting the same two tracepoints, all in the same run, median of R rounds each. bpftrace only counts; the
# fair match for it is kernel-count (`watch -c`, the summary only, as strace -c), which reads and pairs every event as
# the others do but writes none; kernel-text and kernel-json write a line per event. Every run must deliver the same
# count and value sum as the untraced one; the kernel backend must account for every generate and deliver event (or
# report exactly how many the kernel lost, shown in the last column). Two placements: as the scheduler likes (tracer
# and tracee may sit on different CPUs) and all on CPU 0 (pure CPU cost).
# The untraced speed of this kind of machine drifts by +-10% over seconds (a virtual CPU's host), more than the costs
# measured, so untraced runs alternate with the traced ones and "added" is the median, over the rounds, of each traced
# run minus the mean of the untraced runs just before and after it; each figure is printed with its spread (min-max).
# Goals: the kernel backend adds < 1 us per signal, level with bpftrace, no event lost at the default buffer size;
# the ptrace backend no slower than strace.
# Usage: bench/watch-flood.sh [N, default 100000] [R, default 5]   (the kernel backend and bpftrace need root)
set -euo pipefail
cd "$(dirname "$0")/.."
count=${1:-100000}
runs=${2:-5}
sigscope=$(scripts/build-release)
mkdir -p .build/bench
cc -O2 -pthread -o .build/bench/watch-target fixtures/c/watch-target.c
target=$PWD/.build/bench/watch-target
results=$(mktemp)
events=$(mktemp)
counted=$(mktemp)
# The floor: the two tracepoints recorded into an instance of the bench's own that nobody reads.
floor=/sys/kernel/tracing/instances/watch-flood-floor
trap 'rm -f "$results" "$events" "$counted"; [ -d "$floor" ] && rmdir "$floor"' EXIT

names="untraced tracepoints kernel-text kernel-json kernel-count ptrace-text ptrace-json strace"
if [ "$(id -u)" -ne 0 ]; then
    echo "not root: the kernel backend and bpftrace columns are left out" >&2
    names="untraced ptrace-text ptrace-json strace"
else
    [ -d /sys/kernel/tracing/instances ] || mount -t tracefs nodev /sys/kernel/tracing
fi
if [ "$(id -u)" -ne 0 ]; then
    :
elif command -v bpftrace >/dev/null; then
    names="$names bpftrace"
else
    echo "bpftrace is not installed (apt-get install bpftrace): its column is left out" >&2
fi

# bpftrace counts the same tracepoints for the command it starts (cpid) and prints the counts at exit.
bpf_program='tracepoint:signal:signal_generate /args->pid == cpid/ { @generated = count(); }
tracepoint:signal:signal_deliver /pid == cpid/ { @delivered = count(); }'

variant() {
    case $1 in
        untraced) "$target" flood "$count" ;;
        tracepoints)
            # As KernelSignalTracer.start configures sigscope's instance, the filters on the flood's own pid: the
            # command waits on a FIFO until they are set, then execs.
            mkdir -p "$floor"
            echo mono > "$floor/trace_clock"
            echo 1 > "$floor/buffer_percent"
            echo 1 > "$floor/options/record-tgid"
            if [ -d "$floor/events/oom/mark_victim" ]; then echo 1 > "$floor/events/oom/mark_victim/enable"; fi
            local fifo
            fifo=$(mktemp -u)
            mkfifo "$fifo"
            ( read -r _ < "$fifo"; exec "$target" flood "$count" ) &
            local pid=$!
            echo "pid == $pid" > "$floor/events/signal/signal_generate/filter"
            echo "common_pid == $pid" > "$floor/events/signal/signal_deliver/filter"
            echo 1 > "$floor/events/signal/signal_generate/enable"
            echo 1 > "$floor/events/signal/signal_deliver/enable"
            echo > "$fifo"
            wait "$pid"
            rm -f "$fifo"
            echo 0 > "$floor/events/enable"
            rmdir "$floor" ;;
        kernel-text) "$sigscope" watch --backend kernel --output /dev/null -- "$target" flood "$count" 2>/dev/null ;;
        kernel-json) "$sigscope" watch --backend kernel --format json --output "$events" -- "$target" flood "$count" 2>/dev/null ;;
        kernel-count) "$sigscope" watch --backend kernel -c --format json --output "$counted" -- "$target" flood "$count" 2>/dev/null ;;
        ptrace-text) "$sigscope" watch --backend ptrace --output /dev/null -- "$target" flood "$count" 2>/dev/null ;;
        ptrace-json) "$sigscope" watch --backend ptrace --format json --output /dev/null -- "$target" flood "$count" 2>/dev/null ;;
        strace) strace -f --seccomp-bpf -e trace=none -o /dev/null "$target" flood "$count" ;;
        bpftrace) bpftrace -e "$bpf_program" -c "$target flood $count" 2>/dev/null ;;
    esac
}

# Runs one variant in a placement, checks what it delivered, and sets micros (per signal) and lost (the events the
# kernel lost, - where not counted).
measure() {
    local placement=$1 name=$2 output line got sum expected generated delivered seen
    if [ "$placement" = cpu0 ]; then
        output=$(taskset -c 0 bash -c "$(declare -f variant); target=$target floor=$floor sigscope=$sigscope count=$count events=$events counted=$counted bpf_program='$bpf_program' variant $name")
    else
        output=$(variant "$name")
    fi
    line=$(grep '^signals' <<< "$output")
    read -r _ got _ _ _ _ _ sum _ expected _ micros <<< "$line"
    if [ "$got" != "$count" ] || [ "$sum" != "$expected" ]; then
        echo "$name: lost signals or values: $line" >&2
        exit 1
    fi
    lost=-
    if [ "$name" = kernel-json ]; then
        # Every signal is one generate and one deliver event, or counted as lost by the kernel.
        generated=$(grep -c '"event":"generated"' "$events" || true)
        delivered=$(grep -c '"event":"signal"' "$events" || true)
        lost=$(tail -1 "$events" | sed 's/.*"lost_events":\([0-9]*\).*/\1/')
        if [ $((generated + delivered + lost)) -ne $((2 * count)) ]; then
            echo "kernel-json: $generated generated + $delivered delivered + $lost lost != $((2 * count))" >&2
            exit 1
        fi
    fi
    if [ "$name" = kernel-count ]; then
        # The summary alone: every generate and deliver event counted, or counted as lost.
        generated=$(sed -n 's/.*"generated":\([0-9]*\).*/\1/p' "$counted")
        delivered=$(sed -n 's/.*"events":{[^}]*"signal":\([0-9]*\).*/\1/p' "$counted")
        lost=$(sed -n 's/.*"lost_events":\([0-9]*\).*/\1/p' "$counted")
        if [ $((generated + delivered + lost)) -ne $((2 * count)) ]; then
            echo "kernel-count: $generated generated + $delivered delivered + $lost lost != $((2 * count))" >&2
            exit 1
        fi
    fi
    if [ "$name" = bpftrace ]; then
        seen=$(grep -E '^@(generated|delivered)' <<< "$output" | awk '{ s += $2 } END { print s + 0 }')
        [ "$seen" -eq $((2 * count)) ] || echo "bpftrace counted $seen of $((2 * count)) events" >&2
    fi
}

# results: "placement name micros lost added" per traced run, added against the mean of the untraced runs just
# before and just after it (U V1 U V2 U ...: a drift over the pair cancels); "placement untraced micros - -" for those.
for _ in $(seq "$runs"); do
    for placement in free cpu0; do
        measure "$placement" untraced
        before=$micros
        echo "$placement untraced $before - -" >> "$results"
        for name in $names; do
            [ "$name" = untraced ] && continue
            measure "$placement" "$name"
            traced=$micros
            traced_lost=$lost
            measure "$placement" untraced
            echo "$placement untraced $micros - -" >> "$results"
            echo "$placement $name $traced $traced_lost $(awk -v a="$traced" -v b="$before" -v c="$micros" \
                'BEGIN { printf "%.2f", a - (b + c) / 2 }')" >> "$results"
            before=$micros
        done
    done
done

# "median min max" of field f of a placement's rows for a name.
stats() {
    awk -v p="$1" -v n="$2" -v f="$3" '$1 == p && $2 == n { print $f }' "$results" | sort -g |
        awk '{ v[NR] = $1 } END { if (NR == 0) print "- - -"; else print v[int((NR + 1) / 2)], v[1], v[NR] }'
}
# "4.85 (4.60-5.12)", or "+0.62 (+0.31..+0.95)" with a sign.
spread() {
    awk -v m="$1" -v lo="$2" -v hi="$3" -v sign="$4" 'BEGIN {
        f = sign ? "%+.2f" : "%.2f"; sep = sign ? ".." : "-"
        printf f " (" f sep f ")", m, lo, hi }'
}
echo "microseconds per signal, $count signals, median (min-max) of $runs rounds, every signal and value checked"
printf '  %-13s %-20s %-20s %s\n' "" "free" "on CPU 0" "lost"
for name in $names; do
    read -r fm flo fhi <<< "$(stats free "$name" 3)"
    read -r cm clo chi <<< "$(stats cpu0 "$name" 3)"
    lost=$(awk -v n="$name" '$2 == n { print $4 }' "$results" | sort -n | tail -1)
    printf '  %-13s %-20s %-20s %s\n' "$name" "$(spread "$fm" "$flo" "$fhi" 0)" "$(spread "$cm" "$clo" "$chi" 0)" "$lost"
done
echo "added per signal: each traced run minus the mean of the untraced runs around it, median (min-max)"
printf '  %-13s %-24s %s\n' "" "free" "on CPU 0"
for name in $names; do
    [ "$name" = untraced ] && continue
    read -r fm flo fhi <<< "$(stats free "$name" 5)"
    read -r cm clo chi <<< "$(stats cpu0 "$name" 5)"
    printf '  %-13s %-24s %s\n' "$name" "$(spread "$fm" "$flo" "$fhi" 1)" "$(spread "$cm" "$clo" "$chi" 1)"
done
if [[ " $names " == *" bpftrace "* ]]; then
    bpf=$(stats free bpftrace 5 | cut -d' ' -f1)
    floor_added=$(stats free tracepoints 5 | cut -d' ' -f1)
    for name in kernel-count kernel-text kernel-json; do
        added=$(stats free "$name" 5 | cut -d' ' -f1)
        awk -v n="$name" -v a="$added" -v b="$bpf" -v f="$floor_added" 'BEGIN {
            printf "  %-13s %+.2f us against bpftrace, %+.2f over the floor (free); goal < 1 us added: %s\n",
                n, a - b, a - f, (a < 1 ? "met" : "not met") }'
    done
fi
echo "(tracepoints: signal_generate and signal_deliver recorded into an instance set up as sigscope's, no reader,"
echo " the kernel's own cost that every tracepoint tool pays, the floor of kernel-* and bpftrace;"
echo " kernel-*/ptrace-*: sigscope watch --backend B [--format json | -c] -- CMD, release build; kernel-count"
echo " and bpftrace only count, the others write every event; lost: most events the kernel lost in one kernel-json"
echo " or kernel-count run; strace: strace -f --seccomp-bpf -e trace=none -o /dev/null CMD,"
echo " $(strace -V | head -1); bpftrace: counting signal_generate and signal_deliver for the command,"
echo " $(bpftrace --version 2>/dev/null || echo absent); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
