/**
 * The four phases of one training iteration (docs/design.md, The model), each as "loss of a batch → gradients
 * of the weights that phase updates":
 * 1. reconstruction: encoder + decoder (+ learned heads in 2-D mode) minimise pixel MSE;
 * 2. discriminator: D_y and D_z learn to tell prior samples from encoder outputs;
 * 3. generator: the encoder learns to make D_y and D_z call its outputs real;
 * 4. supervised: cross-entropy of y on the labelled batch.
 * Every loss is a mean over examples, so data-parallel replicas that average their gradients
 * over equal halves of a batch get exactly the full-batch gradient.
 */

import type { Architecture } from '@aae-map/shared';
import * as tf from '@tensorflow/tfjs-core';
import { clusterTerms, pairAgreement, pairMutualInformation } from './cluster-terms.ts';
import type { DenseImpl } from './dense.ts';
import { headPenalty } from './head-penalty.ts';
import {
  decode,
  differentiate,
  discriminate,
  type EncoderTrace,
  encode,
  encoderGrads,
  inference,
  meanOnDevice,
  represent,
  scaleGradient,
  traceEncoder,
  type WeightTensors,
} from './model.ts';
import { neighbourLoss } from './neighbour-term.ts';
import { clearCarry, type PhaseCarry, takeTrace, traceTensors } from './phase-carry.ts';
import { vatGradients } from './vat.ts';

export { clearCarry, type PhaseCarry } from './phase-carry.ts';

export const PHASES = ['reconstruction', 'discriminator', 'generator', 'supervised'] as const;
export type Phase = (typeof PHASES)[number];

/**
 * Everything random or data-dependent that one iteration consumes, per example (row-major). The
 * images are host arrays, or tensors already on the device (the GPU step gathers them there).
 */
export interface IterationBatch<Images extends Float32Array | tf.Tensor2D = Float32Array> {
  /** Number of examples in each per-example array. */
  size: number;
  /** [size, pixels] unlabelled images, normalised. */
  xU: Images;
  /** [size, pixels] labelled images, normalised; absent when training without labels. */
  xL?: Images;
  /** [size] class of each labelled image. */
  labels?: Int32Array;
  /** [size] categories drawn from the categorical prior (D_y's real samples). */
  priorY: Int32Array;
  /** [size, d] draws from N(0, I) (D_z's real samples). */
  priorZ: Float32Array;
  /** Discriminator input noise, [size, n] / [size, d] each, N(0, σ²). */
  noiseRealY: Float32Array;
  noiseFakeY: Float32Array;
  noiseRealZ: Float32Array;
  noiseFakeZ: Float32Array;
  noiseGenY: Float32Array;
  noiseGenZ: Float32Array;
  /** [size, pixels] N(0, 1) draws: the random start of each unlabelled image's VAT direction (only with `vat`). */
  vatDirection?: Float32Array;
  /**
   * [size, pixels] a second image for each unlabelled one: the same image warped independently
   * of xU (with `invariance`), or one of its nearest images in input space (with `neighbours`).
   */
  xU2?: Images;
}

/** A batch whose images may be on the host or on the device: what the phases accept. */
export type AnyBatch = IterationBatch<Float32Array> | IterationBatch<tf.Tensor2D>;

export interface PhaseSettings {
  arch: Architecture;
  impl: DenseImpl;
  /** Minimum distance between heads in 2-D mode (η). */
  headDistance: number;
  /** ε of virtual adversarial training in the generator phase (vat.ts); 0 or absent = off. */
  vat?: number;
  /** Weight of clusterImbalance in the generator phase; 0 or absent = off. */
  balance?: number;
  /** Weight of meanEntropy in the generator phase; 0 or absent = off. */
  confidence?: number;
  /** Weight of pairMutualInformation between y on xU and on xU2, maximised in the generator phase; 0 or absent = off. */
  invariance?: number;
  /** Weight of neighbourLoss between the representations of xU and xU2 in the generator phase; 0 or absent = off. */
  neighbours?: number;
  /** Weight of pairAgreement between y on xU and on xU2 (its neighbour) in the generator phase; 0 or absent = off. */
  agreement?: number;
  /** Weight of D_z's term in the generator phase, which pulls z towards N(0, I); absent = 1. */
  stylePrior?: number;
  /** Scale of the reconstruction's gradient into y (scaleGradient); absent = 1, 0 = y learns from the other phases only. */
  reconstructY?: number;
}

