#!/usr/bin/env bash
# On a GPU machine without internet, from the repository root, with .device-kit-embed/ made by
# `node scripts/device-embed-kit.mjs` beside it: `embed` on a million 28x28 PNGs (hard links to
# 10,000 MNIST digits, 1,000 a folder) with --workers 1, 4, 8 and 15, on cpu and on webgpu, each
# timed from the outside (files/s = files / wall seconds, start-up included). 540 s in all.
# Output goes to stdout and to $OUT (default ./device-out-embed) as one log per step.
#   DEVICE_QUICK=1 runs it on 2,000 files with --workers 1 and 2 (a check of the kit itself).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KIT="$ROOT/.device-kit-embed"
OUT=${OUT:-$ROOT/device-out-embed}
WORK=${TMPDIR:-/tmp}/aae-embed-sweep
mkdir -p "$OUT"
[ -f "$KIT/embed.js" ] || { echo "error: no $KIT/embed.js: run node scripts/device-embed-kit.mjs first (on a machine with the repository installed)"; exit 2; }

# onnxruntime's library, MNIST and the model, unpacked once (brotli, which node reads).
for f in $(find "$KIT" -name '*.br'); do
  [ -e "${f%.br}" ] || node -e "const fs = require('fs'); fs.writeFileSync(process.argv[2], require('zlib').brotliDecompressSync(fs.readFileSync(process.argv[1])))" "$f" "${f%.br}"
done
# The Vulkan loader and the GL dispatch libraries, unpacked without root where the system lacks them.
if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1; then
  mkdir -p "$KIT/sys" && for d in "$KIT"/debs/*.deb; do dpkg-deb -x "$d" "$KIT/sys"; done
  export LD_LIBRARY_PATH="$KIT/sys/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
fi
# embed's decode worker, prebuilt (worker-bundle.ts): the kit has no sources or esbuild to build it.
export AAE_DECODE_WORKER="$KIT/decode-worker.js"

if [ "${DEVICE_QUICK:-0}" = 1 ]; then FILES=2000 WORKERS="1 2"; else FILES=1000000 WORKERS="1 4 8 15"; fi
{
  echo "node $(node --version) (kit built with $(cat "$KIT/built-with.txt")), $(nproc) cores, $FILES files"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -3
} | tee "$OUT/machine.txt"

T0=$SECONDS
if [ ! -e "$WORK/tree-$FILES.complete" ]; then
  rm -rf "$WORK" && mkdir -p "$WORK"
  node "$KIT/sample-images.js" --out "$WORK/sources" --count 10000 > /dev/null &&
    node "$KIT/link-tree.mjs" "$WORK/sources" "$WORK/tree-$FILES" "$FILES" &&
    touch "$WORK/tree-$FILES.complete" || { echo "error: could not make the tree under $WORK"; exit 1; }
fi
echo "tree of $FILES files ready after $((SECONDS - T0)) s" | tee -a "$OUT/machine.txt"

# One embed run under a time limit; prints files/s from its wall time, and its exit code.
run() {
  local name=$1 limit=$2
  shift 2
  local t0 t1 code
  t0=$(date +%s.%N)
  timeout "$limit" node "$KIT/embed.js" --model "$KIT/model.onnx" --input "$WORK/tree-$FILES" --out "$WORK/$name.csv" --overwrite "$@" > "$OUT/$name.log" 2>&1
  code=$?
  t1=$(date +%s.%N)
  local rows
  rows=$(($(wc -l < "$WORK/$name.csv" 2>/dev/null || echo 1) - 1))
  echo "$name: exit $code, $rows rows in $(node -e "console.log((process.argv[2] - process.argv[1]).toFixed(2))" "$t0" "$t1") s, $(node -e "console.log(Math.round(process.argv[3] / (process.argv[2] - process.argv[1])))" "$t0" "$t1" "$rows") files/s ($*)" | tee -a "$OUT/sweep.txt"
  tail -2 "$OUT/$name.log" | grep -v '^$' | sed 's/^/    /'
}

for device in cpu webgpu; do
  for w in $WORKERS; do run "$device-w$w" 50 --device "$device" --workers "$w"; done
done
# The two devices' points for the same files, with the most workers.
w=${WORKERS##* }
node "$KIT/compare-points.mjs" "$WORK/cpu-w$w.csv" "$WORK/webgpu-w$w.csv" 2>&1 | tee -a "$OUT/sweep.txt"
echo "logs: $OUT; CSVs: $WORK"
