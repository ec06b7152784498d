import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { selectBackend } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import { meanEntropy } from '../src/model/cluster-terms.ts';
import { Rng } from '../src/rng.ts';
import { resolveOptions } from '../src/run/options.ts';
import { assertGradientMatches, generatorFixture, softmaxRows, yGradDiffers } from './cluster-terms.ts';

await selectBackend('wasm');

/** Mean over rows of −Σ p log p, p = softmax of the row, in float64 straight from the definition. */
function plainMeanEntropy(logits: number[][]): number {
  const rowEntropy = (p: number[]) => -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);
  return softmaxRows(logits).reduce((s, p) => s + rowEntropy(p), 0) / logits.length;
}

const entropyOf = (logits: number[][]) => tf.tidy(() => meanEntropy(tf.tensor2d(logits)).dataSync()[0]!);

test('mean entropy of y: log n for uniform rows, 0 for one-hot rows, the definition on random logits', () => {
  assertClose(
    [
      entropyOf([
        [1, 1, 1, 1],
        [-3, -3, -3, -3],
      ]),
    ],
    [Math.log(4)],
    { atol: 1e-6 },
  );
  // Rows one-hot up to e^−40 on different clusters: each y is confident although the batch uses every cluster.
  assertClose(
    [
      entropyOf([
        [40, 0, 0],
        [0, 40, 0],
        [0, 0, 40],
      ]),
    ],
    [0],
    { atol: 1e-6 },
  );
  const rng = new Rng(6);
  const logits = Array.from({ length: 7 }, () => Array.from({ length: 5 }, () => 2 * rng.normal()));
  assertClose([entropyOf(logits)], [plainMeanEntropy(logits)], { atol: 1e-6 });
});

test('mean entropy of y: its gradient matches central differences of the definition', () => {
  const rng = new Rng(8);
  const logits = Array.from({ length: 4 }, () => Array.from({ length: 3 }, () => rng.normal()));
  assertGradientMatches(meanEntropy, plainMeanEntropy, logits);
});

test('--confidence: default 0, must be >= 0; the generator loss gains exactly weight × the mean entropy, on top of --balance', async () => {
  const f = await generatorFixture(3, 9);
  assert.equal(resolveOptions({ labels: 0 }, f.mnist).confidence, 0);
  assert.throws(() => resolveOptions({ confidence: -1 }, f.mnist), /--confidence must be a number >= 0/);
  const off = f.generate({ balance: 0, confidence: 0 });
  const on = f.generate({ confidence: 3 });
  const both = f.generate({ balance: 1.5, confidence: 3 });
  assert.equal(off.stats.entropy, undefined);
  assert.equal(on.stats.imbalance, undefined);
  const entropy = on.stats.entropy!;
  // Freshly initialised logits are small: y is near uniform, so its entropy is near but below log 20.
  assert.ok(entropy > 0 && entropy < Math.log(20), `entropy ${entropy}`);
  assertClose([on.loss - off.loss], [3 * entropy], { atol: 1e-5 }, 'loss difference');
  assertClose([both.stats.entropy!], [entropy], { atol: 1e-7 }, 'entropy with --balance');
  assertClose([both.loss - off.loss], [1.5 * both.stats.imbalance! + 3 * entropy], { atol: 1e-5 }, 'loss difference with both');
  assert.ok(yGradDiffers(on, off), 'the term reaches the y layer');
  f.dispose();
});