export interface PhaseOutput {
  loss: tf.Scalar;
  /**
   * Extra numbers to report, e.g. discriminator confidences. Those computed inside a gradient
   * tape are kept (tf.keep) to outlive it: the caller disposes them after reading.
   */
  stats: Stats;
  /** Gradients in the order of the names passed in. */
  grads: tf.Tensor[];
}

const REAL = 0;
const FAKE = 1;

/** Mean cross-entropy of logits against one class for every row. */
function ceConstant(logits: tf.Tensor2D, cls: number): tf.Scalar {
  const col = tf.slice(tf.logSoftmax(logits), [0, cls], [-1, 1]);
  return tf.neg(tf.mean(col)) as tf.Scalar;
}

/** Mean cross-entropy of logits against per-row labels. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const oneHot = tf.oneHot(labels, logits.shape[1]);
  return tf.neg(tf.mean(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
}

/** Mean probability that the discriminator gives the correct class (kept: see PhaseOutput.stats). */
function confidence(logits: tf.Tensor2D, cls: number): tf.Scalar {
  return tf.keep(tf.mean(tf.slice(tf.softmax(logits), [0, cls], [-1, 1])) as tf.Scalar);
}

const rows = (data: Float32Array | tf.Tensor2D, size: number): tf.Tensor2D =>
  data instanceof Float32Array ? tf.tensor2d(data, [size, data.length / size]) : data;

export type Stats = Record<string, tf.Scalar>;

type PhaseFn = (
  w: WeightTensors,
  b: AnyBatch,
  names: string[],
  s: PhaseSettings,
  stats: Stats,
  carry: PhaseCarry,
) => { loss: tf.Scalar; grads: tf.Tensor[] };

const reconstruction: PhaseFn = (w, b, names, s, stats) => {
  const a = s.arch;
  const x = b.xL ? tf.concat([rows(b.xU, b.size), rows(b.xL, b.size)]) : rows(b.xU, b.size);
  return differentiate(w, names, () => {
    const { logits, z } = encode(w, a, x, { train: true, inputGrad: false, impl: s.impl });
    const scale = s.reconstructY ?? 1;
    const y = scale === 1 ? tf.softmax(logits) : scaleGradient(tf.softmax(logits), scale);
    const xHat = decode(w, a, represent(w, y, z!), { train: true, inputGrad: true, impl: s.impl });
    const mse = meanOnDevice(tf.squaredDifference(xHat, x));
    stats.mse = tf.keep(mse);
    if (a.mode !== '2d') return mse;
    const pen = headPenalty(w.get('heads') as tf.Tensor2D, s.headDistance);
    stats.headPenalty = tf.keep(pen);
    return tf.add(mse, pen);
  });
};

