/**
 * The k nearest images of every training image in input space (squared Euclidean distance on
 * the normalised inputs, the image itself left out), for --neighbours and --agreement: the
 * pairs whose representations, or clusters, those terms keep together. Trustworthiness scores
 * a map by exactly these neighbours, which no other term of the model sees.
 *
 * Exact: ‖a − b‖² = ‖a‖² + ‖b‖² − 2a·b, the products in matMul2d (the run's selected kernels on
 * wasm). Each pair's distance is computed once and offered to both images' lists, so a block of
 * rows is multiplied only with the rows from it onwards: for MNIST's 60,000 images 2.8 TFLOP.
 */
import { squaredNorms } from '@aae-map/shared';
import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from '../kernels/wasm-matmul.ts';

/** Rows per block: a block's products, [count, BLOCK] floats at most, stay near 100 MB for 60k images. */
const BLOCK = 400;

/** The k nearest so far of each of `count` images: squared distances and indices, [count, k] each, nearest first. */
class NearestLists {
  readonly distance: Float64Array;
  readonly index: Int32Array;

  constructor(
    count: number,
    private readonly k: number,
  ) {
    this.distance = new Float64Array(count * k).fill(Number.POSITIVE_INFINITY);
    this.index = new Int32Array(count * k).fill(-1);
  }

  /** Puts image j at squared distance d into image i's list, if it is among the k nearest so far. */
  offer(i: number, j: number, d: number): void {
    const start = i * this.k;
    let p = start + this.k - 1;
    if (d >= this.distance[p]!) return;
    while (p > start && this.distance[p - 1]! > d) {
      this.distance[p] = this.distance[p - 1]!;
      this.index[p] = this.index[p - 1]!;
      p--;
    }
    this.distance[p] = d;
    this.index[p] = j;
  }
}

/**
 * For each of the `count` rows of `x` [count, dim] (normalised inputs, row-major), its k nearest
 * other rows: [count, k] indices, nearest first. `onPairs` is told how many of the
 * count·(count − 1)/2 pairs each block of rows compared.
 */
export async function pixelNeighbours(
  x: Float32Array,
  count: number,
  dim: number,
  k: number,
  onPairs?: (pairs: number) => void,
): Promise<Int32Array> {
  if (k < 1 || k >= count) throw new Error(`pixelNeighbours: k must be from 1 to ${count - 1}, got ${k}`);
  const norms = squaredNorms(x.subarray(0, count * dim), dim);
  const lists = new NearestLists(count, k);
  const rowMajor = tf.tensor2d(x.subarray(0, count * dim), [count, dim]);
  const featureMajor = tf.tidy(() => tf.transpose(rowMajor) as tf.Tensor2D);
  try {
    for (let from = 0; from < count; from += BLOCK) {
      const rows = Math.min(BLOCK, count - from);
      const later = count - from;
      // [later, rows]: the block's rows against every row from the block's first onwards.
      const dots = tf.tidy(() => matMul2d(tf.slice(rowMajor, [from, 0], [later, dim]), tf.slice(featureMajor, [0, from], [dim, rows])));
      // Asynchronous: WebGPU has no synchronous read.
      const values = (await dots.data()) as Float32Array;
      dots.dispose();
      for (let c = 1; c < later; c++) {
        const j = from + c;
        for (let r = 0; r < Math.min(c, rows); r++) {
          const i = from + r;
          const d = norms[i]! + norms[j]! - 2 * values[c * rows + r]!;
          lists.offer(i, j, d);
          lists.offer(j, i, d);
        }
      }
      onPairs?.(rows * later - (rows * (rows + 1)) / 2);
    }
  } finally {
    tf.dispose([rowMajor, featureMajor]);
  }
  return lists.index;
}
