import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { loadMnistDataset, selectBackend } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import { balancedSplit } from '../src/data/labelled-split.ts';
import type { FlatTensors } from '../src/kernels/flat-tensors.ts';
import { pairMutualInformation } from '../src/model/cluster-terms.ts';
import { encode, inference, initialWeights, TfWeights } from '../src/model/model.ts';
import type { PhaseSettings } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, INVARIANCE_WARP, resolveOptions } from '../src/run/options.ts';
import { augmentImages, type Warp } from '../src/step/augment.ts';
import { EpochSampler, sliceBatch } from '../src/step/batch-sampler.ts';
import { ParallelStepper } from '../src/step/parallel-stepper.ts';
import { TrainingState } from '../src/step/stepper.ts';
import { assertGradientMatches, generatorGradients, softmaxRows } from './cluster-terms.ts';

await selectBackend('wasm');
const mnist = await loadMnistDataset();
const train = { ...mnist.train, count: 1000, labels: mnist.train.labels.subarray(0, 1000) };
const WARP: Warp = { shift: 2, rotate: 15, scale: 0.1 };

/** IIC's I(y, y') in float64 from its definition, for logits of the two views stacked as rows [a; b]. */
function plainPairInformation(stacked: number[][]): number {
  const B = stacked.length / 2;
  const y = softmaxRows(stacked);
  const n = y[0]!.length;
  const p = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let r = 0; r < B; r++) s += (y[r]![i]! * y[B + r]![j]! + y[r]![j]! * y[B + r]![i]!) / 2;
      return s / B;
    }),
  );
  const row = p.map((r) => r.reduce((s, v) => s + v, 0));
  let info = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (p[i]![j]! > 0) info += p[i]![j]! * Math.log(p[i]![j]! / (row[i]! * row[j]!));
  return info;
}

const stackedTerm = (x: tf.Tensor2D) => {
  const B = x.shape[0] / 2;
  return pairMutualInformation(tf.slice(x, [0, 0], [B, -1]), tf.slice(x, [B, 0], [B, -1]));
};
const informationOf = (stacked: number[][]) => tf.tidy(() => stackedTerm(tf.tensor2d(stacked)).dataSync()[0]!);

test('pair mutual information: log n when both views agree on evenly used clusters, 0 when y is the same for every image, the definition on random logits', () => {
  const oneHot = (k: number) => [0, 1, 2].map((c) => (c === k ? 40 : 0));
  assertClose([informationOf([0, 1, 2, 0, 1, 2].map(oneHot))], [Math.log(3)], { atol: 1e-5 });
  // Every image has the same y in both views, confident or not: y' tells nothing about which image it came from.
  assertClose([informationOf(Array.from({ length: 4 }, () => [2, 0, -1]))], [0], { atol: 1e-6 });
  const rng = new Rng(11);
  const logits = Array.from({ length: 12 }, () => Array.from({ length: 5 }, () => 2 * rng.normal()));
  assertClose([informationOf(logits)], [plainPairInformation(logits)], { atol: 1e-6 });
});

test('pair mutual information: its gradient in both views matches central differences of the definition', () => {
  const rng = new Rng(12);
  const logits = Array.from({ length: 8 }, () => Array.from({ length: 4 }, () => 1.5 * rng.normal()));
  assertGradientMatches(stackedTerm, plainPairInformation, logits);
});

test('--invariance: default 0, must be >= 0, leaves the first copy unwarped without labels; the second copy takes the labelled default warp', () => {
  assert.equal(resolveOptions({ labels: 0 }, mnist).invariance, 0);
  const on = resolveOptions({ labels: 0, invariance: 1 }, mnist);
  assert.deepEqual([on.invariance, on.augment, on.augmentRotate, on.augmentScale], [1, 0, 0, 0]);
  const labelled = resolveOptions({}, mnist);
  assert.deepEqual(INVARIANCE_WARP, { shift: labelled.augment, rotate: labelled.augmentRotate, scale: labelled.augmentScale });
  assert.throws(() => resolveOptions({ invariance: -1 }, mnist), /--invariance must be a number >= 0/);
});

/** Iteration 0 of a seeded unsupervised sampler whose images get `warp` (and a second copy under `pairWarp`), and the Rng after it. */
function firstBatch(warp: Warp, pairWarp?: Warp, batch = 10) {
  const opts = resolveOptions({ labels: 0, clusters: 20, styleDim: 2, batch, hidden: [32, 16] }, mnist);
  const arch = architectureFor(opts, mnist);
  const rng = new Rng(7);
  const s = new EpochSampler(train, balancedSplit(train.labels, 10, 0, 1), arch, batch, opts.noiseStd, warp, false, pairWarp);
  s.startEpoch(rng);
  return { arch, batch: s.next(0, rng), rng };
}

const NO_WARP: Warp = { shift: 0, rotate: 0, scale: 0 };

