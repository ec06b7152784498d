/**
 * The neighbour term (--neighbours w): UMAP's cross-entropy with negative sampling (McInnes et
 * al. 2018; on an encoder, Parametric UMAP, Sainburg et al. 2021) on the representation
 * W_c·y + z. Each unlabelled image and one of its nearest images in input space (the batch's
 * second copy, xU2) are pulled together; each image and the neighbours drawn for NEGATIVES other
 * images of the batch are pushed apart. The kernel is Student-t's, q(d) = 1 / (1 + d²) (UMAP
 * with a = b = 1): attraction −log q = log(1 + d²), repulsion −log(1 − q) = log(1 + d²) − log d².
 */
import * as tf from '@tensorflow/tfjs-core';

/** Negative pairs per positive pair, UMAP's default negative sample rate. */
export const NEGATIVES = 5;

/** Keeps log d² finite for a negative pair that lands on the same point. */
const MIN_SQUARED_DISTANCE = 1e-3;

/** Rows of `t` rotated up by `s`: row i becomes row (i + s) mod B. */
function rotate(t: tf.Tensor2D, s: number): tf.Tensor2D {
  return tf.concat([tf.slice(t, [s, 0], [-1, -1]), tf.slice(t, [0, 0], [s, -1])]) as tf.Tensor2D;
}

/**
 * Mean over the rows of `r` [B, d] of the attraction to the same row of `r2` (its neighbour),
 * plus the repulsion from row i + s of `r2` for s = 1 … NEGATIVES (the neighbours drawn for other
 * images). A mean over examples whose negatives come from the same batch: replicas each draw
 * negatives from their own share (docs/design.md).
 */
export function neighbourLoss(r: tf.Tensor2D, r2: tf.Tensor2D): tf.Scalar {
  const squared = (a: tf.Tensor2D, b: tf.Tensor2D) => tf.sum(tf.squaredDifference(a, b), 1);
  let loss = tf.mean(tf.log1p(squared(r, r2)));
  for (let s = 1; s <= Math.min(NEGATIVES, r.shape[0] - 1); s++) {
    const d2 = squared(r, rotate(r2, s));
    loss = tf.add(loss, tf.mean(tf.sub(tf.log1p(d2), tf.log(tf.maximum(d2, MIN_SQUARED_DISTANCE)))));
  }
  return loss as tf.Scalar;
}
