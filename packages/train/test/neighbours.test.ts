import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { gatherNormalized, inputScaling, loadMnistDataset, selectBackend } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { pixelNeighbours } from '../src/data/pixel-neighbours.ts';
import { selectGemm, withCores } from '../src/kernels/wasm-matmul.ts';
import { pairAgreement } from '../src/model/cluster-terms.ts';
import { encode, inference, initialWeights, represent, TfWeights } from '../src/model/model.ts';
import { NEGATIVES, neighbourLoss } from '../src/model/neighbour-term.ts';
import type { PhaseSettings } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import type { Warp } from '../src/step/augment.ts';
import { EpochSampler, sliceBatch } from '../src/step/batch-sampler.ts';
import { TrainingState } from '../src/step/stepper.ts';
import { assertGradientMatches, generatorGradients, softmaxRows } from './cluster-terms.ts';

await selectBackend('wasm');
const mnist = await loadMnistDataset();
const COUNT = 600;
const train = { ...mnist.train, count: COUNT, labels: mnist.train.labels.subarray(0, COUNT) };
const opts = resolveOptions({ labels: 0, clusters: 10, styleDim: 2, hidden: [32, 16] }, mnist);
const arch = architectureFor(opts, mnist);
const all = Int32Array.from({ length: COUNT }, (_, i) => i);
const x = gatherNormalized(train, all, 784, inputScaling(arch));

/** Squared distances from image i to every image, in float64 from their definition. */
function distancesFrom(i: number): number[] {
  return Array.from({ length: COUNT }, (_, j) => {
    let s = 0;
    for (let p = 0; p < 784; p++) s += (x[i * 784 + p]! - x[j * 784 + p]!) ** 2;
    return s;
  });
}

test('pixel neighbours: the k nearest other images by float64 distance, nearest first, on every kind of products', async () => {
  const k = 7;
  const ways = [
    ['wasm', () => pixelNeighbours(x, COUNT, 784, k)],
    ['auto', () => pixelNeighbours(x, COUNT, 784, k)],
    ['auto', () => withCores(2, () => pixelNeighbours(x, COUNT, 784, k))],
  ] as const;
  const every = Array.from(all);
  for (const [w, [gemm, find]] of ways.entries()) {
    selectGemm(gemm);
    const table = await find();
    // Every image once (both blocks of 400 and the pairs across them), a few for the other ways.
    for (const i of w === 1 ? every : [0, 1, 399, 400, 599]) {
      const d = distancesFrom(i);
      const expected = all.filter((j) => j !== i).sort((a, b) => d[a]! - d[b]!);
      const got = [...table.subarray(i * k, (i + 1) * k)];
      assert.ok(!got.includes(i), 'an image is not its own neighbour');
      // float32 products may swap near-ties, so compare the distances in order.
      assertClose(
        got.map((j) => d[j]!),
        [...expected.subarray(0, k)].map((j) => d[j]!),
        { rtol: 1e-4 },
        `${gemm}: image ${i}`,
      );
    }
  }
  let pairs = 0;
  await pixelNeighbours(x, COUNT, 784, k, (n) => {
    pairs += n;
  });
  assert.equal(pairs, (COUNT * (COUNT - 1)) / 2, 'the progress counts every pair once');
  await assert.rejects(pixelNeighbours(x, COUNT, 784, COUNT), /k must be from 1 to 599/);
});

/** UMAP's loss with a = b = 1 in float64, from its definition: rows of r2 rotated for the negatives. */
function plainNeighbourLoss(r: number[][], r2: number[][]): number {
  const B = r.length;
  const d2 = (a: number[], b: number[]) => a.reduce((s, v, c) => s + (v - b[c]!) ** 2, 0);
  let loss = 0;
  for (let i = 0; i < B; i++) {
    loss += Math.log(1 + d2(r[i]!, r2[i]!)) / B;
    for (let s = 1; s <= NEGATIVES; s++) {
      const q = 1 / (1 + d2(r[i]!, r2[(i + s) % B]!));
      loss -= Math.log(1 - q) / B;
    }
  }
  return loss;
}

