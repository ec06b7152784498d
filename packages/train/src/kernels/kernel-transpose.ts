/**
 * Transposed copies of the dense kernels, which the feature-major layers (dense.ts) multiply
 * with. The training state keeps them next to the weights and refreshes exactly the elements
 * each Adam update changed, so replicas upload them instead of transposing every kernel again.
 */
import { FlatTensors, type TensorSpec } from './flat-tensors.ts';
import { simdTransposeTiles } from './simd-transpose.ts';

export const isKernel = (name: string): boolean => name.endsWith('/kernel');

/** Specs of the transposed kernels among `specs`: same names, shapes [out, in]. */
export function transposedSpecs(specs: TensorSpec[]): TensorSpec[] {
  return specs.filter(([n]) => isKernel(n)).map(([n, [rows, cols]]) => [n, [cols!, rows!]]);
}

/** Transposes rows [r0, r1) × columns [c0, c1) of `src` into `dst` in 8×8 tiles (plain JS). */
function transposeBlock(
  src: Float32Array,
  rows: number,
  cols: number,
  dst: Float32Array,
  r0: number,
  r1: number,
  c0: number,
  c1: number,
): void {
  const T = 8;
  for (let rt = r0; rt < r1; rt += T) {
    const rEnd = Math.min(r1, rt + T);
    for (let ct = c0; ct < c1; ct += T) {
      const cEnd = Math.min(c1, ct + T);
      for (let r = rt; r < rEnd; r++) for (let c = ct; c < cEnd; c++) dst[c * rows + r] = src[r * cols + c]!;
    }
  }
}

/**
 * Writes the transposes of elements [from, to) (row-major) of `src` ([rows, cols]) into `dst`
 * ([cols, rows]). Whole rows go through the SIMD kernel in 4×4 tiles where the arrays live in
 * the SharedArena (simd-transpose.ts), and in 8×8 JS tiles otherwise (3.5 ms per million floats).
 */
export function transposeRange(src: Float32Array, rows: number, cols: number, dst: Float32Array, from = 0, to = rows * cols): void {
  const one = (i: number) => (dst[(i % cols) * rows + Math.floor(i / cols)] = src[i]!);
  let i = from;
  const headEnd = Math.min(to, Math.ceil(from / cols) * cols);
  for (; i < headEnd; i++) one(i);
  if (i >= to) return;
  const r0 = i / cols;
  const r1 = Math.floor(to / cols);
  const r4 = r0 + ((r1 - r0) & ~3);
  const c4 = cols & ~3;
  if (r4 > r0 && c4 > 0 && simdTransposeTiles(src, rows, cols, dst, r0, r4, c4)) {
    transposeBlock(src, rows, cols, dst, r0, r4, c4, cols);
    transposeBlock(src, rows, cols, dst, r4, r1, 0, cols);
  } else {
    transposeBlock(src, rows, cols, dst, r0, r1, 0, cols);
  }
  for (i = r1 * cols; i < to; i++) one(i);
}

/**
 * Refreshes `transposed` for the kernels among `specs` whose elements fall in [from, to) of the
 * flat layout of `specs` (the range Adam.step updated).
 */
export function refreshTransposed(
  params: FlatTensors,
  transposed: FlatTensors,
  specs: TensorSpec[],
  range?: { from: number; to: number },
): void {
  FlatTensors.forEachInRange(specs, range, (name, [rows, cols], from, to) => {
    if (isKernel(name)) transposeRange(params.view(name), rows!, cols!, transposed.view(name), from, to);
  });
}
