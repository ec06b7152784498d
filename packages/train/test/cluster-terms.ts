/** What the tests of the phases' extra terms and weights (--balance, --confidence, --invariance, --neighbours, --agreement, --style-prior, --reconstruct-y) share. */

import { assertClose } from '@aae-map/shared/test-utils';
import { loadMnistDataset } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { FlatTensors } from '../src/kernels/flat-tensors.ts';
import { initialWeights, TfWeights } from '../src/model/model.ts';
import { type IterationBatch, type Phase, type PhaseSettings, runPhase } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import { EpochSampler } from '../src/step/batch-sampler.ts';
import { Replica } from '../src/step/replica.ts';
import type { TrainingState } from '../src/step/stepper.ts';

/** softmax of each row in float64. */
export function softmaxRows(logits: number[][]): number[][] {
  return logits.map((row) => {
    const top = Math.max(...row);
    const e = row.map((v) => Math.exp(v - top));
    const sum = e.reduce((s, v) => s + v, 0);
    return e.map((v) => v / sum);
  });
}

/** Asserts that tfjs's gradient of `term` matches central differences of its float64 definition `plain`. */
export function assertGradientMatches(term: (x: tf.Tensor2D) => tf.Scalar, plain: (logits: number[][]) => number, logits: number[][]) {
  const grad = tf.tidy(
    () =>
      tf
        .grad((x: tf.Tensor) => term(x as tf.Tensor2D))(tf.tensor2d(logits))
        .arraySync() as number[][],
  );
  const h = 1e-5;
  const numeric = logits.map((row, i) =>
    row.map((_, k) => {
      const at = (d: number) => plain(logits.map((r, j) => r.map((v, c) => (j === i && c === k ? v + d : v))));
      return (at(h) - at(-h)) / (2 * h);
    }),
  );
  // float32 softmax and log leave about 1e-6 of rounding in each entry.
  assertClose(grad.flat(), numeric.flat(), { atol: 2e-5 }, 'gradient');
}

export interface GeneratorResult {
  loss: number;
  stats: Record<string, number>;
  /** Gradient of the y layer's kernel. */
  yGrad: Float32Array;
}

/**
 * A small unsupervised 2-D model and one real MNIST batch: `generate` runs the generator phase on
 * it with the given extra settings.
 */
export async function generatorFixture(batchSeed: number, weightSeed: number) {
  const mnist = await loadMnistDataset();
  const opts = resolveOptions({ hidden: [32, 16], labels: 0, clusters: 20, styleDim: 2 }, mnist);
  const arch = architectureFor(opts, mnist);
  const train = { ...mnist.train, count: 200, labels: mnist.train.labels.subarray(0, 200) };
  const sampler = new EpochSampler(train, balancedSplit(train.labels, 10, 0, 1), arch, 20, 0.3);
  const rng = new Rng(batchSeed);
  sampler.startEpoch(rng);
  const batch = sampler.next(0, rng);
  const w = new TfWeights();
  w.upload(initialWeights(arch, new Rng(weightSeed), opts.headDistance));
  const names = [...w.tensors.keys()].filter((n) => n.startsWith('encoder/') && !n.endsWith(':T'));
  const generate = (extra: Partial<PhaseSettings>): GeneratorResult =>
    tf.tidy(() => {
      const o = runPhase('generator', w.tensors, batch, names, { arch, impl: 'custom', headDistance: 6, ...extra });
      const stats = Object.fromEntries(Object.entries(o.stats).map(([k, v]) => [k, v.dataSync()[0]!]));
      // Stats are kept past the tidy (PhaseOutput.stats): the caller frees them.
      tf.dispose(Object.values(o.stats));
      return { loss: o.loss.dataSync()[0]!, stats, yGrad: o.grads[names.indexOf('encoder/y/kernel')]!.dataSync() as Float32Array };
    });
  return { mnist, generate, dispose: () => w.dispose() };
}

/** Whether the y layer's gradient differs anywhere between two runs. */
export const yGradDiffers = (a: GeneratorResult, b: GeneratorResult) => a.yGrad.some((g, i) => Math.abs(g - b.yGrad[i]!) > 1e-6);

/**
 * The generator phase's loss, stats and gradients on `b` for `state`'s weights, in a fresh
 * Replica with `settings`; with `afterDiscriminator` the discriminator phase runs first, so the
 * generator backpropagates through its kept encoder pass.
 */
export async function generatorGradients(settings: PhaseSettings, state: TrainingState, b: IterationBatch, afterDiscriminator = false) {
  return phaseGradients('generator', settings, state, b, afterDiscriminator ? ['discriminator'] : []);
}

/** One phase's loss, stats and flat gradients on `b` in a fresh Replica, after running `before` (their gradients dropped). */
export async function phaseGradients(phase: Phase, settings: PhaseSettings, state: TrainingState, b: IterationBatch, before: Phase[] = []) {
  const replica = new Replica(settings);
  replica.upload(state.params);
  try {
    for (const p of before) await replica.gradients(p, b, new FlatTensors(state.phaseSpecs[p]));
    const g = new FlatTensors(state.phaseSpecs[phase]);
    const report = await replica.gradients(phase, b, g);
    return { ...report, g: g.data };
  } finally {
    replica.dispose();
  }
}
