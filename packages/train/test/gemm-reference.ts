/** The float64 product and float32 error bound that the gemm tests check every kernel against. */
import assert from 'node:assert/strict';
import * as tf from '@tensorflow/tfjs-core';
import { matMul2d } from '../src/kernels/wasm-matmul.ts';
import type { Rng } from '../src/rng.ts';

/** C = A·B in float64, and Σ|a||b| per element, which bounds float32 rounding error. */
export function reference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): { c: Float64Array; scale: Float64Array } {
  const c = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let j = 0; j < n; j++)
      for (let p = 0; p < k; p++) {
        c[i * n + j]! += a[i * k + p]! * b[p * n + j]!;
        scale[i * n + j]! += Math.abs(a[i * k + p]! * b[p * n + j]!);
      }
  return { c, scale };
}

/** |c − ref| ≤ 2k·2⁻²⁴·Σ|a||b| (the float32 dot-product error bound) for every element. */
export function assertProduct(got: Float32Array, a: Float32Array, b: Float32Array, m: number, k: number, n: number, what: string): void {
  const { c, scale } = reference(a, b, m, k, n);
  for (let i = 0; i < m * n; i++) {
    const bound = 2 * k * 2 ** -24 * scale[i]! + 1e-30;
    if (!(Math.abs(got[i]! - c[i]!) <= bound)) assert.fail(`${what}: element ${i} is ${got[i]}, expected ${c[i]} (bound ${bound})`);
  }
}

export const random = (rng: Rng, length: number) => Float32Array.from({ length }, () => rng.normal());

// Every row tail (m mod 4), every column tail (n mod 8, with partial vectors), k of 1 and more.
export const SHAPES: Array<[number, number, number]> = [];
for (const m of [1, 2, 3, 4, 5, 7, 9]) for (const n of [1, 2, 3, 4, 5, 7, 8, 9, 12, 13, 17]) for (const k of [1, 6]) SHAPES.push([m, k, n]);
SHAPES.push([1000, 784, 50], [784, 100, 1000], [10, 1000, 21]);

/** a [m, k] stored as its transpose [k, m]. */
export function transposed(a: Float32Array, m: number, k: number): Float32Array {
  const t = new Float32Array(m * k);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) t[p * m + i] = a[i * k + p]!;
  return t;
}

/** Random a [m, k] and b [k, n], and matMul2d's a·b on the active backend, from a plain A and from A stored transposed. */
export function matMul2dBothWays(rng: Rng, m: number, k: number, n: number) {
  const a = random(rng, m * k);
  const b = random(rng, k * n);
  const run = (stored: Float32Array, transposeA: boolean) =>
    tf.tidy(
      () => matMul2d(tf.tensor2d(stored, transposeA ? [k, m] : [m, k]), tf.tensor2d(b, [k, n]), transposeA).dataSync() as Float32Array,
    );
  return { a, b, plain: run(a, false), stored: run(transposed(a, m, k), true) };
}
