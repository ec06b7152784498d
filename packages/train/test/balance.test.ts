import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { selectBackend } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import { clusterImbalance } from '../src/model/cluster-terms.ts';
import { Rng } from '../src/rng.ts';
import { resolveOptions } from '../src/run/options.ts';
import { assertGradientMatches, generatorFixture, softmaxRows, yGradDiffers } from './cluster-terms.ts';

await selectBackend('wasm');

/** KL(mean softmax ‖ uniform) in float64, straight from the definition. */
function plainImbalance(logits: number[][]): number {
  const n = logits[0]!.length;
  const mean = new Array<number>(n).fill(0);
  for (const p of softmaxRows(logits)) {
    p.forEach((v, k) => {
      mean[k]! += v / logits.length;
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
  assertGradientMatches(clusterImbalance, plainImbalance, logits);
});

test('--balance: default 5 with the agreement term (without labels), else 0, must be >= 0; the generator loss gains exactly weight × the batch imbalance', async () => {
  const f = await generatorFixture(2, 7);
  assert.equal(resolveOptions({ labels: 0 }, f.mnist).balance, 5);
  assert.equal(resolveOptions({ labels: 0, agreement: 0 }, f.mnist).balance, 0);
  assert.equal(resolveOptions({}, f.mnist).balance, 0);
  assert.throws(() => resolveOptions({ balance: -1 }, f.mnist), /--balance must be a number >= 0/);
  const off = f.generate({ balance: 0 });
  const on = f.generate({ balance: 2 });
  assert.equal(off.stats.imbalance, undefined);
  assert.ok(on.stats.imbalance! > 0, `imbalance ${on.stats.imbalance}`);
  assertClose([on.loss - off.loss], [2 * on.stats.imbalance!], { atol: 1e-5 }, 'loss difference');
  assert.ok(yGradDiffers(on, off), 'the term reaches the y layer');
  f.dispose();
});
