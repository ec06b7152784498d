/**
 * Terms on the cluster assignment y alone, for training without labels (the generator phase adds
 * them when their weights are set): the batch's balance over the clusters, and each y's entropy.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { PhaseSettings, Stats } from './phases.ts';

/**
 * KL(ȳ ‖ uniform) of the batch's mean y, ȳ = mean of softmax(logits): 0 when the batch uses every
 * cluster equally, log n when it uses one. D_y judges each y alone, so it cannot see clusters
 * that the encoder never uses; this term can. It is not a mean over examples, so replicas each
 * balance their own share of the batch.
 */
export function clusterImbalance(logits: tf.Tensor2D): tf.Scalar {
  const mean = tf.mean(tf.softmax(logits), 0);
  return tf.sum(tf.mul(mean, tf.log(tf.add(tf.mul(mean, logits.shape[1]), 1e-12)))) as tf.Scalar;
}

/**
 * Mean over the batch of H(y_i), the entropy of each softmax(logits) row: 0 when every y is
 * one-hot, log n when every y is uniform. clusterImbalance is also 0 when every y is uniform;
 * the two together are the mutual-information objective of RIM and IIC, −(H(ȳ) − mean H(y)) up
 * to the constant log n. Unlike clusterImbalance it is a mean over examples.
 */
export function meanEntropy(logits: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(tf.sum(tf.mul(tf.softmax(logits), tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/**
 * IIC's objective (Ji et al. 2019): the mutual information I(y, y') between the clusters of two
 * views of the same images, from logits `a` and `b` of the same rows. The joint is
 * P = mean over rows of y·y'ᵀ, symmetrised; I = Σ P log(P / (P_i P_j)) with its marginals. It is
 * largest (log n) when both views of each image land in the same confident cluster and the batch
 * uses every cluster equally. Like clusterImbalance it is not a mean over examples: replicas
 * each take the joint of their own share of the batch (docs/design.md).
 */
export function pairMutualInformation(a: tf.Tensor2D, b: tf.Tensor2D): tf.Scalar {
  const joint = tf.div(tf.matMul(tf.softmax(a), tf.softmax(b), true, false), a.shape[0]);
  const p = tf.div(tf.add(joint, tf.transpose(joint)), 2);
  // Entries that underflow to 0 contribute 0 · log(…); the offset keeps their logs finite.
  const log = (t: tf.Tensor) => tf.log(tf.add(t, 1e-12));
  const marginals = tf.add(log(tf.sum(p, 1, true)), log(tf.sum(p, 0, true)));
  return tf.sum(tf.mul(p, tf.sub(log(p), marginals))) as tf.Scalar;
}

/**
 * SCAN's consistency term (Van Gansbeke et al. 2020) between each image's y and its
 * neighbour's, from logits `a` and `b` of the same rows: −mean log ⟨y, y′⟩. It is 0 when both
 * are the same one-hot y, and large when they disagree or are diffuse, so it asks for confident
 * clusters that neighbours share; with `balance`, SCAN's objective. A mean over examples, so
 * replicas get the full-batch gradient.
 */
export function pairAgreement(a: tf.Tensor2D, b: tf.Tensor2D): tf.Scalar {
  const inner = tf.sum(tf.mul(tf.softmax(a), tf.softmax(b)), 1);
  // ⟨y, y′⟩ can underflow to 0 for two confident, different clusters; the floor keeps its log finite.
  return tf.neg(tf.mean(tf.log(tf.add(inner, 1e-12)))) as tf.Scalar;
}

/** The generator phase's terms on y alone, each weighted and reported when its weight is set. */
export function clusterTerms(loss: tf.Scalar, logits: tf.Tensor2D, s: PhaseSettings, stats: Stats): tf.Scalar {
  let out = loss;
  for (const [weight, key, term] of [
    [s.balance, 'imbalance', clusterImbalance],
    [s.confidence, 'entropy', meanEntropy],
  ] as const) {
    if (!weight) continue;
    const value = term(logits);
    stats[key] = tf.keep(value);
    out = tf.add(out, tf.mul(value, weight)) as tf.Scalar;
  }
  return out;
}