const discriminator: PhaseFn = (w, b, names, s, stats, carry) => {
  const a = s.arch;
  const B = b.size;
  // The encoder is not trained here, so its forward pass runs outside the gradient tape; with
  // the 'custom' layers it is kept for the generator phase.
  clearCarry(carry);
  let logits: tf.Tensor2D;
  let z: tf.Tensor2D | undefined;
  if (s.impl === 'custom') {
    const encoder = traceEncoder(w, a, rows(b.xU, B));
    for (const t of traceTensors(encoder)) tf.keep(t);
    carry.trace = { xU: b.xU, encoder };
    ({ logits, z } = encoder);
  } else {
    ({ logits, z } = encode(w, a, rows(b.xU, B), inference(s.impl)));
  }
  const priorY = tf.oneHot(tf.tensor1d(b.priorY, 'int32'), a.clusters).toFloat() as tf.Tensor2D;
  const inY = tf.add(tf.concat([priorY, tf.softmax(logits)]), tf.concat([rows(b.noiseRealY, B), rows(b.noiseFakeY, B)])) as tf.Tensor2D;
  const inZ = tf.add(tf.concat([rows(b.priorZ, B), z!]), tf.concat([rows(b.noiseRealZ, B), rows(b.noiseFakeZ, B)])) as tf.Tensor2D;
  const pass = { train: true, inputGrad: false, impl: s.impl };
  return differentiate(w, names, () => {
    let loss = tf.scalar(0);
    for (const [which, input] of [
      ['disc_y', inY],
      ['disc_z', inZ],
    ] as const) {
      const d = discriminate(w, a, which, input, pass);
      const real = tf.slice(d, [0, 0], [B, -1]);
      const fake = tf.slice(d, [B, 0], [B, -1]);
      const key = which === 'disc_y' ? 'Y' : 'Z';
      stats[`confReal${key}`] = confidence(real, REAL);
      stats[`confFake${key}`] = confidence(fake, FAKE);
      loss = tf.add(loss, tf.add(ceConstant(real, REAL), ceConstant(fake, FAKE)));
    }
    return loss;
  });
};

const generator: PhaseFn = (w, b, names, s, stats, carry) => {
  const kept = takeTrace(carry, b);
  try {
    const vat = s.vat && b.vatDirection ? virtualAdversarial(w, b, names, s, stats, kept) : undefined;
    const out = fooling(w, b, names, s, stats, kept);
    if (!vat) return out;
    return { loss: out.loss, grads: out.grads.map((g, i) => (vat.has(names[i]!) ? tf.add(g, vat.get(names[i]!)!) : g)) };
  } finally {
    if (kept) tf.dispose(traceTensors(kept));
  }
};

/** The VAT term's gradients (vat.ts), with y on the unlabelled images, held fixed, as its target. */
function virtualAdversarial(
  w: WeightTensors,
  b: AnyBatch,
  names: string[],
  s: PhaseSettings,
  stats: Stats,
  kept?: EncoderTrace,
): Map<string, tf.Tensor> {
  const x = rows(b.xU, b.size);
  const logits = kept?.logits ?? encode(w, s.arch, x, inference(s.impl), false).logits;
  const v = vatGradients(w, s.arch, s.impl, x, logits, rows(b.vatDirection!, b.size), s.vat!, names);
  stats.vat = v.loss;
  return v.grads;
}

/**
 * The generator's adversarial objective: the encoder makes D_y and D_z call its outputs real.
 * It backpropagates through `kept`, the discriminator phase's pass on these images, if there is one.
 * With `invariance` it also maximises the mutual information between y on the images and y on
 * their second warps, and with `neighbours` it keeps each image's representation near its
 * neighbour's (neighbour-term.ts), with gradients through both encoder passes.
 */
