#!/usr/bin/env bash
# Benchmark for `sigscope lint` on large ELF binaries, against `readelf -Ws` on the same file in the same run.
# Goal: sigscope no slower than readelf. Binaries timed:
#   1. a generated static, unstripped C binary of at least 50 MB (a big .incbin'ed array plus 40,000 functions,
#      so lint must walk a real .symtab), built once into .build/bench-lint/;
#   2. the largest ELF of the Swift toolchain (swift-frontend, about 200 MB, 300,000 symbols), when present.
# Rerun any time:   bench/lint-elf.sh [BLOB_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
BLOB_MB=${1:-60}
command -v hyperfine >/dev/null || { apt-get install -y -qq hyperfine >/dev/null; }
scripts/install-deps
SIGSCOPE=$(scripts/build-release)
WORK=$PWD/.build/bench-lint
mkdir -p "$WORK"

BIG=$WORK/big-static-$BLOB_MB
if [ ! -x "$BIG" ]; then
  head -c $((BLOB_MB * 1024 * 1024)) /dev/urandom > "$WORK/blob.bin"
  python3 - "$WORK/big.c" "$WORK/blob.bin" <<'PY'
import sys
out, blob = sys.argv[1], sys.argv[2]
with open(out, "w") as f:
    f.write('#include <signal.h>\n#include <stdio.h>\n')
    f.write('__asm__(".section .rodata\\n.global big_blob\\nbig_blob:\\n.incbin \\"%s\\"\\n.previous");\n' % blob)
    for i in range(40000):
        f.write(f"int handler_{i}(int x) {{ return x * {i} + 1; }}\n")
    f.write("static void on_term(int s) { (void)s; }\n")
    f.write("int main(void) { signal(SIGTERM, on_term); printf(\"%d\\n\", handler_7(3)); return 0; }\n")
PY
  cc -O0 -static -o "$BIG" "$WORK/big.c"
fi

TARGETS=("$BIG")
FRONTEND=$(dirname "$(readlink -f "$(command -v swift)")")/swift-frontend
[ -f "$FRONTEND" ] && TARGETS+=("$FRONTEND")

for target in "${TARGETS[@]}"; do
  size=$(stat -c %s "$target")
  symbols=$(readelf -Ws "$target" | wc -l)
  echo "== $target: $((size / 1024 / 1024)) MB, $symbols symbol-table lines"
  hyperfine -N -i --warmup 3 --runs 30 --export-json "$WORK/result.json" \
    "$SIGSCOPE lint $target" "readelf -Ws $target" >/dev/null
  python3 - "$WORK/result.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
sig, ref = r[0], r[1]
print(f"  sigscope lint: {sig['mean']*1000:8.1f} ms (±{sig['stddev']*1000:.1f})")
print(f"  readelf -Ws:   {ref['mean']*1000:8.1f} ms (±{ref['stddev']*1000:.1f})")
print(f"  ratio sigscope/readelf: {sig['mean']/ref['mean']:.2f} (goal: <= 1.00)")
PY
done