test('the sampler: the second copy is the same images under their own warp, drawn after everything else', () => {
  const plain = firstBatch(WARP);
  const paired = firstBatch(WARP, WARP);
  assert.equal(plain.batch.xU2, undefined);
  const { xU2, ...rest } = paired.batch;
  assert.deepEqual(rest, plain.batch, 'every other array is as without the second copy');
  // The same images unwarped, warped with the draws that follow the batch's own.
  const expected = firstBatch(NO_WARP).batch.xU;
  augmentImages(expected, 10, 28, 28, WARP, -1, plain.rng);
  assert.deepEqual(xU2, expected);
  assert.notDeepEqual(xU2, paired.batch.xU, 'the two copies are warped differently');
  assert.deepEqual(sliceBatch(paired.batch, 3, 7).xU2, xU2!.slice(3 * 784, 7 * 784), "a replica's share of the second copy");
  // Without warps on the first copy (the unsupervised default) only the second is warped.
  const single = firstBatch(NO_WARP, WARP).batch;
  assert.deepEqual(single.xU, firstBatch(NO_WARP).batch.xU);
  assert.notDeepEqual(single.xU2, single.xU);
});

/** Initial weights with 8 times larger y logits, so that y is far from uniform, where I and its gradient are near 0. */
function confidentWeights(arch: ReturnType<typeof architectureFor>, seed: number): FlatTensors {
  const weights = initialWeights(arch, new Rng(seed), 6);
  const kernel = weights.view('encoder/y/kernel');
  kernel.forEach((v, i) => {
    kernel[i] = 8 * v;
  });
  return weights;
}

test("the generator phase: the loss falls by exactly weight × I(y, y'), with gradients through both copies equal on every code path", async () => {
  const { arch, batch: b } = firstBatch(WARP, WARP, 20);
  const state = new TrainingState(arch, confidentWeights(arch, 3));
  const base: PhaseSettings = { arch, impl: 'custom', headDistance: 6 };
  const run = (extra: Partial<PhaseSettings>, after = false) => generatorGradients({ ...base, ...extra }, state, b, after);
  const off = await run({});
  const on = await run({ invariance: 2 });
  const w = new TfWeights();
  w.upload(state.params);
  const info = tf.tidy(() => {
    const logits = (x: Float32Array) => encode(w.tensors, arch, tf.tensor2d(x, [20, 784]), inference(), false).logits.arraySync();
    return plainPairInformation([...logits(b.xU), ...logits(b.xU2!)]);
  });
  w.dispose();
  assert.ok(info > 0.05, `I ${info}: y is not uniform`);
  assertClose([on.stats.mutualInformation!], [info], { atol: 1e-5 }, 'reported I');
  assertClose([off.loss - on.loss], [2 * info], { atol: 1e-5 }, 'loss difference');
  assert.equal(off.stats.mutualInformation, undefined);
  // Three ways to the gradient: tfjs's own through both passes ('naive'), the custom layers'
  // gradients through both passes, and the discriminator phase's kept pass plus a traced second pass.
  const naive = await run({ invariance: 2, impl: 'naive' });
  const kept = await run({ invariance: 2 }, true);
  const scale = Math.max(...naive.g.map(Math.abs));
  assertClose(on.g, naive.g, { atol: 1e-5 * scale, rtol: 1e-4 }, 'custom vs naive');
  assertClose(kept.g, naive.g, { atol: 1e-5 * scale, rtol: 1e-4 }, 'kept pass vs naive');
  const change = on.g.map((v, i) => v - off.g[i]!);
  assert.ok(Math.max(...change.map(Math.abs)) > 1e-3 * scale, 'the term moves the gradient');
});

test('two replicas each take the mutual information of their own half batch: the average of the halves, not the full batch', async () => {
  const { arch, batch: b } = firstBatch(WARP, WARP, 20);
  const settings: PhaseSettings = { arch, impl: 'custom', headDistance: 6, invariance: 2 };
  const state = new TrainingState(arch, confidentWeights(arch, 5), 2);
  const parallel = await ParallelStepper.start(state, settings, 'wasm');
  try {
    const two = await parallel.gradients('generator', b);
    const averaged = parallel.averagedGradients('generator', 20).data;
    const [first, second, full] = [
      await generatorGradients(settings, state, sliceBatch(b, 0, 10)),
      await generatorGradients(settings, state, sliceBatch(b, 10, 20)),
      await generatorGradients(settings, state, b),
    ];
    const halves = first.g.map((v, i) => (v + second.g[i]!) / 2);
    const scale = Math.max(...halves.map(Math.abs));
    assertClose(averaged, halves, { atol: 1e-5 * scale, rtol: 1e-4 }, 'replicas vs the mean of the halves');
    const mi = (first.stats.mutualInformation! + second.stats.mutualInformation!) / 2;
    assertClose([two.stats.mutualInformation!], [mi], { rtol: 1e-5 }, 'reported I: the mean of the halves');
    // I of 10 pairs is larger than I of their 20: a small sample's joint looks more dependent.
    assert.ok(mi > full.stats.mutualInformation! + 0.01, `I halves ${mi} vs full ${full.stats.mutualInformation}`);
    assert.ok(
      full.g.some((v, i) => Math.abs(v - halves[i]!) > 1e-3 * scale),
      'the full batch gradient differs',
    );
  } finally {
    await parallel.dispose();
  }
});