function fooling(
  w: WeightTensors,
  b: AnyBatch,
  names: string[],
  s: PhaseSettings,
  stats: Stats,
  kept?: EncoderTrace,
): { loss: tf.Scalar; grads: tf.Tensor[] } {
  const frozen = { train: false, inputGrad: true, impl: s.impl };
  const fool = (logits: tf.Tensor2D, z: tf.Tensor2D) => {
    const dY = discriminate(w, s.arch, 'disc_y', tf.add(tf.softmax(logits), rows(b.noiseGenY, b.size)) as tf.Tensor2D, frozen);
    const dZ = discriminate(w, s.arch, 'disc_z', tf.add(z, rows(b.noiseGenZ, b.size)) as tf.Tensor2D, frozen);
    // Weight 0 still passes through D_z, so that z stays an input of the loss (its gradient is then 0).
    const weight = s.stylePrior ?? 1;
    const style = weight === 1 ? ceConstant(dZ, REAL) : tf.mul(ceConstant(dZ, REAL), weight);
    return clusterTerms(tf.add(ceConstant(dY, REAL), style) as tf.Scalar, logits, s, stats);
  };
  const second = (s.invariance || s.neighbours || s.agreement) && b.xU2 ? rows(b.xU2, b.size) : undefined;
  const total = (logits: tf.Tensor2D, z: tf.Tensor2D, logits2?: tf.Tensor2D, z2?: tf.Tensor2D): tf.Scalar => {
    let loss = fool(logits, z);
    if (logits2 && s.invariance) {
      const mi = pairMutualInformation(logits, logits2);
      stats.mutualInformation = tf.keep(mi);
      loss = tf.sub(loss, tf.mul(mi, s.invariance));
    }
    if (logits2 && s.agreement) {
      const disagreement = pairAgreement(logits, logits2);
      stats.disagreement = tf.keep(disagreement);
      loss = tf.add(loss, tf.mul(disagreement, s.agreement));
    }
    if (logits2 && z2 && s.neighbours) {
      const near = neighbourLoss(represent(w, tf.softmax(logits), z), represent(w, tf.softmax(logits2), z2));
      stats.neighbourLoss = tf.keep(near);
      loss = tf.add(loss, tf.mul(near, s.neighbours));
    }
    return loss;
  };
  if (!kept) {
    return differentiate(w, names, () => {
      const pass = { train: true, inputGrad: false, impl: s.impl };
      const { logits, z } = encode(w, s.arch, rows(b.xU, b.size), pass);
      const other = second && encode(w, s.arch, second, pass);
      return total(logits, z!, other?.logits, other?.z);
    });
  }
  // With a second image, the total derivative is the sum of the two passes' backward passes.
  const pair = second && traceEncoder(w, s.arch, second);
  const { value, grads: d } = tf.valueAndGrads((...xs: tf.Tensor[]) =>
    total(...(xs as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D?, tf.Tensor2D?])),
  )(
    // tfjs refuses a gradient with respect to an input the loss does not use: z2 only with neighbours.
    pair ? [kept.logits, kept.z, pair.logits, ...(s.neighbours ? [pair.z] : [])] : [kept.logits, kept.z],
  );
  const grads = encoderGrads(w, kept, d[0] as tf.Tensor2D, d[1] as tf.Tensor2D, names);
  if (!pair) return { loss: value as tf.Scalar, grads };
  const other = encoderGrads(w, pair, d[2] as tf.Tensor2D, (d[3] as tf.Tensor2D | undefined) ?? tf.zerosLike(pair.z), names);
  return { loss: value as tf.Scalar, grads: grads.map((g, i) => tf.add(g, other[i]!)) };
}

const supervised: PhaseFn = (w, b, names, s) => {
  if (!b.xL || !b.labels) throw new Error('supervised phase without a labelled batch');
  const x = rows(b.xL, b.size);
  const labels = tf.tensor1d(b.labels, 'int32');
  return differentiate(w, names, () =>
    crossEntropy(encode(w, s.arch, x, { train: true, inputGrad: false, impl: s.impl }, false).logits, labels),
  );
};

const PHASE_FNS: Record<Phase, PhaseFn> = { reconstruction, discriminator, generator, supervised };

/**
 * Runs one phase on a batch: its loss, stats and the gradients of `names`. Call inside tf.tidy,
 * with the same `carry` for all phases of a replica.
 */
export function runPhase(
  phase: Phase,
  w: WeightTensors,
  b: AnyBatch,
  names: string[],
  s: PhaseSettings,
  carry: PhaseCarry = {},
): PhaseOutput {
  const stats: Stats = {};
  return { ...PHASE_FNS[phase](w, b, names, s, stats, carry), stats };
}