test('the neighbour loss: the definition on random points; near neighbours and far negatives cost less', () => {
  const rng = new Rng(3);
  const points = (n: number, scale: number) => Array.from({ length: n }, () => [scale * rng.normal(), scale * rng.normal()]);
  const r = points(12, 3);
  const r2 = points(12, 3);
  const value = (a: number[][], b: number[][]) => tf.tidy(() => neighbourLoss(tf.tensor2d(a), tf.tensor2d(b)).dataSync()[0]!);
  assertClose([value(r, r2)], [plainNeighbourLoss(r, r2)], { rtol: 1e-5 });
  const spread = r.map(([a, b], i) => [10 * i + a! / 10, b! / 10]);
  const near = spread.map(([a, b]) => [a! + 0.1, b!]);
  assert.ok(value(spread, near) < 0.1, `neighbours 0.1 apart and others 10 apart: ${value(spread, near)}`);
  assert.ok(value(r, r2) > 1);
});

const WARP: Warp = { shift: 2, rotate: 15, scale: 0.1 };

function firstBatch(withNeighbours: boolean, table?: Int32Array) {
  const rng = new Rng(7);
  const neighbours = withNeighbours ? { table: table!, k: 7 } : undefined;
  const s = new EpochSampler(train, balancedSplit(train.labels, 10, 0, 1), arch, 20, opts.noiseStd, WARP, false, undefined, neighbours);
  s.startEpoch(rng);
  const draw = s.draw(0, rng);
  return { draw, batch: s.hostBatch(draw), rng };
}

test('the sampler: the second image is one of each image’s neighbours under its own warp, drawn after everything else', async () => {
  selectGemm('auto');
  const table = await pixelNeighbours(x, COUNT, 784, 7);
  const plain = firstBatch(false);
  const paired = firstBatch(true, table);
  assert.equal(plain.batch.xU2, undefined);
  const { xU2, ...rest } = paired.batch;
  assert.deepEqual(rest, plain.batch, 'every other array is as without the second image');
  const { indicesU, indicesU2 } = paired.draw;
  indicesU.forEach((i, r) => {
    assert.ok(table.subarray(i * 7, (i + 1) * 7).includes(indicesU2![r]!), `row ${r}: a neighbour of image ${i}`);
  });
  assert.ok(new Set(indicesU2).size > 15, 'neighbours are drawn at random, not always the nearest');
  assert.deepEqual(sliceBatch(paired.batch, 3, 7).xU2, xU2!.slice(3 * 784, 7 * 784), "a replica's share of the second image");
});

test('the generator phase: the loss rises by exactly weight × the neighbour loss, or the agreement term, with gradients equal on every code path', async () => {
  const table = await pixelNeighbours(x, COUNT, 784, 7);
  const { batch: b } = firstBatch(true, table);
  const state = new TrainingState(arch, initialWeights(arch, new Rng(5), 6));
  const base: PhaseSettings = { arch, impl: 'custom', headDistance: 6 };
  const run = (extra: Partial<PhaseSettings>, afterDiscriminator = false) =>
    generatorGradients({ ...base, ...extra }, state, b, afterDiscriminator);
  const off = await run({});
  const on = await run({ neighbours: 0.5 });
  const w = new TfWeights();
  w.upload(state.params);
  const { expected, disagreement } = tf.tidy(() => {
    const encoded = (images: Float32Array) => encode(w.tensors, arch, tf.tensor2d(images, [20, 784]), inference());
    const [first, second] = [encoded(b.xU), encoded(b.xU2!)];
    const rep = (e: typeof first) => represent(w.tensors, tf.softmax(e.logits), e.z!).arraySync();
    return {
      expected: plainNeighbourLoss(rep(first), rep(second)),
      disagreement: plainAgreement([...first.logits.arraySync(), ...second.logits.arraySync()]),
    };
  });
  w.dispose();
  assertClose([on.stats.neighbourLoss!], [expected], { rtol: 1e-4 }, 'reported neighbour loss');
  assertClose([on.loss - off.loss], [0.5 * expected], { rtol: 1e-4, atol: 1e-5 }, 'loss difference');
  const naive = await run({ neighbours: 0.5, impl: 'naive' });
  const kept = await run({ neighbours: 0.5 }, true);
  const scale = Math.max(...naive.g.map(Math.abs));
  assertClose(on.g, naive.g, { atol: 1e-5 * scale, rtol: 1e-4 }, 'custom vs naive');
  assertClose(kept.g, naive.g, { atol: 1e-5 * scale, rtol: 1e-4 }, 'kept pass vs naive');
  const change = on.g.map((v, i) => v - off.g[i]!);
  assert.ok(Math.max(...change.map(Math.abs)) > 1e-3 * scale, 'the term moves the gradient');

  // The agreement term on y alone: z2 gets no gradient, which the kept pass must still handle.
  const agree = await run({ agreement: 0.7 });
  const agreeNaive = await run({ agreement: 0.7, impl: 'naive' });
  const agreeKept = await run({ agreement: 0.7 }, true);
  assertClose([agree.stats.disagreement!], [disagreement], { rtol: 1e-4 }, 'reported disagreement');
  assertClose([agree.loss - off.loss], [0.7 * disagreement], { rtol: 1e-4, atol: 1e-5 }, 'loss difference');
  const scale2 = Math.max(...agreeNaive.g.map(Math.abs));
  assertClose(agree.g, agreeNaive.g, { atol: 1e-5 * scale2, rtol: 1e-4 }, 'agreement: custom vs naive');
  assertClose(agreeKept.g, agreeNaive.g, { atol: 1e-5 * scale2, rtol: 1e-4 }, 'agreement: kept pass vs naive');
});

