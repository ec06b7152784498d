/**
 * The k nearest images of every training image in input space (squared Euclidean distance on
 * the normalised inputs, the image itself left out), for --neighbours: the pairs that the
 * neighbour term keeps together in the map. Trustworthiness scores a map by exactly these
 * neighbours, which no other term of the model sees.
 *
 * Exact, by blocks of rows: ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b, the products in matMul2d (the run's
 * selected kernels on wasm). For MNIST's 60,000 images that is 5.6 TFLOP, about a minute with
 * OpenBLAS on one core.
 */
import { squaredNorms } from '@aae-map/shared';
import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from '../kernels/wasm-matmul.ts';

/** Rows per block: a block's products, [BLOCK, count] floats, stay near 100 MB for 60k images. */
const BLOCK = 400;

/**
 * Writes into `out` [k] the indices of the k smallest of ‖b‖² − 2·dots (‖a‖² is the same for
 * every candidate), nearest first, skipping `self`. Ties keep the lower index.
 */
function nearest(dots: Float32Array, norms: Float64Array, self: number, out: Int32Array): void {
  const k = out.length;
  const best = new Float64Array(k).fill(Number.POSITIVE_INFINITY);
  out.fill(-1);
  for (let j = 0; j < dots.length; j++) {
    const d = norms[j]! - 2 * dots[j]!;
    if (j === self || d >= best[k - 1]!) continue;
    let p = k - 1;
    while (p > 0 && best[p - 1]! > d) {
      best[p] = best[p - 1]!;
      out[p] = out[p - 1]!;
      p--;
    }
    best[p] = d;
    out[p] = j;
  }
}

/**
 * For each of the `count` rows of `x` [count, dim] (normalised inputs, row-major), its k nearest
 * other rows: [count, k] indices, nearest first. `onBlock` reports the rows done so far.
 */
export async function pixelNeighbours(
  x: Float32Array,
  count: number,
  dim: number,
  k: number,
  onBlock?: (done: number) => void,
): Promise<Int32Array> {
  if (k < 1 || k >= count) throw new Error(`pixelNeighbours: k must be from 1 to ${count - 1}, got ${k}`);
  const norms = squaredNorms(x.subarray(0, count * dim), dim);
  const out = new Int32Array(count * k);
  // Feature-major, so that each block's products are one matMul2d with transposeA.
  const all = tf.tidy(() => tf.transpose(tf.tensor2d(x, [count, dim])) as tf.Tensor2D);
  try {
    for (let from = 0; from < count; from += BLOCK) {
      const rows = Math.min(BLOCK, count - from);
      const dots = tf.tidy(() => matMul2d(tf.slice(all, [0, from], [dim, rows]), all, true));
      // Asynchronous: WebGPU has no synchronous read.
      const values = (await dots.data()) as Float32Array;
      dots.dispose();
      for (let r = 0; r < rows; r++) {
        nearest(values.subarray(r * count, (r + 1) * count), norms, from + r, out.subarray((from + r) * k, (from + r + 1) * k));
      }
      onBlock?.(from + rows);
    }
  } finally {
    all.dispose();
  }
  return out;
}
