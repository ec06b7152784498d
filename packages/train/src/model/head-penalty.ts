/** The 2-D mode's penalty on learned heads that come too close (the reconstruction phase adds it). */
import * as tf from '@tensorflow/tfjs-core';

/** Σ over head pairs of relu(η − ‖h_i − h_j‖): pushes apart heads closer than η. */
export function headPenalty(heads: tf.Tensor2D, eta: number): tf.Scalar {
  // Pairwise differences as S·H, with one row of S per pair (+1 at i, −1 at j): a matMul,
  // whose gradient every backend has (gather's needs UnsortedSegmentSum, which wasm lacks).
  const n = heads.shape[0];
  const pairs: number[][] = [];
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) pairs.push(Array.from({ length: n }, (_, k) => (k === i ? 1 : k === j ? -1 : 0)));
  const diff = tf.matMul(tf.tensor2d(pairs, [pairs.length, n]), heads);
  const dist = tf.sqrt(tf.add(tf.sum(tf.square(diff), 1), 1e-12));
  return tf.sum(tf.relu(tf.sub(eta, dist)));
}
