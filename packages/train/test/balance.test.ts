import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { loadMnistDataset, selectBackend } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { initialWeights, TfWeights } from '../src/model/model.ts';
import { clusterImbalance, runPhase } from '../src/model/phases.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import { EpochSampler } from '../src/step/batch-sampler.ts';

await selectBackend('wasm');

/** KL(mean softmax ‖ uniform) in float64, straight from the definition. */
function plainImbalance(logits: number[][]): number {
  const n = logits[0]!.length;
  const mean = new Array<number>(n).fill(0);
  for (const row of logits) {
    const top = Math.max(...row);
    const e = row.map((v) => Math.exp(v - top));
    const sum = e.reduce((s, v) => s + v, 0);
    e.forEach((v, k) => {
      mean[k]! += v / sum / logits.length;
    });
  }
  return mean.reduce((s, p) => s + (p > 0 ? p * Math.log(p * n) : 0), 0);
}

const imbalanceOf = (logits: number[][]) => tf.tidy(() => clusterImbalance(tf.tensor2d(logits)).dataSync()[0]!);

test('cluster imbalance: 0 for even use, log n for one cluster, the definition on random logits', () => {
  // Each row one-hot-ish on a different cluster: the mean is uniform.
  assertClose(
    [
      imbalanceOf([
        [9, 0, 0],
        [0, 9, 0],
        [0, 0, 9],
      ]),
    ],
    [0],
    { atol: 1e-6 },
  );
  // Every row on cluster 0 with probability 1 − 2e^−30: the mean is (almost) one-hot.
  assertClose(
    [
      imbalanceOf([
        [30, 0, 0],
        [30, 0, 0],
      ]),
    ],
    [Math.log(3)],
    { atol: 1e-6 },
  );
  const rng = new Rng(4);
  const logits = Array.from({ length: 6 }, () => Array.from({ length: 5 }, () => 2 * rng.normal()));
  assertClose([imbalanceOf(logits)], [plainImbalance(logits)], { atol: 1e-6 });
});

test('cluster imbalance: its gradient matches central differences of the definition', () => {
  const rng = new Rng(5);
  const logits = Array.from({ length: 4 }, () => Array.from({ length: 3 }, () => rng.normal()));
  const grad = tf.tidy(
    () =>
      tf
        .grad((x: tf.Tensor) => clusterImbalance(x as tf.Tensor2D))(tf.tensor2d(logits))
        .arraySync() as number[][],
  );
  const h = 1e-5;
  const numeric = logits.map((row, i) =>
    row.map((_, k) => {
      const at = (d: number) => plainImbalance(logits.map((r, j) => r.map((v, c) => (j === i && c === k ? v + d : v))));
      return (at(h) - at(-h)) / (2 * h);
    }),
  );
  // float32 softmax and log leave about 1e-6 of rounding in each entry.
  assertClose(grad.flat(), numeric.flat(), { atol: 2e-5 }, 'gradient');
});

test('--balance: default 0, must be >= 0; the generator loss gains exactly weight × the batch imbalance', async () => {
  const mnist = await loadMnistDataset();
  assert.equal(resolveOptions({ labels: 0 }, mnist).balance, 0);
  assert.throws(() => resolveOptions({ balance: -1 }, mnist), /--balance must be a number >= 0/);
  const opts = resolveOptions({ hidden: [32, 16], labels: 0, clusters: 20, styleDim: 2 }, mnist);
  const arch = architectureFor(opts, mnist);
  const train = { ...mnist.train, count: 200, labels: mnist.train.labels.subarray(0, 200) };
  const sampler = new EpochSampler(train, balancedSplit(train.labels, 10, 0, 1), arch, 20, 0.3);
  const rng = new Rng(2);
  sampler.startEpoch(rng);
  const batch = sampler.next(0, rng);
  const w = new TfWeights();
  w.upload(initialWeights(arch, new Rng(7), opts.headDistance));
  const names = [...w.tensors.keys()].filter((n) => n.startsWith('encoder/') && !n.endsWith(':T'));
  const generate = (balance: number) =>
    tf.tidy(() => {
      const o = runPhase('generator', w.tensors, batch, names, { arch, impl: 'custom', headDistance: 6, balance });
      return {
        loss: o.loss.dataSync()[0]!,
        imbalance: o.stats.imbalance?.dataSync()[0],
        yGrad: o.grads[names.indexOf('encoder/y/kernel')]!.dataSync(),
      };
    });
  const off = generate(0);
  const on = generate(2);
  assert.equal(off.imbalance, undefined);
  assert.ok(on.imbalance! > 0, `imbalance ${on.imbalance}`);
  assertClose([on.loss - off.loss], [2 * on.imbalance!], { atol: 1e-5 }, 'loss difference');
  assert.ok(
    on.yGrad.some((g, i) => Math.abs(g - off.yGrad[i]!) > 1e-6),
    'the term reaches the y layer',
  );
  w.dispose();
});
