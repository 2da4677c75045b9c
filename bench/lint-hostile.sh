#!/usr/bin/env bash
# Benchmark for `sigscope lint` on hostile inputs: a FIFO, 2 GB sparse files named .bin, .yaml and Dockerfile, a
# folder of them, and /dev/zero. Goal: each ends in under 1 s with a finding or exit 2, under 100 MB of memory.
# Beside each figure: `file` on the same input (it reads only the head, a fair floor) and sigscope's own start-up
# (`sigscope --version`), measured in the same run with /usr/bin/time (wall seconds, peak RSS).
# Rerun any time:   bench/lint-hostile.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps
SIGSCOPE=$(scripts/build-release)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
mkfifo "$WORK/pipe.yaml"
truncate -s 2G "$WORK/big.bin" "$WORK/big.yaml" "$WORK/Dockerfile"
mkdir "$WORK/folder"
truncate -s 2G "$WORK/folder/a.yaml" "$WORK/folder/Dockerfile"
measure() {  # prints "SECONDS s  PEAK MB", or "no end in 20 s"
    # time's figures go to a file of their own: the command's stderr is discarded, and time writes to its own.
    rm -f "$WORK/time.out"
    timeout 20 /usr/bin/time -o "$WORK/time.out" -f '%e %M' "$@" >/dev/null 2>&1 || true
    local seconds kb
    read -r seconds kb < <(tail -1 "$WORK/time.out" 2>/dev/null) || true
    if [ -z "${kb:-}" ]; then printf '%-24s' "no end in 20 s"; return; fi
    printf '%6.2f s %5d MB' "$seconds" $(( kb / 1024 ))
}
printf '%-28s %-24s %-24s\n' "input" "sigscope lint" "file"
printf '%-28s %-24s %-24s\n' "(start-up: --version)" "$(measure "$SIGSCOPE" --version)" ""
for input in pipe.yaml big.bin big.yaml Dockerfile folder /dev/zero; do
    path=$input
    [ "${input#/}" = "$input" ] && path=$WORK/$input
    printf '%-28s %-24s %-24s\n' "$input" "$(measure "$SIGSCOPE" lint "$path")" "$(measure file "$path")"
done
