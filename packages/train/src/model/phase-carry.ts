/** The carry between the phases of an iteration (phases.ts), and how it is taken and freed. */
import * as tf from '@tensorflow/tfjs-core';
import type { EncoderTrace } from './model.ts';

/**
 * What one phase leaves for the next within an iteration: the discriminator phase's encoder
 * pass on the unlabelled images, which the generator phase backpropagates through (the
 * encoder does not change in between). Its tensors outlive tf.tidy until the generator phase.
 */
export interface PhaseCarry {
  trace?: { xU: Float32Array | tf.Tensor2D; encoder: EncoderTrace };
}

function releaseTrace(carry: PhaseCarry): EncoderTrace | undefined {
  const t = carry.trace?.encoder;
  carry.trace = undefined;
  return t;
}

export const traceTensors = (t: EncoderTrace) => [t.logits, t.z, ...t.layers.flatMap((l) => [l.xT, l.yT])];

/** Frees what a carry holds (before a fresh discriminator phase, or when a replica stops). */
export function clearCarry(carry: PhaseCarry): void {
  const t = releaseTrace(carry);
  if (t) tf.dispose(traceTensors(t));
}

/** Takes the discriminator phase's encoder pass out of the carry: the pass if it was on these images, else frees it. */
export function takeTrace(carry: PhaseCarry, b: { xU: Float32Array | tf.Tensor2D }): EncoderTrace | undefined {
  const xU = carry.trace?.xU;
  const encoder = releaseTrace(carry);
  if (!encoder || sameImages(xU!, b.xU)) return encoder;
  tf.dispose(traceTensors(encoder));
  return undefined;
}

/** Whether two batches' images are the same: equal host arrays, or the same device tensor. */
function sameImages(a: Float32Array | tf.Tensor2D, b: Float32Array | tf.Tensor2D): boolean {
  if (a instanceof Float32Array && b instanceof Float32Array) return a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}