/** SCAN's −mean log ⟨y, y′⟩ in float64, for logits of the image and its neighbour stacked as rows [a; b]. */
function plainAgreement(stacked: number[][]): number {
  const B = stacked.length / 2;
  const y = softmaxRows(stacked);
  let loss = 0;
  for (let r = 0; r < B; r++) loss -= Math.log(y[r]!.reduce((s, v, c) => s + v * y[B + r]![c]!, 0)) / B;
  return loss;
}

const stackedAgreement = (x: tf.Tensor2D) => {
  const B = x.shape[0] / 2;
  return pairAgreement(tf.slice(x, [0, 0], [B, -1]), tf.slice(x, [B, 0], [B, -1]));
};

test('the agreement term: 0 for the same one-hot y, log n for uniform y, the definition and its gradient on random logits', () => {
  const value = (stacked: number[][]) => tf.tidy(() => stackedAgreement(tf.tensor2d(stacked)).dataSync()[0]!);
  const oneHot = (k: number) => [0, 1, 2, 3].map((c) => (c === k ? 40 : 0));
  assertClose([value([0, 2, 0, 2].map(oneHot))], [0], { atol: 1e-5 });
  assertClose([value(Array.from({ length: 4 }, () => [1, 1, 1, 1]))], [Math.log(4)], { atol: 1e-6 });
  const rng = new Rng(13);
  const logits = Array.from({ length: 10 }, () => Array.from({ length: 5 }, () => 2 * rng.normal()));
  assertClose([value(logits)], [plainAgreement(logits)], { rtol: 1e-5 });
  assertGradientMatches(stackedAgreement, plainAgreement, logits);
});

test('--neighbours and --agreement: default 0 (agreement 1 without labels), must be >= 0, and not with --invariance', () => {
  assert.equal(resolveOptions({}, mnist).neighbours, 0);
  assert.equal(resolveOptions({ neighbours: 0.3 }, mnist).neighbours, 0.3);
  assert.throws(() => resolveOptions({ neighbours: -1 }, mnist), /--neighbours must be a number >= 0/);
  assert.throws(() => resolveOptions({ neighbours: 1, invariance: 1 }, mnist), /--neighbours and --agreement take a neighbour/);
  assert.equal(resolveOptions({}, mnist).agreement, 0);
  // Without labels SCAN's objective is the default, unless --invariance takes the second image.
  const unsupervised = resolveOptions({ labels: 0 }, mnist);
  assert.deepEqual([unsupervised.agreement, unsupervised.balance, unsupervised.neighbours], [1, 5, 0]);
  const iic = resolveOptions({ labels: 0, invariance: 1 }, mnist);
  assert.deepEqual([iic.agreement, iic.balance], [0, 0]);
  assert.throws(() => resolveOptions({ agreement: -1 }, mnist), /--agreement must be a number >= 0/);
  assert.throws(() => resolveOptions({ agreement: 1, invariance: 1 }, mnist), /use one or the other/);
});
