/**
 * Virtual adversarial training (Miyato et al. 2018) for the generator phase: y on each unlabelled
 * image should not change when the image moves by ε along the direction that changes it most.
 * That direction is found by one power iteration from a random direction d: the gradient, with
 * respect to the image, of KL(y(x) ‖ y(x + ξ·d)). Measured on MNIST in docs/results.md.
 */

import type { Architecture } from '@aae-map/shared';
import * as tf from '@tensorflow/tfjs-core';
import type { DenseImpl } from './dense.ts';
import { differentiate, encode, type WeightTensors } from './model.ts';

/** Length of the probe step along d, in the normalised pixel scale. */
const XI = 1;

/** Mean over rows of KL(softmax(p) ‖ softmax(q)) for logits p (held fixed) and q. */
export function klLogits(p: tf.Tensor2D, q: tf.Tensor2D): tf.Scalar {
  const logP = tf.logSoftmax(p);
  return tf.mean(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, tf.logSoftmax(q))), 1)) as tf.Scalar;
}

/** Each row scaled to unit length. */
function unitRows(t: tf.Tensor2D): tf.Tensor2D {
  return tf.div(t, tf.add(tf.norm(t, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D;
}

/** The perturbation r_adv (rows of length ε) for images `x` whose cluster logits are `logits`, from random directions `d`. */
export function adversarialPerturbation(
  w: WeightTensors,
  a: Architecture,
  impl: DenseImpl,
  x: tf.Tensor2D,
  logits: tf.Tensor2D,
  d: tf.Tensor2D,
  eps: number,
): tf.Tensor2D {
  const probe = tf.add(x, tf.mul(XI, unitRows(d))) as tf.Tensor2D;
  const g = tf.grad((xr: tf.Tensor) =>
    klLogits(logits, encode(w, a, xr as tf.Tensor2D, { train: false, inputGrad: true, impl }, false).logits),
  )(probe);
  return tf.mul(eps, unitRows(g as tf.Tensor2D)) as tf.Tensor2D;
}

/**
 * The VAT loss KL(y(x) ‖ y(x + r_adv)) and its gradients for the encoder weights `names` that
 * reach y (the z head's are absent from the map).
 */
export function vatGradients(
  w: WeightTensors,
  a: Architecture,
  impl: DenseImpl,
  x: tf.Tensor2D,
  logits: tf.Tensor2D,
  d: tf.Tensor2D,
  eps: number,
  names: string[],
): { loss: tf.Scalar; grads: Map<string, tf.Tensor> } {
  const xAdv = tf.add(x, adversarialPerturbation(w, a, impl, x, logits, d, eps)) as tf.Tensor2D;
  const yNames = names.filter((n) => !n.startsWith('encoder/z/'));
  const { loss, grads } = differentiate(w, yNames, () =>
    klLogits(logits, encode(w, a, xAdv, { train: true, inputGrad: false, impl }, false).logits),
  );
  return { loss, grads: new Map(yNames.map((n, i) => [n, grads[i]!])) };
}
