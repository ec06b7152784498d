import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertClose } from '@aae-map/shared/test-utils';
import { loadMnistDataset, selectBackend } from '@aae-map/train';
import * as tf from '@tensorflow/tfjs-core';
import { balancedSplit } from '../src/data/labelled-split.ts';
import { encode, inference, initialWeights, TfWeights } from '../src/model/model.ts';
import { adversarialPerturbation, klLogits, vatGradients } from '../src/model/vat.ts';
import { Rng } from '../src/rng.ts';
import { architectureFor, resolveOptions } from '../src/run/options.ts';
import { EpochSampler } from '../src/step/batch-sampler.ts';

await selectBackend('wasm');
const mnist = await loadMnistDataset();
const opts = resolveOptions({ hidden: [32, 16], labels: 100 }, mnist);
const arch = architectureFor(opts, mnist);
const B = 8;
const px = 28 * 28;

/** A small random model and B real MNIST images, normalised. */
function setup() {
  const w = new TfWeights();
  w.upload(initialWeights(arch, new Rng(5), opts.headDistance));
  const x = tf.tensor2d(
    Float32Array.from(mnist.test!.pixels.subarray(0, B * px), (v) => v * arch.normalization.scale + arch.normalization.offset),
    [B, px],
  );
  const logits = encode(w.tensors, arch, x, inference(), false).logits;
  return { w, x, logits };
}

const perRow = (x: tf.Tensor2D, logits: tf.Tensor2D, w: TfWeights, r: tf.Tensor2D) =>
  tf
    .sum(
      tf.mul(
        tf.softmax(logits),
        tf.sub(tf.logSoftmax(logits), tf.logSoftmax(encode(w.tensors, arch, tf.add(x, r) as tf.Tensor2D, inference(), false).logits)),
      ),
      1,
    )
    .dataSync();

test('the VAT perturbation has length ε for every image and changes y more than random perturbations of that length', () => {
  const { w, x, logits } = setup();
  const eps = 1.5;
  const rng = new Rng(9);
  const d = tf.tensor2d(rng.fillNormal(new Float32Array(B * px)), [B, px]);
  const r = adversarialPerturbation(w.tensors, arch, 'custom', x, logits, d, eps);
  assertClose(tf.norm(r, 'euclidean', 1).dataSync(), new Array(B).fill(eps), { rtol: 1e-4 }, 'row lengths');
  const adversarial = perRow(x, logits, w, r);
  for (let k = 0; k < 5; k++) {
    const random = tf.tensor2d(rng.fillNormal(new Float32Array(B * px)), [B, px]);
    const scaled = tf.mul(eps, tf.div(random, tf.norm(random, 'euclidean', 1, true))) as tf.Tensor2D;
    const kl = perRow(x, logits, w, scaled);
    kl.forEach((v, i) => {
      assert.ok(adversarial[i]! > v, `image ${i}, random draw ${k}: KL ${adversarial[i]} along r_adv vs ${v} along a random direction`);
    });
  }
  w.dispose();
});

test('the VAT gradients equal the tfjs default gradient of KL(y(x) ‖ y(x + r_adv)) through the naive layers', () => {
  const { w, x, logits } = setup();
  const d = tf.tensor2d(new Rng(3).fillNormal(new Float32Array(B * px)), [B, px]);
  const names = [...w.tensors.keys()].filter((n) => n.startsWith('encoder/') && !n.endsWith(':T'));
  const v = vatGradients(w.tensors, arch, 'custom', x, logits, d, 1.5, names);
  assert.ok(
    !v.grads.has('encoder/z/kernel') && v.grads.has('encoder/y/kernel') && v.grads.has('encoder/dense0/kernel'),
    'the weights that reach y',
  );
  // Independently: the same perturbation, then the batch-major layers with tfjs's own gradient.
  const xAdv = tf.add(x, adversarialPerturbation(w.tensors, arch, 'custom', x, logits, d, 1.5)) as tf.Tensor2D;
  const yNames = [...v.grads.keys()];
  const { value, grads } = tf.valueAndGrads(() =>
    klLogits(logits, encode(w.tensors, arch, xAdv, { train: true, inputGrad: false, impl: 'naive' }, false).logits),
  )(yNames.map((n) => w.tensors.get(n)!));
  const loss = v.loss.dataSync()[0]!;
  assertClose([loss], value.dataSync(), { rtol: 1e-4 }, 'loss');
  assert.ok(loss > 0, 'the loss is positive');
  yNames.forEach((n, i) => {
    const g = grads[i]!.dataSync();
    const scale = Math.max(...g.map(Math.abs));
    assertClose(v.grads.get(n)!.dataSync(), g, { atol: 1e-4 * scale, rtol: 1e-3 }, n);
  });
  w.dispose();
});

test('--vat defaults to 1.5 with labels and 0 without, and must be >= 0; only with it does the sampler draw VAT directions', () => {
  assert.equal(resolveOptions({}, mnist).vat, 1.5);
  assert.equal(resolveOptions({ labels: 0 }, mnist).vat, 0);
  assert.equal(resolveOptions({ vat: 0 }, mnist).vat, 0);
  assert.equal(resolveOptions({ vat: 2 }, mnist).vat, 2);
  assert.throws(() => resolveOptions({ vat: -1 }, mnist), /--vat must be a number >= 0/);
  const train = { ...mnist.train, count: 1000, labels: mnist.train.labels.subarray(0, 1000) };
  const split = balancedSplit(train.labels, 10, 100, 1);
  const draw = (vat: boolean) => {
    const rng = new Rng(2);
    const s = new EpochSampler(train, split, arch, 20, 0.3, undefined, vat);
    s.startEpoch(rng);
    return s.next(0, rng);
  };
  assert.equal(draw(false).vatDirection, undefined);
  const d = draw(true).vatDirection!;
  assert.equal(d.length, 20 * px);
  const mean = d.reduce((s, v) => s + v, 0) / d.length;
  const sd = Math.sqrt(d.reduce((s, v) => s + (v - mean) ** 2, 0) / d.length);
  assert.ok(Math.abs(mean) < 0.02 && Math.abs(sd - 1) < 0.02, `N(0, 1) draws: mean ${mean}, sd ${sd}`);
});
